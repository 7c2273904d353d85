#!/usr/bin/env node
/**
 * The command line: `crawl` (the default), `daily`, the job queue's `schedule`, `worker`, `backfill`
 * and `runs`, and `list`, `check`, `reprocess`, `plot`, `report`, `serve`, `migrate`. Installed as the
 * `coingecko-crawler` bin (compiled to dist/crawl.js by `npm ci`); tests run it from source with tsx.
 * Exit codes (src/cli/exit-codes.ts): 0 all stored, 1 some days failed, 2 bad usage (one line on
 * stderr), 130 stopped by a signal, 70 an internal error.
 */
import { setFlagsFromString } from 'node:v8';
import { config as loadDotEnv } from 'dotenv';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runCrawlCommand } from './src/cli/crawl-command';
import { runMigrateCommand } from './src/cli/migrate-command';
import { fetchCommandOptions, runFetchCommand } from './src/cli/fetch-command';
import { parseCommandOptions, runParseCommand } from './src/cli/parse-command';
import { commonOptions, crawlOptions, numberFlag, rangeOptions } from './src/cli/options';
import { DEFAULT_PLOT_COINS, runPlotCommand } from './src/cli/plot-command';
import { runReprocessCommand } from './src/cli/reprocess-command';
import { reportOptions, runReportCommand } from './src/cli/report-command';
import { listSpiders } from './src/cli/list-command';
import { runCheckCommand } from './src/cli/check-command';
import { backfillOptions, runBackfillCommand } from './src/cli/backfill-command';
import { dailyOptions, runDailyCommand } from './src/cli/daily-command';
import { runRunsCommand, runsOptions } from './src/cli/runs-command';
import { runServeCommand, serveOptions } from './src/cli/serve-command';
import { runWorkerCommand, scheduleOptions, workerOptions } from './src/cli/worker-command';
import { spiderHelp, spiderNamedIn } from './src/cli/spider-help';
import { UsageError } from './src/core/errors';
import { debugRequested, reportFatalError } from './src/cli/fatal-error';
import { COMMAND_NAME } from './src/cli/command-name';
import { packageVersion } from './src/util/project-root';

// V8 lets the heap grow to two to four times what is live before a full collection. A crawl makes
// garbage fast and keeps little (about 30 MB live), so with that headroom a long one held far more
// than it used: peak RSS grew with the number of requests (BENCHMARKS.md, "Memory"). Half the live
// heap as headroom costs a few more full collections, each a few milliseconds at this heap size.
setFlagsFromString('--heap-growing-percent=50');

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
    '$0 -c bitcoin -s 2024-01-01 -e 2024-12-31 -O prices.csv',
    'a year of bitcoin, also as one CSV file (replaced)',
  ],
  [
    '$0 --coin_id bitcoin --start_date 2017-12-15 --end_date 2017-12-30 --db_store True',
    "the original's spelling",
  ],
  [
    '$0 -c bitcoin -s 2017-12-15 --api-url http://127.0.0.1:8000/api/v3',
    'against the mock API (npm run mock-api -- --port 8000; the URL needs /api/v3)',
  ],
  ['$0 --spider coingecko_top -a top=100 -s 2025-12-02 -e 2026-12-01', 'the top 100 coins, a year of days'],
  ['$0 --spider catalogue_example --help', "a spider's own arguments and settings"],
  ['$0 daily', 'today and any missing day of the last week, for bitcoin, ethereum and cardano'],
  ['$0 schedule', 'the daily jobs at 03:00 UTC on the job queue (needs DATABASE_URL), and a worker'],
  ['$0 backfill -c bitcoin -s 2024-01-01 -e 2024-12-31', 'a year, one job a month, for the workers'],
  ['$0 backfill --top 500', 'the 500 largest coins over what the plan serves, a job per coin and year'],
  ['$0 serve', 'the status page on http://127.0.0.1:8080'],
  ['$0 list', 'the spiders there are'],
  ['$0 check', "every spider's contracts, offline"],
  [
    '$0 fetch http://127.0.0.1:8000/api/v3/coins/bitcoin/history?date=15-12-2017',
    'one answer, through the middlewares',
  ],
  [
    '$0 parse URL --spider coingecko_history --meta \'{"coinId":"bitcoin","date":"2017-12-15"}\'',
    "what the spider's parse yields for it",
  ],
];

/**
 * The environment of this run: the process's, plus the `.env` file of the working folder (if there
 * is one) for the names the process does not set: a variable set in the shell wins.
 */
function readEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  loadDotEnv({ processEnv: env as Record<string, string>, quiet: true });
  return env;
}

/** The examples, one command to a line and its meaning below it, so no command is ever wrapped. */
function examplesText(): string {
  const lines = EXAMPLES.map(
    ([command, meaning]) => `  ${command.replace('$0', COMMAND_NAME)}\n      ${meaning}`,
  );
  return `Examples:\n${lines.join('\n')}`;
}

