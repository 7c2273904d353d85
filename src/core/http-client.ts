/**
 * One HTTP GET, answered as plain data. Never throws for an HTTP status (the retry policy reads
 * statuses); throws only for network failures, timeouts and cut-off bodies.
 *
 * Node's own http/https with keep-alive agents: for a JSON API this does all got-scraping does for
 * us (its browser-like headers and TLS fingerprints are for web pages), at a third of its CPU per
 * request, which is most of what a crawl of cached daily snapshots spends.
 */
import http, { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

export interface HttpResponse {
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpRequestOptions {
  headers: Record<string, string>;
  timeoutMs: number;
}

// Idle connections are dropped after 4 s, before a server's usual 5 s keep-alive timeout can close
// one just as a request is sent on it.
const agents = {
  'http:': new http.Agent({ keepAlive: true, timeout: 4000 }),
  'https:': new https.Agent({ keepAlive: true, timeout: 4000 }),
};

export class HttpError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code === 'ETIMEDOUT' ? 'TimeoutError' : 'RequestError';
  }
}

export function httpGet(url: string, { headers, timeoutMs }: HttpRequestOptions): Promise<HttpResponse> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(
      target,
      { headers, agent: agents[target.protocol as 'http:' | 'https:'] },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ url, status: response.statusCode ?? 0, headers: response.headers, body });
        });
        response.on('error', reject);
        response.on('close', () => {
          if (!response.complete)
            reject(new HttpError('ECONNRESET', 'the connection closed before the body ended'));
        });
      },
    );
    // One deadline for the whole exchange, from sending to the last byte of the body.
    const timer = setTimeout(
      () => request.destroy(new HttpError('ETIMEDOUT', `no full answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
    request.on('close', () => clearTimeout(timer));
    request.on('error', reject);
  });
}

/** A short, stable name for a network failure, used in stats keys and messages (`ECONNRESET`, `timeout`). */
export function networkErrorReason(error: unknown): string {
  const { name, code } = error as { name?: string; code?: string };
  if (name === 'TimeoutError' || code === 'ETIMEDOUT') return 'timeout';
  if (code && /^[A-Z_]+$/.test(code)) return code;
  return name && name !== 'Error' ? name : 'network_error';
}
