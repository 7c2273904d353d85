/**
 * `crawl.ts crawl` (the default command): everything checked and opened first (crawl-setup.ts),
 * then one crawl. Returns the exit code: 0 all stored, 1 some requests or items failed or the crawl
 * was stopped. Ctrl-C or SIGTERM stops gracefully; a second one quits at once.
 */
import { Engine } from '../core/engine';
import { StatsCollector } from '../core/stats';
import { createLogger, flushLogger } from '../core/logger';
import { Progress } from '../core/progress';
import { describeSettings } from '../core/settings-loader';
import type { Settings } from '../settings';
import { prepareCrawl } from './crawl-setup';
import { logCrawlSummary } from './summary';

export async function runCrawlCommand(
  argv: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const crawl = await prepareCrawl(argv, env);
  const { settings, spider, pipelines } = crawl;
  const progress = new Progress(showProgressBar(settings));
  const logger = createLogger({
    level: settings.LOG_LEVEL,
    file: settings.LOG_FILE || undefined,
    consoleStream: progress.logStream(),
  });
  crawl.logger.current = logger;
  const stats = new StatsCollector();
  stats.set('incremental/skipped_count', crawl.skipped.count);
  const engine = new Engine({ settings, logger, pipelines, progress, stats });
  let stopRequested = false;
  const stopOnSignal = (signal: NodeJS.Signals) => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    logger.warn(`${signal}: stopping after the requests in flight (press Ctrl-C again to quit at once)`);
    engine.stop(signal);
  };
  process.on('SIGINT', stopOnSignal).on('SIGTERM', stopOnSignal);
  try {
    logger.debug(`settings: ${JSON.stringify(describeSettings(settings))}`);
    logger.info(`storing to ${crawl.storage.join(' and ') || 'nothing (no storing pipeline enabled)'}`);
    const result = await engine.run(spider, settings.RATE_LIMIT || spider.rateLimitPreset());
    logCrawlSummary(result, logger, { skipped: crawl.skipped.count, resumeHint: resumeHint(settings) });
    const complete = result.failures.length === 0 && result.lostItems === 0 && !result.stoppedBy;
    return complete ? 0 : 1;
  } finally {
    process.off('SIGINT', stopOnSignal).off('SIGTERM', stopOnSignal);
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
