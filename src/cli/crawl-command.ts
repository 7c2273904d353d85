/**
 * `crawl.ts crawl` (the default command): everything checked and opened first (crawl-setup.ts),
 * then one crawl. Returns the exit code: 0 all stored, 1 some requests or items failed, 130 stopped
 * by a signal. Ctrl-C or SIGTERM stops gracefully; a second one quits at once.
 */
import { createLogger, flushLogger } from '../core/logger';
import { Progress } from '../core/progress';
import { GivenArgument, parseArgumentPairs } from '../core/spider-arguments';
import { openCrawl, PreparedCrawl } from '../crawler/open-crawl';
import { runCrawl } from '../crawler/run-crawl';
import type { Settings } from '../settings';
import { logCrawlAdvice, logCrawlIntro } from './crawl-notices';
import { crawlExitCode } from './exit-codes';
import { settingSourcesFromArgv } from './options';
import { stopOnSignals } from './signals';

export async function runCrawlCommand(
  argv: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const crawl = await openCrawl(
    { spiderName: String(argv.spider), args: spiderArgumentsFromArgv(argv), force: Boolean(argv.force) },
    settingSourcesFromArgv(argv, env),
  );
  return runInForeground(crawl);
}

/** Flags that stand for spider arguments, for the spiders that declare them (the coin spiders). */
const ARGUMENT_FLAGS = ['coin-id', 'start-date', 'end-date'] as const;

/** The spider's arguments as given: `-a NAME=VALUE` pairs, then the flags that stand for arguments. */
export function spiderArgumentsFromArgv(argv: Record<string, unknown>): GivenArgument[] {
  const given = parseArgumentPairs((argv.a as string[] | undefined) ?? []);
  for (const name of ARGUMENT_FLAGS) {
    const value = argv[name];
    if (value !== undefined) given.push({ name, text: value as string | string[], source: `--${name}` });
  }
  return given;
}

/**
 * Runs an opened crawl as a command does: the log (with a progress bar on a terminal), signals that
 * stop it gracefully, the exit code, and everything closed at the end. `intro` is logged first.
 */
export async function runInForeground(crawl: PreparedCrawl, intro?: string): Promise<number> {
  const { settings } = crawl;
  const progress = new Progress(showProgressBar(settings));
  const logger = createLogger({
    level: settings.LOG_LEVEL,
    file: settings.LOG_FILE || undefined,
    consoleStream: progress.logStream(),
  });
  const signals = stopOnSignals(logger, 'stopping after the requests in flight');
  try {
    if (intro) logger.info(intro);
    logCrawlIntro(settings, logger);
    const outcome = await runCrawl(crawl, {
      logger,
      progress,
      stopSignal: signals.signal,
      resumeHint: resumeHint(settings),
    });
    logCrawlAdvice(settings, logger, outcome);
    return crawlExitCode(outcome.complete, signals.signal.aborted);
  } finally {
    signals.dispose();
    await crawl.close();
    await flushLogger(logger);
  }
}

/** How to finish a stopped crawl: the same command again (the job dir, or the incremental skip, resumes it). */
function resumeHint(settings: Settings): string {
  return settings.JOB_DIR
    ? `run the same command again (with --job-dir ${settings.JOB_DIR}) to resume`
    : 'run the same command again to fetch the days not stored yet';
}

function showProgressBar(settings: Settings): boolean {
  const terminal = Boolean(process.stdout.isTTY && process.stderr.isTTY);
  return settings.PROGRESS_BAR === 'on' || (settings.PROGRESS_BAR === 'auto' && terminal);
}
