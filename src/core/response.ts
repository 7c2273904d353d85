/**
 * The answer a callback reads (Scrapy's Response): status, headers, the body as text or JSON, the
 * request it answers, and `follow`/`urljoin`, which resolve links against the answer's own URL (the
 * URL after redirects, as a browser would).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Request, RequestOptions } from './request';

export interface ResponseInit<Meta extends object> {
  /** The final URL, after redirects. */
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
  /** The body, decompressed. */
  body: Buffer;
  request: Request<Meta>;
}

export class Response<Meta extends object = object> {
  readonly url: string;
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly request: Request<Meta>;
  private decoded: string | undefined;

  constructor({ url, status, headers, body, request }: ResponseInit<Meta>) {
    this.url = url;
    this.status = status;
    this.headers = headers;
    this.body = body;
    this.request = request;
  }

  /** The body as text (UTF-8, or latin1 when the content-type says so), decoded once. */
  get text(): string {
    this.decoded ??= this.body.toString(charsetOf(this.headers['content-type']));
    return this.decoded;
  }

  /** The body parsed as JSON; throws a SyntaxError when it isn't JSON. */
  json<T = unknown>(): T {
    return JSON.parse(this.text) as T;
  }

  /** The data the request carried for its callback. */
  get meta(): Meta {
    return this.request.meta;
  }

  /** `url` resolved against this answer's URL. */
  urljoin(url: string): string {
    return new URL(url, this.url).href;
  }

  /** A request for `url` (relative or absolute), resolved against this answer's URL. */
  follow<M extends object = object>(url: string, options: Omit<RequestOptions<M>, 'url'> = {}): Request<M> {
    return new Request<M>({ ...options, url: this.urljoin(url) });
  }
}

function charsetOf(contentType: string | undefined): BufferEncoding {
  const charset = /charset=([^;]+)/i
    .exec(contentType ?? '')?.[1]
    ?.trim()
    .toLowerCase();
  return charset === 'iso-8859-1' || charset === 'latin1' ? 'latin1' : 'utf8';
}
