/**
 * Everything a crawl needs, checked and opened before the first request: its arguments, the
 * settings, the spider, the database when a pipeline stores there, the pipeline chain, and which
 * days are already stored (to skip them). Any problem here is a UsageError: exit 2, nothing sent.
 */
import type { DataSource } from 'typeorm';
import type { Logger } from 'winston';
import { UsageError } from '../core/errors';
import { PipelineChain } from '../core/pipeline';
import type { Spider, SpiderArgs } from '../core/spider';
import { openPriceStore } from '../db/open-store';
import type { PriceStore } from '../db/price-store';
import type { CoinHistoryItem } from '../items/coin-history-item';
import { DATABASE_PIPELINES, PIPELINES, PipelineServices } from '../pipelines';
import { storedDayFiles } from '../pipelines/json-files';
import type { Settings } from '../settings';
import { checkSpiderName, findSpider } from '../spiders';
import { todayUtc } from '../util/dates';
import { crawlArgsFromArgv } from '../core/crawl-args';
import { settingsFromArgv } from './options';

export interface PreparedCrawl {
  settings: Settings;
  spider: Spider<CoinHistoryItem>;
  pipelines: PipelineChain<CoinHistoryItem>;
  /** Counts the days skipped because they were already stored. */
  skipped: { count: number };
  /** Where items are stored, in words (for the log). */
  storage: string[];
  /** The log, for the database's retry messages; set by the command once it exists. */
  logger: { current?: Logger };
  close(): Promise<void>;
}

/** What to crawl, checked: the coins and days, the spider, and whether stored days are fetched again. */
export interface CrawlRequest {
  args: SpiderArgs;
  spiderName: string;
  /** Fetch days that are already stored again. */
  force?: boolean;
}

/** The crawl the command line asks for: its flags checked, then opened with `openCrawl`. */
export async function prepareCrawl(
  argv: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Promise<PreparedCrawl> {
  const args = crawlArgsFromArgv(argv);
  const spiderName = checkSpiderName(String(argv.spider));
  return openCrawl({ args, spiderName, force: Boolean(argv.force) }, settingsFromArgv(argv, env));
}

/** Opens what a crawl needs (the database when a pipeline stores there) for checked arguments. */
export async function openCrawl(
  { args, spiderName, force }: CrawlRequest,
  settings: Settings,
): Promise<PreparedCrawl> {
  const SpiderClass = findSpider(spiderName);
  if (!SpiderClass) throw new UsageError(`unknown spider ${JSON.stringify(spiderName)}`);
  const enabled = PipelineChain.enabledNames(PIPELINES, settings);

  const logger: { current?: Logger } = {};
  const storage: string[] = [];
  let dataSource: DataSource | undefined;
  let priceStore: PriceStore | undefined;
  if (enabled.some((name) => DATABASE_PIPELINES.has(name))) {
    const opened = await openPriceStore(settings, () => logger.current);
    ({ dataSource, store: priceStore } = opened);
    storage.push(opened.description);
  }
  if (enabled.includes('json-files')) storage.push(`files in ${settings.DATA_DIR}/raw`);
  const close = async () => {
    await dataSource?.destroy();
  };
  try {
    const services: PipelineServices = { priceStore };
    const pipelines = PipelineChain.fromSettings(PIPELINES, settings, services);
    const skipped = { count: 0 };
    const isStored = force ? undefined : await storedDaysCheck(settings, enabled, args, priceStore);
    const spiderArgs: SpiderArgs = {
      ...args,
      isStored: isStored
        ? (coinId, date) => {
            const stored = isStored(coinId, date);
            if (stored) skipped.count += 1;
            return stored;
          }
        : undefined,
    };
    const spider = new SpiderClass(spiderArgs, settings);
    return { settings, spider, pipelines, skipped, storage, logger, close };
  } catch (error) {
    // A worker opens a crawl per job: a job that fails here must not leave its connection open.
    await close();
    throw error;
  }
}

/**
 * A day counts as stored when every enabled store has it: a valid file, and a row when the database
 * is on. With no store enabled, nothing is skipped.
 */
async function storedDaysCheck(
  settings: Settings,
  enabled: string[],
  { coinIds, startDate, endDate }: SpiderArgs,
  priceStore: PriceStore | undefined,
): Promise<((coinId: string, date: string) => boolean) | undefined> {
  const checks: ((coinId: string, date: string) => boolean)[] = [];
  if (enabled.includes('json-files')) checks.push(storedDayFiles(settings.DATA_DIR, todayUtc()));
  if (priceStore) {
    const rows = await priceStore.storedDays(coinIds, startDate, endDate);
    checks.push((coinId, date) => rows.has(`${coinId}\u0000${date}`));
  }
  if (checks.length === 0) return undefined;
  return (coinId, date) => checks.every((check) => check(coinId, date));
}
