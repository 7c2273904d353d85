/**
 * `crawl.ts reprocess`: loads the day files of `<DATA_DIR>/raw` (all, or some coins and days) into
 * the database again, with no network: the exam's "bulk reprocess". Idempotent (rows are upserted,
 * months recomputed); a malformed file is reported and skipped, and makes the exit code 1.
 */
import { promises as fs, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import type { Logger } from 'winston';
import { createLogger, flushLogger } from '../core/logger';
import { Progress } from '../core/progress';
import { openPriceStore } from '../db/open-store';
import type { DayToStore } from '../db/day-rows';
import { coinHistoryItemFromStored } from '../items/coin-history-item';
import { rawDir } from '../pipelines/json-files';
import { findProblem } from '../items/coin-history-item';
import { validateDayFilter, DayFilter } from '../core/crawl-args';
import { settingsFromArgv } from './options';

const DAY_FILE = /^(.+)_(\d{4}-\d{2}-\d{2})\.json$/;

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
      // The next batch is read while the server writes the previous one: one write in flight at a
      // time, one batch in memory besides it. Read synchronously: fs.promises takes four trips
      // through libuv's thread pool per file (open, stat, read, close), which cost more CPU than
      // parsing it (BENCHMARKS.md, "Database at scale").
      let writing: Promise<void> = Promise.resolve();
      for (let start = 0; start < files.length; start += settings.DB_BATCH_SIZE) {
        const batch = files.slice(start, start + settings.DB_BATCH_SIZE);
        const items: DayToStore[] = [];
        for (const [index, file] of batch.entries()) {
          const item = readDayFile(file, logger);
          if (item) items.push(item);
          // Lets the write in flight go on sending its rows.
          if (index % 64 === 63) await setImmediatePromise();
        }
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
function readDayFile(file: DayFile, logger: Logger): DayToStore | undefined {
  let problem: string | undefined;
  try {
    const text = readFileSync(file.path, 'utf8');
    const record = JSON.parse(text) as Record<string, unknown>;
    const payload = record.full_response;
    if (record.coin_id !== file.coinId || record.date !== file.date) {
      problem = 'its coin_id and date do not match its name';
    } else if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      problem = 'no full_response object';
    } else {
      const item: DayToStore = coinHistoryItemFromStored(
        file.coinId,
        file.date,
        payload as Record<string, unknown>,
      );
      problem = findProblem(item);
      if (!problem) {
        item.full_response_text = payloadText(text, record);
        return item;
      }
    }
  } catch (error) {
    problem = `not valid JSON (${(error as Error).message})`;
  }
  logger.warn(`skipped ${file.name}: ${problem}`);
  return undefined;
}

/**
 * The payload's JSON text, cut from the file's text when the file is as the crawl writes it
 * (`JSON.stringify` of coin_id, date, usd_price, full_response, in that order), so that it is not
 * serialised again; undefined otherwise (the store serialises the parsed payload). What follows the
 * other three fields is then the payload's text and the record's closing brace, unless a key is
 * repeated after it (JSON.parse keeps the last one): such a file takes the slow path.
 */
export function payloadText(text: string, record: Record<string, unknown>): string | undefined {
  const keys = Object.keys(record);
  if (keys.length !== 4 || keys[3] !== 'full_response') return undefined;
  const head = JSON.stringify({ coin_id: record.coin_id, date: record.date, usd_price: record.usd_price });
  const prefix = `${head.slice(0, -1)},"full_response":`;
  if (!text.startsWith(prefix) || !text.endsWith('}')) return undefined;
  const payload = text.slice(prefix.length, -1);
  // A payload (an object) ends with its brace; a key repeated after it would end otherwise.
  return payload.endsWith('}') && !payload.includes('"full_response":') ? payload : undefined;
}

function decodeFileComponent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