async function main(argv: string[], env: NodeJS.ProcessEnv, seen: { argv?: Record<string, unknown> }) {
  let exitCode = 0;
  const cli = yargs(argv)
    .scriptName(COMMAND_NAME)
    .usage('$0 [crawl] --coin-id ID... --start-date YYYY-MM-DD [--end-date YYYY-MM-DD] [options]')
    .command(
      ['crawl', '$0'],
      'Run a spider (default coingecko_history: each coin and day of a range)',
      (y) => {
        // `--spider NAME --help` lists that spider's arguments and settings too.
        const named = spiderNamedIn(argv);
        const help = named === undefined ? undefined : spiderHelp(named);
        return help ? crawlOptions(y).epilogue(help) : crawlOptions(y);
      },
      async (args) => {
        exitCode = await runCrawlCommand(args, env);
      },
    )
    .command(
      'daily',
      'The daily job once: the day (default today, UTC) and any missing day before it, to files and database',
      (y) => dailyOptions(y),
      async (args) => {
        exitCode = await runDailyCommand(args, env);
      },
    )
    .command(
      'schedule',
      'Queue the daily jobs on a cron schedule (default 03:00 UTC) and run jobs (needs DATABASE_URL)',
      (y) => scheduleOptions(y),
      async (args) => {
        exitCode = await runWorkerCommand(args, env, { schedule: true });
      },
    )
    .command(
      'worker',
      'Run queued jobs (daily and backfill); start several, here or on other machines',
      (y) => workerOptions(y),
      async (args) => {
        exitCode = await runWorkerCommand(args, env, { schedule: false });
      },
    )
    .command(
      'backfill',
      'Queue a range of days as jobs, one per coin and month (or the market: --top N, --all), for the workers',
      (y) => backfillOptions(y),
      async (args) => {
        exitCode = await runBackfillCommand(args, env);
      },
    )
    .command(
      'runs',
      'The recent jobs: coin, days, state, attempts, items stored, duration, error',
      (y) => runsOptions(y),
      async (args) => {
        exitCode = await runRunsCommand(args, env);
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
    .command(
      'fetch <url>',
      "Send one request through a spider's downloader middlewares (key header, cache) and print the body",
      (y) => fetchCommandOptions(y),
      async (args) => {
        exitCode = await runFetchCommand(args, env);
      },
    )
    .command(
      'parse <url>',
      "Send one request and print, as JSON, the items and requests a spider's callback yields for it",
      (y) => parseCommandOptions(y),
      async (args) => {
        exitCode = await runParseCommand(args, env);
      },
    )
    .command('list', 'List the spiders', {}, () => {
      process.stdout.write(`${listSpiders()}\n`);
    })
    .command(
      'check [spider]',
      "Run the spiders' contracts (or one spider's) offline: each callback on its stored answer",
      (y) => y.positional('spider', { type: 'string', describe: 'Only this spider (see `list`)' }),
      async (args) => {
        exitCode = await runCheckCommand(args);
      },
    )
    .command(
      'reprocess',
      'Load stored day files into the database again, without the network',
      (y) => commonOptions(rangeOptions(y, false)),
      async (args) => {
        exitCode = await runReprocessCommand(args, env);
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
          .option('days', { ...numberFlag('days', 'How many of the last stored days'), default: 30 })
          .option('out-dir', { type: 'string', describe: 'Where the charts go (setting FIGURES_DIR)' }),
      async (args) => {
        exitCode = await runPlotCommand(args, env);
      },
    )
    .command(
      'report <name>',
      'Run a stored query (sql/queries/NAME.sql) on the database and print its result',
      (y) => reportOptions(y),
      async (args) => {
        exitCode = await runReportCommand(args, env);
      },
    )
    .command(
      'migrate',
      'Create or update the database tables (runs before every crawl that stores, too)',
      (y) => commonOptions(y),
      async (args) => {
        exitCode = await runMigrateCommand(args, env);
      },
    )
    .epilogue(examplesText())
    .middleware((parsed) => {
      seen.argv = parsed;
    })
    .strict()
    .help()
    .version(packageVersion())
    // Descriptions wrap at the terminal's width; the examples (in the epilogue) never do.
    .wrap(Math.min(120, process.stdout.columns || 120))
    .fail((message, error) => {
      // yargs' own errors (an unknown flag, a number flag's check) are bad usage; a command's are its own.
      if (!error || error.name === 'YError') throw new UsageError(message);
      throw error;
    });
  await cli.parseAsync();
  return exitCode;
}

const env = readEnvironment();
const seen: { argv?: Record<string, unknown> } = {};
main(hideBin(process.argv), env, seen).then(
  (code) => {
    // Everything is written and the log flushed; Crawlee leaves timers behind that would hold the
    // process for another second or two.
    process.exit(code);
  },
  (error: unknown) => {
    const debug = debugRequested(seen.argv ?? {}, env);
    const { code, text } = reportFatalError(error, { program: 'crawl', debug });
    // Exit once the line is out: an error may leave a connection or a Crawlee timer open that would
    // hold the process.
    process.stderr.write(text, () => process.exit(code));
  },
);
