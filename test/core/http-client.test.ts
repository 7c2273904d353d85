import { once } from 'node:events';
import http from 'node:http';
import zlib from 'node:zlib';
import { UsageError } from '../../src/core/errors';
import {
  HttpClient,
  HttpClientOptions,
  HttpError,
  networkErrorReason,
  TooManyRedirects,
} from '../../src/core/http-client';
import { NoProxy } from '../../src/core/proxy';
import {
  closedPort,
  Received,
  selfSignedCertificate,
  startProxy,
  startServer,
  TestProxy,
  TestServer,
} from '../helpers/http-servers';

const TEXT = 'héllo, wörld; '.repeat(200);

/** Bodies as each content-encoding sends TEXT. */
const ENCODED: Record<string, { encoding: string; body: Buffer }> = {
  gzip: { encoding: 'gzip', body: zlib.gzipSync(TEXT) },
  'x-gzip': { encoding: 'x-gzip', body: zlib.gzipSync(TEXT) },
  deflate: { encoding: 'deflate', body: zlib.deflateSync(TEXT) },
  'raw deflate': { encoding: 'deflate', body: zlib.deflateRawSync(TEXT) },
  br: { encoding: 'br', body: zlib.brotliCompressSync(TEXT) },
  // A gzip header and then noise: what a proxy that cuts or mangles bodies delivers.
  corrupt: {
    encoding: 'gzip',
    body: Buffer.concat([zlib.gzipSync(TEXT).subarray(0, 10), Buffer.alloc(40, 7)]),
  },
};

/** Responses held open by /hang, to see the client close them. */
const hanging: http.ServerResponse[] = [];

/**
 * The test servers' routes. /echo (any path ending in it) answers what it received as JSON;
 * /chain/N redirects N times (301) before /echo; /to?status=S&location=L answers S with Location L;
 * /encoded/NAME sends TEXT encoded; /hang never finishes; /cut stops mid-body.
 */
function routes(request: Received, response: http.ServerResponse): void {
  const url = new URL(request.url, 'http://server');
  const chain = /^\/chain\/(\d+)$/.exec(url.pathname);
  if (url.pathname.endsWith('/echo')) {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(request));
  } else if (chain) {
    const left = Number(chain[1]);
    response.writeHead(301, { location: left > 1 ? `/chain/${left - 1}` : '/echo?from=chain' });
    response.end('moved');
  } else if (url.pathname === '/relative/deep/start') {
    response.writeHead(302, { location: '../echo?from=relative' });
    response.end();
  } else if (url.pathname === '/to') {
    response.writeHead(Number(url.searchParams.get('status')), {
      location: url.searchParams.get('location') ?? '',
    });
    response.end('redirect body');
  } else if (url.pathname.startsWith('/encoded/')) {
    const { encoding, body } = ENCODED[decodeURIComponent(url.pathname.slice('/encoded/'.length))];
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-encoding': encoding });
    response.end(body);
  } else if (url.pathname === '/hang') {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.write('the start of a body that never ends');
    hanging.push(response);
  } else if (url.pathname === '/cut') {
    response.writeHead(200, { 'content-length': '100' });
    response.write('ten bytes!', () => response.socket?.destroy());
  } else {
    response.writeHead(404).end();
  }
}

let server: TestServer;
/** Another origin (another port), for cross-origin redirects. */
let other: TestServer;
let secure: TestServer;
let proxy: TestProxy;
let cert: string;
const clients: HttpClient[] = [];

function client(options: Partial<HttpClientOptions> = {}): HttpClient {
  const made = new HttpClient({ timeoutMs: 5000, redirect: { enabled: true, maxTimes: 20 }, ...options });
  clients.push(made);
  return made;
}

const noProxy = { httpProxy: '', httpsProxy: '', noProxy: '' };

function get(url: string, headers: Record<string, string> = {}) {
  return { method: 'GET', url, headers };
}

/** The JSON /echo answered with. */
function echoed(body: Buffer): Received {
  return JSON.parse(body.toString('utf8')) as Received;
}

