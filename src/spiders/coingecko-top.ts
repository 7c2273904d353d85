/**
 * `coingecko_top`: the top N coins by market cap, each over a range of days. It pages through
 * `/coins/markets` (250 coins a page, rank order) until it has N coins, and for each coin found asks
 * for its days through `/history` or `/market_chart/range` (`-a endpoint=...`), making the same
 * CoinHistoryItems, files and rows as `coingecko_history` and `coingecko_market_chart`.
 *
 *   crawl --spider coingecko_top -a top=100 -s 2025-12-02 -e 2026-12-01
 */
import { contract } from '../contracts/contract';
import { RetryRequest } from '../core/errors';
import { Request } from '../core/request';
import type { Response } from '../core/response';
import type { SpiderContext } from '../core/spider';
import type { ArgumentSpec } from '../core/spider-arguments';
import { CoinHistory, CoinHistoryItem } from '../items/coin-history-item';
import { checkRange, COIN_FILE_SETTINGS, RANGE_ARGUMENTS } from './coin-arguments';
import { apiBaseUrl, readApiAnswer } from './coingecko-api';
import { DayMeta, historyItem, historyRequests } from './coingecko-history';
import { ChunkMeta, marketChartItems, marketChartRequests } from './coingecko-market-chart';
import { CoinGeckoSpider } from './coingecko-spider';

/** The most coins `/coins/markets` gives per page. */
export const MARKETS_PAGE_SIZE = 250;
const PAGE_SIZE = MARKETS_PAGE_SIZE;

export interface TopArgs {
  top: number;
  endpoint: 'history' | 'market_chart';
  startDate: string;
  endDate: string;
}

interface PageMeta {
  page: number;
  perPage: number;
}

const ARGUMENTS: readonly ArgumentSpec[] = [
  {
    name: 'top',
    type: 'integer',
    default: '100',
    help: 'How many coins, from the largest market cap down',
    check: (value) => (Number(value) >= 1 ? undefined : 'expected a whole number >= 1'),
  },
  {
    name: 'endpoint',
    type: 'string',
    default: 'history',
    choices: ['history', 'market_chart'],
    help: 'history: a request per coin and day; market_chart: up to 365 days a request (any span on a paid plan)',
  },
  ...RANGE_ARGUMENTS,
];

export class CoinGeckoTopSpider extends CoinGeckoSpider<TopArgs> {
  static readonly spiderName = 'coingecko_top';
  static readonly description =
    'The top N coins by market cap (-a top=N), each over the range, via /coins/markets';
  static readonly spiderArguments = ARGUMENTS;
  static readonly customSettings = COIN_FILE_SETTINGS;
  static readonly itemTypes = [CoinHistory];

  static checkArguments(values: Record<string, unknown>): TopArgs {
    const [startDate, endDate] = checkRange(values.startDate as string, values.endDate as string | undefined);
    return {
      top: values.top as number,
      endpoint: values.endpoint as TopArgs['endpoint'],
      startDate,
      endDate,
    };
  }

  startRequests(): Request<PageMeta>[] {
    return [this.marketsPage(1)];
  }

  /** A page of the ranking: the requests of each of its coins still in the top N, and the next page. */
  @contract({
    answer: 'test/fixtures/coingecko/coins_markets_example.json',
    url: 'https://api.coingecko.com/api/v3/coins/markets?vs_currency=usd&order=market_cap_desc&per_page=1&page=1',
    meta: { page: 1, perPage: 1 },
    args: { top: '1', 'start-date': '2021-04-01', 'end-date': '2021-04-03' },
    items: 0,
    // bitcoin's 3 days; the ranking stops at the top 1.
    requests: 3,
  })
  async *parseMarkets(response: Response<PageMeta>): AsyncGenerator<Request<object>> {
    const { page, perPage } = response.meta;
    const coins = marketsEntries(response);
    const { top, endpoint, startDate, endDate } = this.args;
    const base = apiBaseUrl(this.settings);
    const wanted = coins.slice(0, Math.max(0, top - (page - 1) * perPage));
    for (const coinId of wanted) {
      if (endpoint === 'history')
        yield* await historyRequests(base, this.stored, coinId, [startDate, endDate], 'parseHistory');
      else
        yield* await marketChartRequests(
          base,
          this.settings.API_PLAN,
          this.stored,
          coinId,
          [startDate, endDate],
          'parseMarketChart',
        );
    }
    // A full page and more to go: the ranking goes on.
    if (coins.length === perPage && page * perPage < top) yield this.marketsPage(page + 1);
  }

