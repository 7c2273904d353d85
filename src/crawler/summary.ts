/**
 * The end of a crawl, for people: a summary that names every failed request, folding a group's
 * failures with one cause into one line. (The stats dump before it is the `stats-dump` extension's.)
 */
import type { Logger } from 'winston';
import type { CrawlResult, RequestFailure } from '../core/engine';

export interface SummaryExtras {
  /** Items not requested because they were already stored. */
  skipped: number;
  /** What to do after a stopped crawl. */
  resumeHint: string;
}

export function logCrawlSummary(
  result: CrawlResult,
  logger: Logger,
  { skipped, resumeHint }: SummaryExtras,
): void {
  const { requestCount, failures, lostItems, stoppedBy } = result;
  const scraped = Number(result.stats['item_scraped_count'] ?? 0);
  const seconds = Number(result.stats['elapsed_time_seconds'] ?? 0).toFixed(1);
  const notRun = Number(result.stats['requests_not_run_count'] ?? 0);
  const line =
    `${stoppedBy ? `stopped (${stoppedBy})` : 'finished'} in ${seconds} s: ` +
    `${requestCount - failures.length - notRun}/${requestCount} requests succeeded, ` +
    `${scraped} items stored, ${failures.length} failed` +
    (notRun ? `, ${notRun} not run` : '') +
    (lostItems ? `, ${lostItems} items dropped as invalid` : '') +
    (skipped ? `; ${skipped} items skipped, already stored (--force fetches them again)` : '');
  if (stoppedBy) {
    logger.warn(
      `${line}\n  ${resumeHint}${failures.length ? `\n${describeFailures(failures).join('\n')}` : ''}`,
    );
  } else if (failures.length === 0 && lostItems === 0) {
    logger.info(line);
  } else {
    logger.warn(`${line}\n${describeFailures(failures).join('\n')}`);
  }
}

/** One line per failure, or per group of failures with the same cause. */
export function describeFailures(failures: RequestFailure[]): string[] {
  const byCause = new Map<string, RequestFailure[]>();
  for (const failure of failures) {
    const cause = failure.reason.replace(/^not sent: /, '');
    const key = `${failure.group ?? failure.label}\u0000${cause}`;
    byCause.set(key, [...(byCause.get(key) ?? []), failure]);
  }
  return [...byCause.values()].map((group) => {
    const cause = group[0].reason.replace(/^not sent: /, '');
    if (group.length === 1) return `  FAILED ${group[0].label}: ${group[0].reason}`;
    const labels = group.map((failure) => failure.label).sort();
    return `  FAILED ${group[0].group}: ${cause} (${group.length} requests, ${labels[0]} .. ${labels[labels.length - 1]})`;
  });
}