beforeAll(async () => {
  const tls = await selfSignedCertificate();
  cert = tls.cert;
  [server, other, secure, proxy] = await Promise.all([
    startServer(routes),
    startServer(routes),
    startServer(routes, tls),
    startProxy(),
  ]);
});

afterEach(() => {
  for (const made of clients.splice(0)) made.close();
  for (const response of hanging.splice(0)) response.destroy();
  for (const each of [server, other, secure]) each.received.length = 0;
  proxy.seen.length = 0;
});

afterAll(async () => {
  await Promise.all([server, other, secure, proxy].map((each) => each.close()));
});

describe('HttpClient requests', () => {
  it('sends a GET with its headers and reads the answer', async () => {
    const url = `${server.origin}/echo?x=1`;
    const response = await client().request(get(url, { 'x-test': 'yes' }));

    expect(server.received).toHaveLength(1);
    const [received] = server.received;
    expect(received).toMatchObject({ method: 'GET', url: '/echo?x=1', body: '' });
    expect(received.headers).toMatchObject({ 'x-test': 'yes', 'accept-encoding': 'gzip, deflate, br' });
    expect(response).toMatchObject({ url, status: 200, redirectUrls: [] });
    expect(response.headers['content-type']).toBe('application/json');
    expect(echoed(response.body)).toEqual(received);
  });

  it('POSTs a JSON body with its content-type and byte length', async () => {
    const body = JSON.stringify({ coin: 'bitcoin', note: 'ünïcode' });
    const response = await client().request({
      method: 'POST',
      url: `${server.origin}/echo`,
      headers: { 'content-type': 'application/json' },
      body,
    });

    const [received] = server.received;
    expect(received).toMatchObject({ method: 'POST', body });
    expect(received.headers['content-type']).toBe('application/json');
    expect(received.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(response.status).toBe(200);
    expect(echoed(response.body).body).toBe(body);
  });

  it('POSTs a form body given as a Buffer', async () => {
    const body = Buffer.from('ids=bitcoin&ids=ethereum&vs=%E2%82%AC');
    const response = await client().request({
      method: 'POST',
      url: `${server.origin}/echo`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });

    const [received] = server.received;
    expect(received).toMatchObject({ method: 'POST', body: body.toString() });
    expect(received.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(received.headers['content-length']).toBe(String(body.length));
    expect(echoed(response.body).method).toBe('POST');
  });

  it('answers any HTTP status rather than throwing', async () => {
    const response = await client().request(get(`${server.origin}/nothing-here`));
    expect(response.status).toBe(404);
    expect(server.received.map((r) => r.url)).toEqual(['/nothing-here']);
  });

  it('talks to an https server it is told to trust, and refuses it otherwise', async () => {
    const response = await client({ ca: cert }).request(get(`${secure.origin}/echo`));
    expect(response.status).toBe(200);
    expect(echoed(response.body).url).toBe('/echo');

    const refused = client().request(get(`${secure.origin}/echo`));
    await expect(refused).rejects.toBeInstanceOf(HttpError);
    await expect(refused).rejects.toMatchObject({ code: expect.stringMatching(/CERT/) });
    expect(server.received).toHaveLength(0);
    expect(secure.received).toHaveLength(1);
  });
});

describe('HttpClient redirects', () => {
  it('follows a 301 chain to the final URL on one kept-alive connection, listing the URLs it went through', async () => {
    const connectionsBefore = server.connections();
    const start = `${server.origin}/chain/3`;
    const response = await client().request(get(start));

    expect(server.received.map((r) => r.url)).toEqual([
      '/chain/3',
      '/chain/2',
      '/chain/1',
      '/echo?from=chain',
    ]);
    expect(server.connections() - connectionsBefore).toBe(1);
    expect(response.status).toBe(200);
    expect(response.url).toBe(`${server.origin}/echo?from=chain`);
    expect(response.redirectUrls).toEqual([start, `${server.origin}/chain/2`, `${server.origin}/chain/1`]);
    expect(echoed(response.body).url).toBe('/echo?from=chain');
  });

  it('resolves a relative Location against the current URL', async () => {
    const response = await client().request(get(`${server.origin}/relative/deep/start`));
    expect(server.received.map((r) => r.url)).toEqual([
      '/relative/deep/start',
      '/relative/echo?from=relative',
    ]);
    expect(response.url).toBe(`${server.origin}/relative/echo?from=relative`);
  });

  it('turns a POST answered with 302 into a GET without body or content headers', async () => {
    const response = await client().request({
      method: 'POST',
      url: `${server.origin}/to?status=302&location=/echo`,
      headers: { 'content-type': 'application/json', 'x-keep': 'kept' },
      body: '{"a":1}',
    });

    const [first, second] = server.received;
    expect(first).toMatchObject({ method: 'POST', body: '{"a":1}' });
    expect(second).toMatchObject({ method: 'GET', url: '/echo', body: '' });
    expect(second.headers['content-type']).toBeUndefined();
    expect(second.headers['content-length']).toBeUndefined();
    expect(second.headers['x-keep']).toBe('kept');
    expect(response.status).toBe(200);
  });

  it('resends a POST answered with 307 with its method and body', async () => {
    const response = await client().request({
      method: 'POST',
      url: `${server.origin}/to?status=307&location=/echo`,
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });

    expect(server.received).toHaveLength(2);
    expect(server.received[1]).toMatchObject({ method: 'POST', url: '/echo', body: '{"a":1}' });
    expect(server.received[1].headers['content-type']).toBe('application/json');
    expect(echoed(response.body).body).toBe('{"a":1}');
  });

  it('throws TooManyRedirects past maxTimes, naming the max and the last URL', async () => {
    const request = client({ redirect: { enabled: true, maxTimes: 2 } }).request(
      get(`${server.origin}/chain/5`),
    );

    await expect(request).rejects.toBeInstanceOf(TooManyRedirects);
    await expect(request).rejects.toThrow(
      `more than 2 redirects (REDIRECT_MAX_TIMES), the last to ${server.origin}/chain/2`,
    );
    expect(server.received.map((r) => r.url)).toEqual(['/chain/5', '/chain/4', '/chain/3']);
  });

  it('returns the 3xx as it is when redirects are disabled', async () => {
    const response = await client({ redirect: { enabled: false, maxTimes: 20 } }).request(
      get(`${server.origin}/to?status=301&location=/echo`),
    );

    expect(server.received).toHaveLength(1);
    expect(response).toMatchObject({ status: 301, redirectUrls: [] });
    expect(response.headers.location).toBe('/echo');
    expect(response.body.toString()).toBe('redirect body');
  });

  it('returns a redirect to a non-http scheme as it is', async () => {
    const response = await client().request(
      get(`${server.origin}/to?status=302&location=ftp://example.com/x`),
    );
    expect(response.status).toBe(302);
    expect(server.received).toHaveLength(1);
  });

  it('drops secret headers when a redirect leaves the origin, and keeps them within it', async () => {
    const headers = {
      authorization: 'Bearer token',
      cookie: 'session=1',
      'x-cg-pro-api-key': 'the-key',
      'x-keep': 'kept',
    };
    const made = client({ secretHeaders: ['X-CG-Pro-API-Key'] });

    const away = await made.request(
      get(`${server.origin}/to?status=302&location=${other.origin}/echo`, headers),
    );
    expect(server.received[0].headers).toMatchObject(headers);
    const arrived = other.received[0].headers;
    expect(arrived['x-keep']).toBe('kept');
    expect(arrived.authorization).toBeUndefined();
    expect(arrived.cookie).toBeUndefined();
    expect(arrived['x-cg-pro-api-key']).toBeUndefined();
    expect(arrived.host).toBe(new URL(other.origin).host);
    expect(away.url).toBe(`${other.origin}/echo`);

    await made.request(get(`${server.origin}/to?status=302&location=/echo`, headers));
    expect(server.received.map((r) => r.url)).toEqual([
      expect.stringMatching(/^\/to/),
      expect.stringMatching(/^\/to/),
      '/echo',
    ]);
    expect(server.received[2].headers).toMatchObject(headers);
  });
});

describe('HttpClient compression', () => {
  it.each(['gzip', 'x-gzip', 'deflate', 'raw deflate', 'br'])('decodes a %s body', async (name) => {
    const response = await client().request(get(`${server.origin}/encoded/${encodeURIComponent(name)}`));

    expect(server.received[0].headers['accept-encoding']).toBe('gzip, deflate, br');
    expect(response.headers['content-encoding']).toBe(ENCODED[name].encoding);
    expect(response.body.toString('utf8')).toBe(TEXT);
  });

  it("sends the caller's accept-encoding instead of its own", async () => {
    await client().request(get(`${server.origin}/echo`, { 'accept-encoding': 'identity' }));
    expect(server.received[0].headers['accept-encoding']).toBe('identity');
  });

  it('rejects a corrupt gzip body with a retryable HttpError', async () => {
    const request = client().request(get(`${server.origin}/encoded/corrupt`));

    await expect(request).rejects.toBeInstanceOf(HttpError);
    await expect(request).rejects.toMatchObject({
      code: 'EDECOMPRESS',
      message: expect.stringContaining('gzip'),
    });
    expect(networkErrorReason(await request.catch((error) => error))).toBe('EDECOMPRESS');
    expect(server.received).toHaveLength(1);
  });
});

describe('HttpClient proxies', () => {
  it('sends an http:// request through HTTP_PROXY with the absolute URL', async () => {
    const url = `${server.origin}/echo?via=proxy`;
    const response = await client({ proxy: { ...noProxy, httpProxy: proxy.url } }).request(get(url));

    expect(proxy.seen).toEqual([{ method: 'GET', url, proxyAuthorization: undefined }]);
    expect(server.received.map((r) => r.url)).toEqual(['/echo?via=proxy']);
    expect(response.status).toBe(200);
    expect(echoed(response.body).url).toBe('/echo?via=proxy');
  });

  it('goes direct to a host NO_PROXY names', async () => {
    const proxied = client({
      proxy: { httpProxy: proxy.url, httpsProxy: proxy.url, noProxy: 'localhost, 127.0.0.1' },
    });
    const response = await proxied.request(get(`${server.origin}/echo`));

    expect(proxy.seen).toEqual([]);
    expect(server.received).toHaveLength(1);
    expect(response.status).toBe(200);
  });

  it('tunnels an https:// request through HTTPS_PROXY with CONNECT', async () => {
    const made = client({ proxy: { ...noProxy, httpsProxy: proxy.url }, ca: cert });
    const response = await made.request(get(`${secure.origin}/echo?via=tunnel`));
    await made.request(get(`${secure.origin}/echo?again`));

    // One tunnel, kept alive for the second request; the proxy sees only the host.
    expect(proxy.seen).toEqual([
      { method: 'CONNECT', url: new URL(secure.origin).host, proxyAuthorization: undefined },
    ]);
    expect(secure.received.map((r) => r.url)).toEqual(['/echo?via=tunnel', '/echo?again']);
    expect(response.status).toBe(200);
    expect(echoed(response.body).url).toBe('/echo?via=tunnel');
  });

  it("sends a proxy URL's credentials as Proxy-Authorization, on both routes", async () => {
    const withCredentials = proxy.url.replace('http://', 'http://crawler:p%40ss@');
    const made = client({
      proxy: { httpProxy: withCredentials, httpsProxy: withCredentials, noProxy: '' },
      ca: cert,
    });
    await made.request(get(`${server.origin}/echo`));
    await made.request(get(`${secure.origin}/echo`));

    const basic = `Basic ${Buffer.from('crawler:p@ss').toString('base64')}`;
    expect(proxy.seen.map((seen) => [seen.method, seen.proxyAuthorization])).toEqual([
      ['GET', basic],
      ['CONNECT', basic],
    ]);
    expect(server.received).toHaveLength(1);
    expect(secure.received).toHaveLength(1);
  });

  it("masks the proxy's credentials in errors", async () => {
    const port = await closedPort();
    const request = client({
      proxy: { ...noProxy, httpProxy: `http://crawler:secret@127.0.0.1:${port}` },
    }).request(get(`${server.origin}/echo`));

    await expect(request).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const { message } = (await request.catch((error) => error)) as Error;
    expect(message).toContain(`through proxy http://***@127.0.0.1:${port}`);
    expect(message).not.toContain('secret');
    expect(server.received).toHaveLength(0);
  });

  it('refuses a proxy setting it cannot use, saying what to set, credentials masked', () => {
    const make = () =>
      client({ proxy: { ...noProxy, httpsProxy: 'socks5://crawler:secret@127.0.0.1:1080' } });
    expect(make).toThrow(UsageError);
    expect(make).toThrow(
      'HTTPS_PROXY is a socks5 proxy (socks5://***@127.0.0.1:1080): only http:// and https://',
    );
  });
});

describe('NoProxy', () => {
  const cases: [string, string, boolean][] = [
    ['', 'http://example.com/', false],
    ['*', 'http://anything.test/', true],
    ['example.com', 'http://example.com/', true],
    ['example.com', 'http://api.example.com/', true],
    ['example.com', 'http://notexample.com/', false],
    ['.example.com', 'http://example.com/', true],
    ['.example.com', 'https://a.b.example.com/', true],
    ['*.example.com', 'https://a.example.com/', true],
    ['other.org, example.com:8080', 'http://example.com:8080/', true],
    ['example.com:8080', 'http://example.com/', false],
    ['example.com:443', 'https://example.com/', true],
    ['EXAMPLE.com', 'http://Example.COM/', true],
    ['127.0.0.1', 'http://127.0.0.1:3000/', true],
    ['0.0.1', 'http://127.0.0.1/', false],
    ['10.0.0.0/8', 'http://10.1.2.3/', true],
    ['10.0.0.0/8', 'http://11.1.2.3/', false],
    ['::1', 'http://[::1]:8080/', true],
    ['[::1]:8080', 'http://[::1]:8080/', true],
    ['[::1]:8080', 'http://[::1]:9090/', false],
  ];
  it.each(cases)('NO_PROXY=%j for %s: direct %s', (value, url, direct) => {
    expect(new NoProxy(value).matches(new URL(url))).toBe(direct);
  });
});

describe('HttpClient failures', () => {
  it('times out with ETIMEDOUT when the body does not finish in time', async () => {
    const started = Date.now();
    const request = client({ timeoutMs: 300 }).request(get(`${server.origin}/hang`));

    const error = (await request.catch((e) => e)) as HttpError;
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ code: 'ETIMEDOUT', name: 'TimeoutError' });
    expect(networkErrorReason(error)).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(server.received.map((r) => r.url)).toEqual(['/hang']);
    // The client hung up.
    if (!hanging[0].closed) await once(hanging[0], 'close');
  });

  it('rejects with ECONNRESET when the connection closes mid-body', async () => {
    const request = client().request(get(`${server.origin}/cut`));
    await expect(request).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(server.received).toHaveLength(1);
  });

  it('aborts on its signal with an AbortError, closing the connection', async () => {
    const controller = new AbortController();
    const request = client().request(get(`${server.origin}/hang`), controller.signal);
    while (hanging.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();

    await expect(request).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
    await expect(request).rejects.toBeInstanceOf(HttpError);
    if (!hanging[0].closed) await once(hanging[0], 'close');
    expect(server.received).toHaveLength(1);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const request = client().request(get(`${server.origin}/echo`), AbortSignal.abort());
    await expect(request).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.received).toHaveLength(0);
  });

  it('rejects with ECONNREFUSED when nothing listens', async () => {
    const port = await closedPort();
    const request = client().request(get(`http://127.0.0.1:${port}/`));
    await expect(request).rejects.toBeInstanceOf(HttpError);
    expect(networkErrorReason(await request.catch((e) => e))).toBe('ECONNREFUSED');
  });
});
