/**
 * The status page's web server (Fastify): the pages (overview, runs, charts, reports), the guarded
 * actions, the assets, and what every answer shares: security headers, a strict
 * Content-Security-Policy (no inline script, no eval), error pages without stacks (400 for bad
 * input, 403, 404, and a plain 500), and, on loopback, a Host check against DNS rebinding.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import Fastify, { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UsageError } from '../core/errors';
import { errorSummary } from '../db/data-source';
import type { StatusContext } from './context';
import { HttpError } from './http-error';
import { registerActionRoutes } from './routes/actions';
import { registerAssetRoutes } from './routes/assets';
import { registerChartRoutes } from './routes/charts';
import { registerOverviewRoutes } from './routes/overview';
import { registerReportRoutes } from './routes/reports';
import { registerRunsRoutes } from './routes/runs';
import { errorPage } from './templates/layout';

const SECURITY_HEADERS = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    // Vega-Embed and its tooltips add style elements.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

/** Host names a loopback-bound server answers to. */
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export interface ServerOptions {
  /** Bound to loopback only: requests must name a loopback host (no DNS rebinding). */
  loopback: boolean;
}

export async function buildStatusServer(
  context: StatusContext,
  { loopback }: ServerOptions,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);

  app.addHook('onRequest', async (request) => {
    if (loopback && !LOOPBACK_NAMES.has(hostName(request.headers.host ?? ''))) {
      throw new HttpError(403, 'this server answers only to 127.0.0.1 and localhost');
    }
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });

  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (error instanceof UsageError) return sendError(request, reply, 400, error.message);
    if (error instanceof HttpError) return sendError(request, reply, error.statusCode, error.message);
    const status = (error as FastifyError).statusCode;
    if (status !== undefined && status >= 400 && status < 500)
      return sendError(request, reply, status, error.message);
    context.logger.error(`${request.method} ${request.url.split('?')[0]}: ${errorSummary(error)}`);
    return sendError(request, reply, 500, 'internal error; the server log says more');
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, 404, `no page at ${request.url.split('?')[0]}`),
  );

  registerOverviewRoutes(app, context);
  registerRunsRoutes(app, context);
  registerChartRoutes(app, context);
  registerReportRoutes(app, context);
  registerActionRoutes(app, context);
  registerAssetRoutes(app);

  function sendError(request: FastifyRequest, reply: FastifyReply, status: number, message: string) {
    const accept = request.headers.accept ?? '';
    reply.status(status);
    if (accept.includes('application/json') && !accept.includes('text/html'))
      return reply.send({ error: message });
    return reply.type('text/html; charset=utf-8').send(errorPage(status, message));
  }
  return app;
}

/** `127.0.0.1:8080` -> `127.0.0.1`; `[::1]:8080` -> `[::1]`. */
function hostName(host: string): string {
  const match = /^(\[[^\]]*\]|[^:]*)/.exec(host.toLowerCase());
  return match ? match[1] : '';
}