  @contract({
    answer: 'test/fixtures/coingecko/history_bitcoin_01-04-2021.json',
    url: 'https://api.coingecko.com/api/v3/coins/bitcoin/history?date=01-04-2021&localization=false',
    meta: { coinId: 'bitcoin', date: '2021-04-01' },
    args: { 'start-date': '2021-04-01' },
    items: 1,
    requests: 0,
    scrapes: ['coin_id', 'date', 'usd_price', 'usd_market_cap', 'usd_total_volume', 'full_response'],
  })
  parseHistory(response: Response<DayMeta>, { stats }: SpiderContext): CoinHistoryItem[] {
    return [historyItem(response, stats)];
  }

  @contract({
    answer: 'test/fixtures/coingecko/market_chart_bitcoin_docs_example.json',
    url: 'https://api.coingecko.com/api/v3/coins/bitcoin/market_chart/range?vs_currency=usd&from=1711843200&to=1711933200',
    meta: { coinId: 'bitcoin', days: ['2024-03-31', '2024-04-01'] },
    args: { 'start-date': '2024-03-31', endpoint: 'market_chart' },
    items: 2,
    requests: 0,
    scrapes: ['coin_id', 'date', 'usd_price', 'usd_market_cap', 'usd_total_volume', 'full_response'],
  })
  parseMarketChart(response: Response<ChunkMeta>, { stats }: SpiderContext): CoinHistoryItem[] {
    return marketChartItems(response, stats);
  }

  private marketsPage(page: number): Request<PageMeta> {
    const perPage = Math.min(PAGE_SIZE, this.args.top);
    return new Request<PageMeta>({
      url: marketsPageUrl(apiBaseUrl(this.settings), page, perPage),
      label: `top coins, page ${page}`,
      callback: 'parseMarkets',
      meta: { page, perPage },
    });
  }
}

/** A page of the ranking: `perPage` coins by market cap, largest first (also `backfill --top`'s). */
export function marketsPageUrl(base: string, page: number, perPage: number): string {
  return `${base}/coins/markets?vs_currency=usd&order=market_cap_desc&per_page=${perPage}&page=${page}`;
}

/** The coin ids of a `/coins/markets` answer, in rank order; its error answers as the other endpoints'. */
function marketsEntries(response: Response<PageMeta>): string[] {
  let body: unknown;
  try {
    body = response.json();
  } catch {
    body = undefined;
  }
  if (!Array.isArray(body)) {
    // Not the ranking: an error answer (read as for any endpoint), or a garbled body.
    readApiAnswer(response, 'the market ranking');
    throw new RetryRequest('malformed_body', 'the body is not the /coins/markets array');
  }
  return coinIdsOf(body, '/coins/markets');
}

/**
 * The `id` of every entry of a `/coins/markets` or `/coins/list` array, in order; a RetryRequest
 * when one has none (a garbled answer).
 */
export function coinIdsOf(entries: readonly unknown[], endpoint: string): string[] {
  const ids = entries.map((entry) => (entry as { id?: unknown } | null)?.id);
  if (!ids.every((id): id is string => typeof id === 'string' && id !== ''))
    throw new RetryRequest('unexpected_payload', `a ${endpoint} entry has no id`);
  return ids;
}
