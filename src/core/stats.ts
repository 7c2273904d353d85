/**
 * Named counters and values for one crawl, dumped at the end (Scrapy's StatsCollector).
 * Keys follow Scrapy's: `downloader/response_status_count/200`, `retry/reason_count/<reason>`, ...
 */
export type StatValue = number | string;

export class StatsCollector {
  private readonly values = new Map<string, StatValue>();

  inc(key: string, by = 1): void {
    const current = this.values.get(key);
    this.values.set(key, (typeof current === 'number' ? current : 0) + by);
  }

  set(key: string, value: StatValue): void {
    this.values.set(key, value);
  }

  /** Keep the largest value seen (e.g. peak memory). */
  max(key: string, value: number): void {
    const current = this.values.get(key);
    if (typeof current !== 'number' || value > current) this.values.set(key, value);
  }

  get(key: string): StatValue | undefined {
    return this.values.get(key);
  }

  count(key: string): number {
    const value = this.values.get(key);
    return typeof value === 'number' ? value : 0;
  }

  /** All stats, sorted by key, as Scrapy prints them. */
  snapshot(): Record<string, StatValue> {
    return Object.fromEntries([...this.values.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
