/**
 * The end of a crawl, for people: the stats dump (as Scrapy prints it) and a summary that names
 * every failed request, folding a group's failures with one cause into one line.
 */
import type { Logger } from 'winston';
import type { CrawlResult, RequestFailure } from '../core/engine';

export function logCrawlSummary(result: CrawlResult, logger: Logger): void {
  logger.info(`Dumping crawl stats:\n${JSON.stringify(result.stats, null, 2)}`);
  const { requestCount, failures, lostItems } = result;
  const scraped = Number(result.stats['item_scraped_count'] ?? 0);
  const seconds = Number(result.stats['elapsed_time_seconds'] ?? 0).toFixed(1);
  const line =
    `finished in ${seconds} s: ${requestCount - failures.length}/${requestCount} requests succeeded, ` +
    `${scraped} items stored, ${failures.length} failed` +
    (lostItems ? `, ${lostItems} items dropped as invalid` : '');
  if (failures.length === 0 && lostItems === 0) {
    logger.info(line);
    return;
  }
  logger.warn(`${line}\n${describeFailures(failures).join('\n')}`);
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
