/**
 * Real servers on 127.0.0.1 for the HTTP client's tests: a recording HTTP(S) server, a forward proxy
 * (absolute-URL requests and CONNECT tunnels, as squid does) that records what it is asked, and a
 * self-signed certificate made at test time (selfsigned, so no openssl binary is needed).
 */
import http, { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import net, { AddressInfo } from 'node:net';
import selfsigned from 'selfsigned';

/** A request as a server received it. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface TestServer {
  /** `http://127.0.0.1:PORT` (or https://). */
  origin: string;
  /** Every request received, in order. */
  received: Received[];
  /** How many TCP connections were opened to it. */
  connections: () => number;
  close: () => Promise<void>;
}

export type Handler = (request: Received, response: http.ServerResponse) => void;

/** An HTTP server, or HTTPS with `tls`, that records each request (body read in full) before `handler` answers. */
export async function startServer(
  handler: Handler,
  tls?: { key: string; cert: string },
): Promise<TestServer> {
  const received: Received[] = [];
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(request);
      handler(request, res);
    });
  };
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  let connections = 0;
  server.on(tls ? 'secureConnection' : 'connection', () => (connections += 1));
  const origin = await listen(server, tls ? 'https' : 'http');
  return { origin, received, connections: () => connections, close: () => close(server) };
}

/** What the forward proxy was asked: absolute-URL requests (method, URL) and CONNECTs (`host:port`). */
export interface ProxySeen {
  method: string;
  url: string;
  proxyAuthorization: string | undefined;
}

export interface TestProxy {
  url: string;
  seen: ProxySeen[];
  close: () => Promise<void>;
}

/** A forward proxy: forwards `GET http://host/path` requests and tunnels CONNECT. */
export async function startProxy(): Promise<TestProxy> {
  const seen: ProxySeen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      proxyAuthorization: req.headers['proxy-authorization'],
    });
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request(req.url ?? '', { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    seen.push({
      method: 'CONNECT',
      url: req.url ?? '',
      proxyAuthorization: req.headers['proxy-authorization'],
    });
    const [host, port] = (req.url ?? '').split(':');
    const target = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      target.write(head);
      target.pipe(client);
      client.pipe(target);
    });
    const destroy = () => {
      target.destroy();
      client.destroy();
    };
    target.on('error', destroy);
    client.on('error', destroy);
  });
  const origin = await listen(server, 'http');
  return { url: origin, seen, close: () => close(server) };
}

/** A certificate for 127.0.0.1 and localhost, signed by itself. */
export async function selfSignedCertificate(): Promise<{ key: string; cert: string }> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

/** A port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Sockets each server accepted, so `close` ends keep-alive connections and CONNECT tunnels too. */
const sockets = new WeakMap<net.Server, Set<net.Socket>>();

async function listen(server: net.Server, scheme: string): Promise<string> {
  const open = new Set<net.Socket>();
  sockets.set(server, open);
  server.on('connection', (socket: net.Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: net.Server): Promise<void> {
  for (const socket of sockets.get(server) ?? []) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}
