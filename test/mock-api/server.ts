// Why: the project's own CoinGecko API v3 over real HTTP, so the crawler is tested and benchmarked against
// the behaviours that matter (data, no-data days, 404/400/401, rate limits, faults) without the network.
// Order per request: API key check -> rate limit -> forced faults (failNext) -> seeded random faults -> answer.
import { createServer, type IncomingMessage, type ServerResponse } from 'http';
import type { AddressInfo, Socket } from 'net';
import { getCoins } from './coins';
import { parseIsoDate, todayDays } from './dates';
import { FaultPicker, type FaultKind } from './faults';
import {
  error5xxReply,
  forcedStatusReply,
  JSON_TYPE,
  keyMissingReply,
  NOT_FOUND,
  rateLimitReply,
  type Reply,
} from './responses';
import { SlidingWindowLimiter } from './rate-limiter';
import { answer, isDataRoute, resolveRoute } from './routes';
import type { MockApi, MockApiOptions, MockRateLimit, MockRequestRecord } from './types';

export type * from './types';
export { loadCsvPrices, type PriceRow } from './csv-data';
export { mockcoinRow } from './mockcoin';
export { GENERATED_COUNT, GENERATED_FIRST_DATE, generatedCoinRow, generatedId } from './generated-coins';
export { MARKETS_DATE, type MarketEntry } from './markets';

type Action = Reply | { fault: 'reset' | 'hang' | 'truncated'; reply: Reply };

function makeLimiter(rl: MockRateLimit | undefined): SlidingWindowLimiter | undefined {
  return rl ? new SlidingWindowLimiter(rl.limit, rl.windowMs) : undefined;
}

function parseToday(today: string | undefined): number | undefined {
  if (today === undefined) return undefined;
  const day = parseIsoDate(today);
  if (day === null) throw new Error(`today must be YYYY-MM-DD, got '${today}'`);
  return day;
}

export async function startMockApi(options: MockApiOptions = {}): Promise<MockApi> {
  const opts: MockApiOptions = { ...options };
  let fixedToday = parseToday(opts.today);
  let limiter = makeLimiter(opts.rateLimit);
  let faults = new FaultPicker(opts.faults);
  const forced: { fault: FaultKind | number; left: number }[] = [];
  const requests: MockRequestRecord[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  getCoins(); // parse the CSVs before the first request, not during it

  const later = (ms: number, fn: () => void): void => {
    if (!(ms > 0)) return fn();
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const hasKey = (req: IncomingMessage, query: URLSearchParams): boolean => {
    const key = opts.apiKey;
    const demo = req.headers['x-cg-demo-api-key'] === key || query.get('x_cg_demo_api_key') === key;
    const pro = req.headers['x-cg-pro-api-key'] === key || query.get('x_cg_pro_api_key') === key;
    const plan = opts.plan ?? 'pro';
    return plan === 'demo' ? demo : plan === 'pro' ? pro : demo || pro;
  };

  const takeForced = (): FaultKind | number | null => {
    const head = forced[0];
    if (!head) return null;
    if (--head.left <= 0) forced.shift();
    return head.fault;
  };

  const decide = (req: IncomingMessage, record: MockRequestRecord, url: string, now: number): Action => {
    const path = record.path;
    if (!path.startsWith('/api/v3/')) return NOT_FOUND;
    const q = url.indexOf('?');
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    const route = resolveRoute(record.method, path.slice(7));
    record.coinId = route.coinId;
    if (opts.apiKey && !hasKey(req, query)) return keyMissingReply(now);
    const admission = limiter?.admit(now);
    if (admission && !admission.admitted) {
      const rl = opts.rateLimit;
      const retryAfter = rl?.sendRetryAfter === false ? undefined : admission.retryAfterSec;
      record.retryAfterSeconds = retryAfter;
      return rateLimitReply(rl?.form ?? 'json', retryAfter);
    }
    const plan = opts.plan ?? 'pro';
    const ctx = { limitHistory: plan !== 'pro', today: fixedToday ?? todayDays(now), now };
    const reply = answer(route, query, ctx);
    if (!isDataRoute(route)) return reply;
    record.date = reply.date;
    const forcedFault = takeForced();
    const fault = forcedFault ?? faults.pick();
    if (fault === null) return reply;
    if (typeof fault === 'number') return forcedStatusReply(fault);
    if (fault === '5xx') return error5xxReply(forcedFault === null ? faults.pick5xxStatus() : 503);
    return { fault, reply };
  };

  const finish = (record: MockRequestRecord, status: number, outcome: MockRequestRecord['outcome']): void => {
    record.status = status;
    record.outcome = outcome;
    opts.onRequest?.(record);
  };

  const send = (req: IncomingMessage, res: ServerResponse, record: MockRequestRecord, reply: Reply): void => {
    finish(record, reply.status, reply.outcome);
    const headers: Record<string, string | number> = {
      'content-type': reply.contentType,
      'content-length': Buffer.byteLength(reply.body),
      ...reply.headers,
    };
    res.writeHead(reply.status, headers);
    res.end(req.method === 'HEAD' ? undefined : reply.body);
  };

  const act = (
    req: IncomingMessage,
    res: ServerResponse,
    record: MockRequestRecord,
    action: Action,
  ): void => {
    if (!('fault' in action)) return send(req, res, record, action);
    const socket = req.socket;
    if (action.fault === 'reset') {
      finish(record, 0, 'fault');
      socket.destroy();
    } else if (action.fault === 'hang') {
      finish(record, 0, 'fault');
      later(opts.hangMs ?? 30_000, () => socket.destroy());
    } else {
      finish(record, 200, 'fault');
      const body = Buffer.from(action.reply.body);
      res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': body.length });
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => socket.destroy());
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const now = Date.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const record: MockRequestRecord = {
      at: now,
      method: req.method ?? 'GET',
      path: q < 0 ? url : url.slice(0, q),
      status: 0,
      outcome: 'error',
      headers: req.headers,
    };
    if (opts.keepRequests !== false) requests.push(record);
    const action = decide(req, record, url, now);
    if ('fault' in action && action.fault === 'hang') return act(req, res, record, action);
    later(opts.latencyMs ?? 0, () => act(req, res, record, action));
  };

  const server = createServer(handle);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/api/v3`,
    port,
    get requests() {
      return requests;
    },
    failNext(count, fault) {
      if (count > 0) forced.push({ fault, left: Math.floor(count) });
    },
    configure(patch) {
      Object.assign(opts, patch);
      if ('today' in patch) fixedToday = parseToday(opts.today);
      if ('rateLimit' in patch) limiter = makeLimiter(opts.rateLimit);
      if ('faults' in patch) faults = new FaultPicker(opts.faults);
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}
