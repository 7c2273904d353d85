// Why: maps a request path and query to a Reply, the API's own rules (404 coin, 400 date, 365-day rule,
// no-data days), independent of keys, rate limits and faults, which the server applies around it.
import { getCoins } from './coins';
import { isoFromDays, MS_PER_DAY, parseDateParam, parseIsoDate } from './dates';
import { marketsReply } from './markets';
import { historyBody, isKnownCurrency, marketChartBody } from './payloads';
import {
  BODIES,
  COIN_NOT_FOUND,
  exceeds365Reply,
  INVALID_DATE,
  jsonReply,
  NOT_FOUND,
  type Reply,
} from './responses';

export type RouteKind = 'ping' | 'list' | 'markets' | 'history' | 'range' | 'none';

export interface Route {
  kind: RouteKind;
  coinId?: string;
}

export interface RouteContext {
  /** Apply the 365-day rule (plans public and demo). */
  limitHistory: boolean;
  /** The server's today, as a day number. */
  today: number;
  now: number;
}

const NONE: Route = { kind: 'none' };
const PING: Route = { kind: 'ping' };
const LIST: Route = { kind: 'list' };
const MARKETS: Route = { kind: 'markets' };

/** Resolves a path below /api/v3 (e.g. `/coins/bitcoin/history`). */
export function resolveRoute(method: string, path: string): Route {
  if (method !== 'GET' && method !== 'HEAD') return NONE;
  if (path === '/ping') return PING;
  if (!path.startsWith('/coins/')) return NONE;
  if (path === '/coins/list') return LIST;
  if (path === '/coins/markets') return MARKETS;
  const parts = path.split('/'); // ['', 'coins', id, ...]
  const coinId = parts[2];
  if (!coinId) return NONE;
  if (parts.length === 4 && parts[3] === 'history') return { kind: 'history', coinId };
  const isRange = parts.length === 5 && parts[3] === 'market_chart' && parts[4] === 'range';
  if (isRange) return { kind: 'range', coinId };
  return NONE;
}

/** Routes whose answers carry market data: the only ones that get faults. */
export function isDataRoute(route: Route): boolean {
  return route.kind === 'history' || route.kind === 'range' || route.kind === 'markets';
}

let coinsListBody: string | undefined;

function coinsList(): string {
  coinsListBody ??= JSON.stringify(
    [...getCoins().values()].map((c) => ({ id: c.id, symbol: c.symbol, name: c.name })),
  );
  return coinsListBody;
}

function history(coinId: string, query: URLSearchParams, ctx: RouteContext): Reply {
  const coin = getCoins().get(coinId);
  if (!coin) return COIN_NOT_FOUND;
  const day = parseDateParam(query.get('date'));
  if (day === null) return INVALID_DATE;
  const date = isoFromDays(day);
  if (ctx.limitHistory && day < ctx.today - 365) return { ...exceeds365Reply(ctx.now), date };
  const row = day <= ctx.today ? coin.rowAt(day) : undefined;
  const body = historyBody(coin, day, row, query.get('localization') !== 'false');
  return { ...jsonReply(200, body, row ? 'ok' : 'nodata'), date };
}

/** `from`/`to` as unix seconds (or ISO yyyy-mm-dd, as the 2025 docs allow) to milliseconds. */
function timeParam(text: string | null): number | null {
  if (!text) return null;
  const iso = parseIsoDate(text);
  if (iso !== null) return iso * MS_PER_DAY;
  const sec = Number(text);
  return Number.isFinite(sec) ? sec * 1000 : null;
}

function range(coinId: string, query: URLSearchParams, ctx: RouteContext): Reply {
  const coin = getCoins().get(coinId);
  if (!coin) return COIN_NOT_FOUND;
  const vs = query.get('vs_currency');
  if (!vs) return jsonReply(400, '{"error":"Missing parameter vs_currency"}', 'error');
  if (!isKnownCurrency(vs)) return jsonReply(400, '{"error":"invalid vs_currency"}', 'error');
  const from = timeParam(query.get('from'));
  const to = timeParam(query.get('to'));
  if (from === null || to === null) return jsonReply(400, '{"error":"invalid from or to"}', 'error');
  const date = isoFromDays(Math.floor(from / MS_PER_DAY));
  if (ctx.limitHistory && from < (ctx.today - 365) * MS_PER_DAY) return { ...exceeds365Reply(ctx.now), date };
  const toDay = Math.min(Math.floor(to / MS_PER_DAY), ctx.today);
  const body = marketChartBody(coin, Math.ceil(from / MS_PER_DAY), toDay, vs);
  return { ...jsonReply(200, body, 'ok'), date };
}

/** The API's answer to a resolved route. */
export function answer(route: Route, query: URLSearchParams, ctx: RouteContext): Reply {
  switch (route.kind) {
    case 'ping':
      return jsonReply(200, BODIES.ping, 'ok');
    case 'list':
      return jsonReply(200, coinsList(), 'ok');
    case 'markets':
      return marketsReply(query);
    case 'history':
      return history(route.coinId!, query, ctx);
    case 'range':
      return range(route.coinId!, query, ctx);
    default:
      return NOT_FOUND;
  }
}
