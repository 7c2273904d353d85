// Why: small HTTP helpers shared by the mock API's own tests; raw `http` requests on fresh connections see
// resets and truncated bodies exactly as a crawler would, without fetch's pooling in between.
import { get } from 'http';

export interface RawResponse {
  status?: number;
  headers?: Record<string, string | string[] | undefined>;
  body: string;
  /** Set when the connection failed or closed before the whole body arrived. */
  error?: string;
}

/** GET on a new connection; never rejects: failures come back in `error`, with what was received. */
export function rawGet(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve) => {
    const out: RawResponse = { body: '' };
    const done = (error?: Error): void => {
      if (error && !out.error) out.error = error.message;
      resolve(out);
    };
    const req = get(url, { agent: false, headers }, (res) => {
      out.status = res.statusCode;
      out.headers = res.headers;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (out.body += chunk));
      res.on('aborted', () => (out.error = 'aborted'));
      res.on('error', done);
      res.on('close', () => done(res.complete ? undefined : new Error('closed before the end of the body')));
    });
    req.on('error', done);
  });
}

/** fetch + JSON body + status, for the ordinary cases. */
export async function getJson<T = Record<string, unknown>>(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: T; text: string }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: JSON.parse(text) as T, text };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
