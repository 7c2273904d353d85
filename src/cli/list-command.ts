/**
 * `crawl.ts list`: the spiders there are, one a line (like `scrapy list`), with what each does.
 */
import { SPIDERS } from '../spiders';

export function listSpiders(): string {
  const width = Math.max(...SPIDERS.map((spider) => spider.spiderName.length));
  return SPIDERS.map((spider) => `${spider.spiderName.padEnd(width)}  ${spider.description}`).join('\n');
}
