/**
 * The settings of one crawl: the framework's defaults, the spider's custom settings, then the
 * environment, `--set` and the flags (see settings-loader), plus the pipelines they imply: a feed
 * (FEEDS, `-o`, FEED_URI) turns the `feed` pipeline on, DB_STORE the `postgres-store` one, each at its usual place
 * unless ITEM_PIPELINES already orders it.
 */
import { resolveSettings, SettingsSources } from '../core/settings-loader';
import type { SpiderClass } from '../core/spider';
import { hasFeeds } from '../feeds/feed-options';
import type { CrawlSettings } from '../settings';

const IMPLIED_ORDER = { feed: 800, 'postgres-store': 400 } as const;

export function crawlSettings(sources: SettingsSources, spiderClass: SpiderClass): CrawlSettings {
  const settings = resolveSettings({ ...sources, spider: spiderClass.customSettings });
  const orders = { ...settings.ITEM_PIPELINES_BASE, ...settings.ITEM_PIPELINES };
  const turnOn: string[] = [];
  if (hasFeeds(settings) && orders.feed == null) turnOn.push(`ITEM_PIPELINES.feed=${IMPLIED_ORDER.feed}`);
  if (settings.DB_STORE && orders['postgres-store'] == null)
    turnOn.push(`ITEM_PIPELINES.postgres-store=${IMPLIED_ORDER['postgres-store']}`);
  if (turnOn.length === 0) return settings;
  return resolveSettings({
    ...sources,
    spider: spiderClass.customSettings,
    overrides: [...(sources.overrides ?? []), ...turnOn],
  });
}
