/**
 * `crawl.ts reprocess`: loads the day files of `<DATA_DIR>/raw` (all, or some coins and days) into
 * the database again, with no network: the exam's "bulk reprocess". Idempotent (rows are upserted,
 * months recomputed); a malformed file is reported and skipped, and makes the exit code 1.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'winston';
import { createLogger, flushLogger } from '../core/logger';
import { Progress } from '../core/progress';
import { openPriceStore } from '../db/open-store';
import { CoinHistoryItem, coinHistoryItemFromStored } from '../items/coin-history-item';
import { rawDir } from '../pipelines/json-files';
import { findProblem } from '../items/coin-history-item';
import { validateDayFilter, DayFilter } from '../core/crawl-args';
import { settingsFromArgv } from './options';

const DAY_FILE = /^(.+)_(\d{4}-\d{2}-\d{2})\.json$/;
/** Files read at once: enough to keep the disk and the JSON parser busy, few enough to bound memory. */
const READ_CONCURRENCY = 16;

export async function runReprocessCommand(
  argv: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const settings = settingsFromArgv(argv, env);
  const filter = validateDayFilter({
    coinIds: argv['coin-id'] as string[] | undefined,
    startDate: argv['start-date'] as string | undefined,
    endDate: argv['end-date'] as string | undefined,
  });
  const progress = new Progress(Boolean(process.stderr.isTTY) && settings.PROGRESS_BAR !== 'off');
  const logger = createLogger({
    level: settings.LOG_LEVEL,
    file: settings.LOG_FILE || undefined,
    consoleStream: progress.logStream(),
  });
  try {
    const { dataSource, store, description } = await openPriceStore(settings, () => logger);
    try {
      const files = await dayFiles(rawDir(settings.DATA_DIR), filter);
      progress.start(files.length);
      logger.info(`reprocessing ${files.length} files from ${rawDir(settings.DATA_DIR)} into ${description}`);
      let changed = 0;
      let skipped = 0;
      // The next batch is read while the previous one is written: one write in flight at a time.
      let writing: Promise<void> = Promise.resolve();
      for (let start = 0; start < files.length; start += settings.DB_BATCH_SIZE) {
        const batch = files.slice(start, start + settings.DB_BATCH_SIZE);
        const read = await mapBounded(batch, READ_CONCURRENCY, (file) => readDayFile(file, logger));
        const items = read.filter((item): item is CoinHistoryItem => item !== undefined);
        skipped += batch.length - items.length;
        await writing;
        writing = store.saveDays(items).then((count) => {
          changed += count;
          logger.info(
            `[${progress.tick(batch[batch.length - 1].name, batch.length)}] ` +
              `${items.length} of ${batch.length} files loaded`,
          );
        });
        // A failed write must stop the loop now, not after the next batch has been read.
        writing.catch(() => undefined);
      }
      await writing;
      progress.stop();
      const line = `reprocessed ${files.length - skipped}/${files.length} files: ${changed} rows inserted or changed`;
      if (skipped) logger.warn(`${line}, ${skipped} malformed files skipped`);
      else logger.info(line);
      return skipped ? 1 : 0;
    } finally {
      await dataSource.destroy();
    }
  } finally {
    progress.stop();
    await flushLogger(logger);
  }
}

interface DayFile {
  path: string;
  name: string;
  coinId: string;
  date: string;
}

/** The day files the filter selects, sorted by name. */
async function dayFiles(dir: string, filter: DayFilter): Promise<DayFile[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const files: DayFile[] = [];
  for (const name of names.sort()) {
    const match = DAY_FILE.exec(name);
    if (!match) continue;
    const coinId = decodeFileComponent(match[1]);
    const date = match[2];
    if (filter.coinIds && !filter.coinIds.includes(coinId)) continue;
    if ((filter.startDate && date < filter.startDate) || (filter.endDate && date > filter.endDate)) continue;
    files.push({ path: join(dir, name), name, coinId, date });
  }
  return files;
}

/** The item a day file holds, or undefined (and a warning) when it is malformed. */
async function readDayFile(file: DayFile, logger: Logger): Promise<CoinHistoryItem | undefined> {
  let problem: string | undefined;
  try {
    const record = JSON.parse(await fs.readFile(file.path, 'utf8')) as Record<string, unknown>;
    const payload = record.full_response;
    if (record.coin_id !== file.coinId || record.date !== file.date) {
      problem = 'its coin_id and date do not match its name';
    } else if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      problem = 'no full_response object';
    } else {
      const item = coinHistoryItemFromStored(file.coinId, file.date, payload as Record<string, unknown>);
      problem = findProblem(item);
      if (!problem) return item;
    }
  } catch (error) {
    problem = `not valid JSON (${(error as Error).message})`;
  }
  logger.warn(`skipped ${file.name}: ${problem}`);
  return undefined;
}

/** `work` over `items` with at most `limit` at once; the results in the order of `items`. */
async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

function decodeFileComponent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
