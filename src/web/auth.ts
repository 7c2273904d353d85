/**
 * Who may act. Actions (queueing jobs) exist only when SERVE_TOKEN is set, and each needs the token:
 * in an `Authorization: Bearer TOKEN` header (programs), or in the session cookie the sign-in form
 * sets (the page). The cookie holds an HMAC of the token, never the token; it is HttpOnly and
 * SameSite=Strict, so another site can't send it, and a cookie-carried request that the browser
 * marks cross-site is refused too. Comparisons take constant time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './http-error';

export const SESSION_COOKIE = 'status_session';

export interface Caller {
  /** How the token came: `header` or `session`. */
  via: 'header' | 'session';
}

export class ActionGuard {
  private readonly session: string | undefined;

  constructor(private readonly token: string) {
    this.session = token
      ? createHmac('sha256', token).update('status page session').digest('base64url')
      : undefined;
  }

  /** Whether actions are on at all (SERVE_TOKEN set). */
  get enabled(): boolean {
    return this.token !== '';
  }

  /** Whether this text is the token. */
  isToken(candidate: string): boolean {
    return this.enabled && sameText(candidate, this.token);
  }

  /** Whether the request carries the session cookie. */
  signedIn(request: FastifyRequest): boolean {
    const cookie = request.cookies[SESSION_COOKIE];
    return this.session !== undefined && cookie !== undefined && sameText(cookie, this.session);
  }

  /** The caller of an action, or a 403 saying why not. */
  check(request: FastifyRequest): Caller {
    if (!this.enabled)
      throw new HttpError(403, 'actions are off: start serve with SERVE_TOKEN set to allow them');
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer (.+)$/.exec(header);
      if (match && this.isToken(match[1].trim())) return { via: 'header' };
      throw new HttpError(403, 'wrong token in the Authorization header');
    }
    if (!this.signedIn(request))
      throw new HttpError(403, 'this needs the token: sign in on the Runs page first');
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      throw new HttpError(403, 'refused: the request came from another site');
    }
    return { via: 'session' };
  }

  /** Sets the session cookie (after the sign-in form gave the right token). */
  startSession(reply: FastifyReply): void {
    reply.setCookie(SESSION_COOKIE, this.session as string, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
    });
  }

  endSession(reply: FastifyReply): void {
    reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/' });
  }
}

/** Equal texts, compared in time that does not depend on where they differ (hashes are equal-length). */
function sameText(a: string, b: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}
