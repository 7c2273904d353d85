// Why: the CoinGecko website CSV exports are the truth the mock serves (bit-identical to /history); this
// file parses them once, and gives tests an independent loader to compute the values they expect.
import { parseIsoDate } from './dates';
import { readFixtureText } from './fixtures';

/** One daily 00:00 UTC snapshot in USD; null where the CSV field is empty. */
export interface PriceRow {
  price: number | null;
  marketCap: number | null;
  volume: number | null;
}

/** One parsed CSV line: day number, ISO date and values. */
export interface CsvDay {
  day: number;
  iso: string;
  row: PriceRow;
}

/** The coins that have a CSV export in the fixtures, with the export's file name. */
export const CSV_FILES: Readonly<Record<string, string>> = {
  bitcoin: 'truth_btc-usd-max_coingecko_export_2024-12-20.csv',
  ethereum: 'truth_eth-usd-max_coingecko_export_2024-12-20.csv',
  cardano: 'truth_ada-usd-max_coingecko_export_2024-12-20.csv',
};

function field(text: string | undefined): number | null {
  return text === undefined || text === '' ? null : Number(text);
}

/** Parses `snapped_at,price,market_cap,total_volume` text into days sorted by date. */
export function parseCsvDays(text: string): CsvDay[] {
  const days: CsvDay[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const cols = line.split(',');
    const iso = cols[0].slice(0, 10);
    const day = parseIsoDate(iso);
    if (day === null) throw new Error(`bad snapped_at in CSV line ${i + 1}: ${cols[0]}`);
    days.push({
      day,
      iso,
      row: { price: field(cols[1]), marketCap: field(cols[2]), volume: field(cols[3]) },
    });
  }
  return days.sort((a, b) => a.day - b.day);
}

/** Reads and parses one coin's CSV export (throws for a coin without one). */
export function loadCsvDays(coinId: string): CsvDay[] {
  const file = CSV_FILES[coinId];
  if (!file) throw new Error(`no CSV export for coin '${coinId}'`);
  return parseCsvDays(readFixtureText(file));
}

/** Expected values for tests: ISO date (`yyyy-mm-dd`) -> the CSV row, values as `Number(csvField)`. */
export function loadCsvPrices(coinId: string): Map<string, PriceRow> {
  return new Map(loadCsvDays(coinId).map((d) => [d.iso, d.row]));
}
