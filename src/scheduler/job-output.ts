/**
 * A finished job's output in one line for the worker's log: what a crawl job stored, or what the
 * schedule's job queued. The whole output stays with the job, for `runs` and SQL.
 */
import type { CrawlJobOutput } from './job-handlers';

export function describeJobOutput(output: unknown): string {
  const crawl = output as Partial<CrawlJobOutput> | undefined;
  if (crawl && typeof crawl.itemsStored === 'number') {
    return (
      `${crawl.itemsStored} items stored, ${crawl.skipped ?? 0} days already stored, ` +
      `${crawl.requests ?? 0} requests (${crawl.failed ?? 0} failed) in ${(crawl.seconds ?? 0).toFixed(1)} s`
    );
  }
  const queued = (output as { date?: string; queued?: string[] } | undefined)?.queued;
  if (Array.isArray(queued)) {
    const date = (output as { date?: string }).date;
    return `queued ${queued.length} daily jobs${date ? ` for ${date}` : ''}${queued.length ? `: ${queued.join(', ')}` : ''}`;
  }
  return JSON.stringify(output);
}
