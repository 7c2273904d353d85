/**
 * `json-files`: one file per coin per day, `<DATA_DIR>/raw/<coin_id>_<YYYY-MM-DD>.json`, holding
 * `{"coin_id", "date", "usd_price", "full_response"}` as the original project wrote them. Written
 * atomically, so a killed crawl never leaves half a file; an existing file is replaced.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ItemPipeline } from '../core/pipeline';
import type { CoinHistoryItem } from '../items/coin-history-item';
import { writeFileAtomic } from '../util/atomic-write';
import { safeFileComponent } from '../util/safe-filename';

export function rawDir(dataDir: string): string {
  return join(dataDir, 'raw');
}

export function dayFileName(coinId: string, date: string): string {
  return `${safeFileComponent(coinId)}_${date}.json`;
}

export class JsonFilesPipeline implements ItemPipeline<CoinHistoryItem> {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = rawDir(dataDir);
  }

  async open(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
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
