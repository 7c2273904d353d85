/**
 * The command line: `crawl` (the default), `daily`, the job queue's `schedule`, `worker`, `backfill`
 * and `runs`, and `list`, `reprocess`, `plot`, `report`, `serve`, `migrate`. Bad usage is one line on stderr
 * and exit code 2; a crawl exits 0 when every requested day was stored and 1 when some failed.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runCrawlCommand } from './src/cli/crawl-command';
import { runMigrateCommand } from './src/cli/migrate-command';
import { commonOptions, crawlOptions, rangeOptions } from './src/cli/options';
import { DEFAULT_PLOT_COINS, runPlotCommand } from './src/cli/plot-command';
import { runReprocessCommand } from './src/cli/reprocess-command';
import { reportOptions, runReportCommand } from './src/cli/report-command';
import { listSpiders } from './src/cli/list-command';
import { backfillOptions, runBackfillCommand } from './src/cli/backfill-command';
import { dailyOptions, runDailyCommand } from './src/cli/daily-command';
import { runRunsCommand, runsOptions } from './src/cli/runs-command';
import { runServeCommand, serveOptions } from './src/cli/serve-command';
import { runWorkerCommand, scheduleOptions, workerOptions } from './src/cli/worker-command';
import { spiderHelp, spiderNamedIn } from './src/cli/spider-help';
import { UsageError } from './src/core/errors';
import { DEFAULT_SPIDER } from './src/spiders';

const EXAMPLES: [string, string][] = [
  [
    '$0 --coin-id bitcoin --start-date 2024-01-01 --end-date 2024-01-31',
    'January 2024 of bitcoin, one file per day',
  ],
  [
    '$0 -c bitcoin ethereum cardano -s 2024-06-01 -e 2024-06-30 -o june.jsonl',
    'three coins, plus a JSON Lines feed',
  ],
  [
    '$0 --coin_id bitcoin --start_date 2017-12-15 --end_date 2017-12-30 --db_store True',
    "the original's spelling",
  ],
  [
    '$0 -c bitcoin -s 2024-01-01 --api-url http://127.0.0.1:8000/api/v3',
    'against the mock API (npm run mock-api)',
  ],
  ['$0 --spider coingecko_top -a top=100 -s 2025-12-02 -e 2026-12-01', 'the top 100 coins, a year of days'],
  ['$0 --spider catalogue_example --help', "a spider's own arguments and settings"],
  ['$0 daily', 'today and any missing day of the last week, for bitcoin, ethereum and cardano'],
  ['$0 schedule', 'the daily jobs at 03:00 UTC on the job queue (needs DATABASE_URL), and a worker'],
  ['$0 backfill -c bitcoin -s 2024-01-01 -e 2024-12-31', 'a year, one job a month, for the workers'],
  ['$0 serve', 'the status page on http://127.0.0.1:8080'],
  ['$0 list', 'the spiders there are'],
];

async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const cli = yargs(argv)
    .scriptName('crawl')
    .usage('$0 [crawl] --coin-id ID... --start-date YYYY-MM-DD [--end-date YYYY-MM-DD] [options]')
    .command(
      ['crawl', '$0'],
      'Run a spider (default coingecko_history: each coin and day of a range)',
      (y) => {
        // `--spider NAME --help` lists that spider's arguments and settings too.
        const help = spiderHelp(spiderNamedIn(argv) ?? DEFAULT_SPIDER);
        return help ? crawlOptions(y).epilogue(help) : crawlOptions(y);
      },
      async (args) => {
        exitCode = await runCrawlCommand(args, process.env);
      },
    )
    .command(
      'daily',
      'The daily job once: the day (default today, UTC) and any missing day before it, to files and database',
      (y) => dailyOptions(y),
      async (args) => {
        exitCode = await runDailyCommand(args, process.env);
      },
    )
    .command(
      'schedule',
      'Queue the daily jobs on a cron schedule (default 03:00 UTC) and run jobs (needs DATABASE_URL)',
      (y) => scheduleOptions(y),
      async (args) => {
        exitCode = await runWorkerCommand(args, process.env, { schedule: true });
      },
    )
    .command(
      'worker',
      'Run queued jobs (daily and backfill); start several, here or on other machines',
      (y) => workerOptions(y),
      async (args) => {
        exitCode = await runWorkerCommand(args, process.env, { schedule: false });
      },
    )
    .command(
      'backfill',
      'Queue a range of days as jobs, one per coin and month, for the workers',
      (y) => backfillOptions(y),
      async (args) => {
        exitCode = await runBackfillCommand(args, process.env);
      },
    )
    .command(
      'runs',
      'The recent jobs: coin, days, state, attempts, items stored, duration, error',
      (y) => runsOptions(y),
      async (args) => {
        exitCode = await runRunsCommand(args, process.env);
      },
    )
    .command(
      'serve',
      'The status page: runs, freshness, charts and reports in the browser (http://127.0.0.1:8080)',
      (y) => serveOptions(y),
      async (args) => {
        exitCode = await runServeCommand(args, process.env);
      },
    )
    .command('list', 'List the spiders', {}, () => {
      process.stdout.write(`${listSpiders()}\n`);
    })
    .command(
      'reprocess',
      'Load stored day files into the database again, without the network',
      (y) => commonOptions(rangeOptions(y, false)),
      async (args) => {
        exitCode = await runReprocessCommand(args, process.env);
      },
    )
    .command(
      'plot',
      `Charts of the stored prices (PNG and SVG): the last days, and the monthly min/max`,
      (y) =>
        commonOptions(y)
          .option('coin-id', {
            alias: ['coin_id', 'c'],
            type: 'string',
            array: true,
            describe: `Coins to chart (default ${DEFAULT_PLOT_COINS.join(' ')})`,
          })
          .option('days', { type: 'string', default: '30', describe: 'How many of the last stored days' })
          .option('out-dir', { type: 'string', describe: 'Where the charts go (setting FIGURES_DIR)' }),
      async (args) => {
        exitCode = await runPlotCommand(args, process.env);
      },
    )
    .command(
      'report <name>',
      'Run a stored query (sql/queries/NAME.sql) on the database and print its result',
      (y) => reportOptions(y),
      async (args) => {
        exitCode = await runReportCommand(args, process.env);
      },
    )
    .command(
      'migrate',
      'Create or update the database tables (runs before every crawl that stores, too)',
      (y) => commonOptions(y),
      async (args) => {
        exitCode = await runMigrateCommand(args, process.env);
      },
    )
    .example(EXAMPLES)
    .strict()
    .help()
    .version(false)
    .wrap(Math.min(120, process.stdout.columns || 120))
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    });
  await cli.parseAsync();
  return exitCode;
}

main(hideBin(process.argv)).then(
  (code) => {
    // Everything is written and the log flushed; Crawlee leaves timers behind that would hold the
    // process for another second or two.
    process.exit(code);
  },
  (error: unknown) => {
    const usage = error instanceof UsageError;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      `crawl: error: ${message.split('\n')[0]}${usage && error.seeHelp ? ' (see --help)' : ''}\n`,
    );
    if (!usage && process.env.LOG_LEVEL === 'debug' && error instanceof Error)
      process.stderr.write(`${error.stack}\n`);
    // Exit now: an error may leave a connection or a Crawlee timer open that would hold the process.
    process.exit(usage ? 2 : 1);
  },
);
