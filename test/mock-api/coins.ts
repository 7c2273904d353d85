// Why: one registry of the coins the mock knows (ids, names, images, static blocks and a day -> row lookup),
// built once per process so that starting many servers in tests and answering requests costs no parsing.
// Its order is the market-cap rank order of /coins/markets: bitcoin, ethereum, cardano, mockcoin, then the
// generated gen-coin-0001 .. gen-coin-0596.
import { loadCsvDays, type PriceRow } from './csv-data';
import { readFixtureJson } from './fixtures';
import { GENERATED_COUNT, GENERATED_FIRST_DAY, generatedId, generatedRowForDay } from './generated-coins';
import { MOCKCOIN_FIRST_DAY, MOCKCOIN_ID, mockcoinRowForDay } from './mockcoin';

type Json = Record<string, unknown>;

/** The payload blocks that do not depend on the date, in the order CoinGecko serves them. */
export interface CoinExtras {
  community_data: unknown;
  developer_data: unknown;
  public_interest_stats: unknown;
}

export interface Coin {
  id: string;
  symbol: string;
  name: string;
  image: { thumb: string; small: string };
  localization: Record<string, string>;
  extras: CoinExtras;
  /** First day number with data. */
  firstDay: number;
  /** The row of a day number, or undefined when the coin has no data that day (ignores the server's today). */
  rowAt(day: number): PriceRow | undefined;
}

function extrasOf(payload: Json): CoinExtras {
  return {
    community_data: payload.community_data,
    developer_data: payload.developer_data,
    public_interest_stats: payload.public_interest_stats,
  };
}

/** A day-indexed lookup over a CSV export (gaps stay undefined). */
function csvLookup(coinId: string): { firstDay: number; rowAt: (day: number) => PriceRow | undefined } {
  const days = loadCsvDays(coinId);
  const firstDay = days[0].day;
  const rows: (PriceRow | undefined)[] = new Array(days[days.length - 1].day - firstDay + 1);
  for (const d of days) rows[d.day - firstDay] = d.row;
  return { firstDay, rowAt: (day) => rows[day - firstDay] };
}

function image(num: number, slug: string, version: string): { thumb: string; small: string } {
  const base = `https://assets.coingecko.com/coins/images/${num}`;
  return { thumb: `${base}/thumb/${slug}.png?${version}`, small: `${base}/small/${slug}.png?${version}` };
}

function buildCoins(): Map<string, Coin> {
  const btcFull = readFixtureJson<Json>('history_bitcoin_01-04-2021.json');
  const btc = readFixtureJson<Json>('history_bitcoin_01-04-2021_localization_false.DERIVED.json');
  const eth = readFixtureJson<Json>('history_ethereum_01-01-2018.json');
  const ethLoc = eth.localization as Record<string, string>;
  const btcLoc = btcFull.localization as Record<string, string>;
  // The bitcoin capture has Jest-sorted keys; serve its values in the served order seen in the ethereum capture.
  const languages = Object.keys(ethLoc);
  const localize = (name: string, own: Record<string, string> = {}): Record<string, string> =>
    Object.fromEntries(languages.map((lang) => [lang, own[lang] ?? name]));

  const coins: Coin[] = [
    {
      id: 'bitcoin',
      symbol: 'btc',
      name: 'Bitcoin',
      image: image(1, 'bitcoin', '1547033579'),
      localization: localize('Bitcoin', btcLoc),
      extras: extrasOf(btc),
      ...csvLookup('bitcoin'),
    },
    {
      id: 'ethereum',
      symbol: 'eth',
      name: 'Ethereum',
      image: image(279, 'ethereum', '1595348880'),
      localization: localize('Ethereum', ethLoc),
      extras: extrasOf(eth),
      ...csvLookup('ethereum'),
    },
    {
      id: 'cardano',
      symbol: 'ada',
      name: 'Cardano',
      image: image(975, 'cardano', '1547034860'),
      localization: localize('Cardano', { ja: 'カルダノ', ko: '카르다노', ru: 'Кардано', zh: '艾达币' }),
      extras: extrasOf(btc),
      ...csvLookup('cardano'),
    },
    {
      id: MOCKCOIN_ID,
      symbol: 'mock',
      name: 'Mockcoin',
      image: image(99999, 'mockcoin', '1700000000'),
      localization: localize('Mockcoin'),
      extras: extrasOf(btc),
      firstDay: MOCKCOIN_FIRST_DAY,
      rowAt: (day) => (day >= MOCKCOIN_FIRST_DAY ? mockcoinRowForDay(day) : undefined),
    },
  ];
  for (let k = 1; k <= GENERATED_COUNT; k++) {
    const id = generatedId(k);
    const name = `Gen Coin ${id.slice(-4)}`;
    coins.push({
      id,
      symbol: `gc${id.slice(-4)}`,
      name,
      image: image(100_000 + k, id, '1700000000'),
      localization: localize(name),
      extras: extrasOf(btc),
      firstDay: GENERATED_FIRST_DAY,
      rowAt: (day) => (day >= GENERATED_FIRST_DAY ? generatedRowForDay(k, day) : undefined),
    });
  }
  return new Map(coins.map((c) => [c.id, c]));
}

let registry: Map<string, Coin> | undefined;

/** All known coins by id (built on first use, then shared). */
export function getCoins(): Map<string, Coin> {
  registry ??= buildCoins();
  return registry;
}
