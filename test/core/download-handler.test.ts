/**
 * DOWNLOAD_HANDLER: the lean `http` client and `got-scraping` pass the same download tests against a
 * real local server: headers and bodies sent, any status answered (a redirect returned as it is, for
 * the redirect middleware), compressed bodies decoded, and a timeout, a refused connection and a cut
 * body as HttpErrors with the codes the retry middleware reads.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { createDownloadHandler, DownloadHandler } from '../../src/core/download-handler';
import { HttpError, networkErrorReason } from '../../src/core/http-client';
import { resolveSettings } from '../../src/core/settings-loader';
import { closedPort, Received, startServer, TestServer } from '../helpers/http-servers';

const TEXT = 'héllo, wörld; '.repeat(100);
const hanging: http.ServerResponse[] = [];

function routes(request: Received, response: http.ServerResponse): void {
  const path = new URL(request.url, 'http://x').pathname;
  if (path === '/echo') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(request));
  } else if (path === '/gzip') {
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-encoding': 'gzip' });
    response.end(zlib.gzipSync(TEXT));
  } else if (path === '/moved') {
    response.writeHead(301, { location: '/echo' }).end('moved');
  } else if (path === '/teapot') {
    response.writeHead(418, { 'x-why': 'short and stout' }).end('teapot');
  } else if (path === '/cut') {
    response.writeHead(200, { 'content-length': '100' });
    response.write('ten bytes!', () => response.socket?.destroy());
  } else if (path === '/hang') {
    response.writeHead(200);
    response.write('a start');
    hanging.push(response);
  } else {
    response.writeHead(404).end();
  }
}

let server: TestServer;
beforeAll(async () => {
  server = await startServer(routes);
});
afterAll(async () => {
  for (const response of hanging) response.destroy();
  await server.close();
});
beforeEach(() => server.received.splice(0));

describe.each(['http', 'got-scraping'])('DOWNLOAD_HANDLER=%s', (name) => {
  let handler: DownloadHandler;
  beforeAll(() => {
    handler = createDownloadHandler(
      resolveSettings({ overrides: [`DOWNLOAD_HANDLER=${name}`, 'DOWNLOAD_TIMEOUT=1'] }),
    );
  });
  afterAll(() => handler.close());

  it('sends the method, headers and body, and reads the answer', async () => {
    const answer = await handler.request({
      method: 'POST',
      url: `${server.origin}/echo?q=1`,
      headers: { 'user-agent': 'test-agent/1', 'content-type': 'application/json', 'x-api-key': 'k' },
      body: '{"a":1}',
    });
    expect(answer.status).toBe(200);
    expect(answer.url).toBe(`${server.origin}/echo?q=1`);
    const received = JSON.parse(answer.body.toString('utf8')) as Received;
    expect(received).toMatchObject({ method: 'POST', url: '/echo?q=1', body: '{"a":1}' });
    expect(received.headers).toMatchObject({
      'user-agent': 'test-agent/1',
      'content-type': 'application/json',
      'x-api-key': 'k',
    });
  });

  it('answers any status, a redirect as it is (the redirect middleware follows it)', async () => {
    const teapot = await handler.request({ method: 'GET', url: `${server.origin}/teapot`, headers: {} });
    expect([teapot.status, teapot.headers['x-why'], teapot.body.toString()]).toEqual([
      418,
      'short and stout',
      'teapot',
    ]);
    const moved = await handler.request({ method: 'GET', url: `${server.origin}/moved`, headers: {} });
    expect([moved.status, moved.headers.location]).toEqual([301, '/echo']);
    expect(server.received.map((r) => r.url)).toEqual(['/teapot', '/moved']);
  });

  it('decodes a gzip body', async () => {
    const answer = await handler.request({ method: 'GET', url: `${server.origin}/gzip`, headers: {} });
    expect(answer.body.toString('utf8')).toBe(TEXT);
  });

  it('fails with an HttpError the retry middleware reads: refused, cut off, timed out', async () => {
    const reasonOf = async (url: string) => {
      const error = await handler.request({ method: 'GET', url, headers: {} }).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(HttpError);
      return networkErrorReason(error);
    };
    expect(await reasonOf(`http://127.0.0.1:${await closedPort()}/`)).toBe('ECONNREFUSED');
    expect(await reasonOf(`${server.origin}/cut`)).toBe('ECONNRESET');
    expect(await reasonOf(`${server.origin}/hang`)).toBe('timeout');
  });
});
