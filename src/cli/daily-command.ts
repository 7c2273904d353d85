/**
 * `crawl.ts daily`: the daily job, once. For each daily coin it stores `--date` (default today, UTC)
 * and fills whichever of the DAILY_CATCHUP_DAYS days before it are missing, to files and to the
 * database. The incremental skip makes a run over days already stored send nothing. This is the
 * crontab path; `--enqueue` hands the same work to the queue's workers instead.
 */
import type { Argv } from 'yargs';
import { createLogger, flushLogger } from '../core/logger';
import { checkDailyRequest } from '../scheduler/job-requests';
import { queueDailyJobs } from '../scheduler/jobs';
import { openJobQueue, requireDatabaseUrl } from '../scheduler/queue';
import { DEFAULT_SETTINGS, Settings } from '../settings';
import { DEFAULT_SPIDER } from '../spiders';
import { resolveSettings } from '../core/settings-loader';
import { openCrawl } from '../crawler/open-crawl';
import { coinRangeArguments } from '../spiders/coin-arguments';
import { runInForeground } from './crawl-command';
import { commonOptions, fetchOptions, settingSourcesFromArgv } from './options';

export function dailyOptions<T>(yargs: Argv<T>) {
  return fetchOptions(commonOptions(yargs))
    .option('date', { type: 'string', describe: 'The day, YYYY-MM-DD (default: today, UTC)' })
    .option('coin-id', {
      alias: ['coin_id', 'c'],
      type: 'string',
      array: true,
      describe: `Coins (default: setting DAILY_COINS, ${DEFAULT_SETTINGS.DAILY_COINS.join(' ')})`,
    })
    .option('db-store', {
      alias: ['db_store', 'd'],
      type: 'string',
      default: 'true',
      describe: 'Store in the database too (false: files only)',
    })
    .option('enqueue', {
      type: 'boolean',
      default: false,
      describe: 'Queue one job per coin for the workers (needs DATABASE_URL) instead of crawling here',
    });
}

export async function runDailyCommand(
  argv: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const sources = settingSourcesFromArgv(argv, env);
  const settings = resolveSettings(sources);
  const { date, ...args } = checkDailyRequest(
    { date: argv.date, coinIds: argv['coin-id'] as string[] | undefined },
    settings,
  );

  if (argv.enqueue) return queueDaily(settings, args.coinIds, date);
  const crawl = await openCrawl({ args: coinRangeArguments(args), spiderName: DEFAULT_SPIDER }, sources);
  const days = `${args.startDate}..${args.endDate}`;
  return runInForeground(crawl, `daily job for ${date}: ${args.coinIds.join(', ')}, days ${days}`);
}

/** `--enqueue`: one job per coin for the workers, and a line per job on stdout. */
async function queueDaily(settings: Settings, coinIds: string[], date: string): Promise<number> {
  requireDatabaseUrl(settings);
  const logger = createLogger({ level: settings.LOG_LEVEL, file: settings.LOG_FILE || undefined });
  try {
    const boss = await openJobQueue(settings, logger);
    try {
      for (const job of await queueDailyJobs(boss, settings, coinIds, date)) {
        process.stdout.write(
          `${job.queued ? 'queued' : `already queued (${job.existing})`}: daily ${job.key}\n`,
        );
      }
    } finally {
      await boss.stop({ graceful: false });
    }
    return 0;
  } finally {
    await flushLogger(logger);
  }
}
