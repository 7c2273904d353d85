/**
 * Extensions (Scrapy's EXTENSIONS): objects that listen to the crawl's signals. An extension is an
 * object whose methods are named after the signals it handles (`itemScraped(payload)`,
 * `spiderClosed(payload)`, ...); its factory, registered by name, builds it from the crawl's
 * settings and returns null when the settings leave it nothing to do (Scrapy's NotConfigured), so a
 * disabled extension costs nothing on the hot path.
 *
 * EXTENSIONS_BASE + EXTENSIONS (name -> order, null disables) decide which are built and in what
 * order their handlers run. Built-ins are registered in `src/extensions/index.ts`; a spider brings
 * its own (`SpiderClass.extensions`).
 */
import type { Logger } from 'winston';
import type { CrawlSettings, Settings } from '../settings';
import { UsageError } from './errors';
import { enabledComponents } from './settings-loader';
import { SIGNAL_NAMES, SignalHandler, SignalName, Signals } from './signals';
import type { StatsCollector } from './stats';
import type { Throttle } from './throttle';

/** An extension: a handler per signal it listens to (each optional, each may be async). */
export type Extension = { [N in SignalName]?: SignalHandler<N> };

/** What the crawl lends an extension. */
export interface ExtensionContext {
  /** The crawl's settings (the spider's own included). */
  settings: CrawlSettings;
  /** The crawl's stats: an extension may read and add to them. */
  stats: StatsCollector;
  /** The crawl's log. */
  logger: Logger;
  /** Stops the crawl gracefully, as SIGTERM does; `reason` becomes `finish_reason` (CloseSpider). */
  closeSpider(reason: string): void;
  /** The gate in front of every request (AutoThrottle paces it). */
  throttle: Throttle;
}

/**
 * Builds one extension for a crawl, or returns null when its settings turn it off. `services` are
 * what the command running the crawl lends (the progress bar, say).
 */
export type ExtensionFactory<Services = unknown> = (
  context: ExtensionContext,
  services: Services,
) => Extension | null;

/** The enabled extensions of EXTENSIONS_BASE + EXTENSIONS, lowest order first; an unknown name is a UsageError. */
export function enabledExtensions(registry: Readonly<Record<string, unknown>>, settings: Settings): string[] {
  const enabled = enabledComponents(settings.EXTENSIONS_BASE, settings.EXTENSIONS);
  for (const name of enabled) {
    if (!Object.prototype.hasOwnProperty.call(registry, name)) {
      const known = Object.keys(registry).join(', ');
      throw new UsageError(`EXTENSIONS: unknown extension "${name}" (known: ${known})`);
    }
  }
  return enabled;
}

/**
 * Builds the enabled extensions and connects their handlers, in EXTENSIONS order; returns the names
 * of those that are on (their factory did not return null).
 */
export function installExtensions<Services>(
  registry: Readonly<Record<string, ExtensionFactory<Services>>>,
  context: ExtensionContext,
  services: Services,
  signals: Signals,
): string[] {
  const installed: string[] = [];
  for (const name of enabledExtensions(registry, context.settings)) {
    const extension = registry[name](context, services);
    if (!extension) continue;
    installed.push(name);
    for (const signal of SIGNAL_NAMES) {
      const handler = extension[signal] as SignalHandler<SignalName> | undefined;
      if (typeof handler === 'function') signals.connect(signal, handler.bind(extension), name);
    }
  }
  return installed;
}
