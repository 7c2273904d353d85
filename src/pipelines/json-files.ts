/**
 * `json-files`: one file per coin per day, `<DATA_DIR>/raw/<coin_id>_<YYYY-MM-DD>.json`, holding
 * `{"coin_id", "date", "usd_price", "full_response"}` as the original project wrote them. Written
 * atomically, so a killed crawl never leaves half a file; an existing file is replaced.
 */
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ItemPipeline, PipelineContext } from '../core/pipeline';
import type { CoinHistoryItem } from '../items/coin-history-item';
import { removeStaleTemporaryFiles, writeFileAtomic } from '../util/atomic-write';
import { addDays } from '../util/dates';
import { safeFileComponent } from '../util/safe-filename';

export function rawDir(dataDir: string): string {
  return join(dataDir, 'raw');
}

export function dayFileName(coinId: string, date: string): string {
  return `${safeFileComponent(coinId)}_${date}.json`;
}

/**
 * Which coin days already have a valid file, for incremental crawls: the file must parse and name its
 * coin and day. A day without data newer than yesterday is not counted as stored: CoinGecko publishes
 * a day at 00:35 UTC the next day, so its data may still come.
 */
export function storedDayFiles(dataDir: string, today: string): (coinId: string, date: string) => boolean {
  const dir = rawDir(dataDir);
  let names: Set<string>;
  try {
    names = new Set(readdirSync(dir));
  } catch {
    names = new Set();
  }
  const yesterday = addDays(today, -1);
  return (coinId, date) => {
    const name = dayFileName(coinId, date);
    if (!names.has(name)) return false;
    try {
      const record = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown>;
      if (record.coin_id !== coinId || record.date !== date || typeof record.full_response !== 'object')
        return false;
      return record.usd_price !== null || date < yesterday;
    } catch {
      return false;
    }
  };
}

export class JsonFilesPipeline implements ItemPipeline<CoinHistoryItem> {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = rawDir(dataDir);
  }

  async open(context?: PipelineContext): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    const removed = await removeStaleTemporaryFiles(this.dir);
    if (removed > 0) context?.logger.info(`removed ${removed} temporary file(s) left by a killed crawl`);
  }

  async process(item: CoinHistoryItem): Promise<CoinHistoryItem> {
    const record = {
      coin_id: item.coin_id,
      date: item.date,
      usd_price: item.usd_price,
      full_response: item.full_response,
    };
    await writeFileAtomic(join(this.dir, dayFileName(item.coin_id, item.date)), JSON.stringify(record));
    return item;
  }
}
