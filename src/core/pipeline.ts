/**
 * The item pipeline chain (Scrapy's ItemPipelineManager): every item goes through the enabled
 * pipelines in ITEM_PIPELINES order, skipping those that don't handle its type; one that throws
 * DropItem stops the item there, and the drop is counted against that pipeline.
 *
 * A pipeline that stores items also answers for them: where it stores (for the log) and which items
 * it already has (for incremental crawls), so nothing above it needs to know pipelines by name.
 */
import type { Logger } from 'winston';
import type { CrawlSettings, Settings } from '../settings';
import { DropItem, UsageError } from './errors';
import type { ItemType } from './item';
import { enabledComponents } from './settings-loader';
import type { StatsCollector } from './stats';

export interface PipelineContext {
  spiderName: string;
  settings: Settings;
  stats: StatsCollector;
  logger: Logger;
}

export interface ItemPipeline<T extends object = object> {
  /** The item types it takes; items of other types pass it untouched. Absent: every item. */
  readonly handles?: readonly ItemType<T>[];
  /** Before the first item: open files, connections. */
  open?(context: PipelineContext): Promise<void> | void;
  /** Returns the item (possibly changed) for the next pipeline, or throws DropItem. */
  process(item: T, type: ItemType<T>, context: PipelineContext): Promise<T> | T;
  /** After the last item, also when the crawl stops early: flush and release. */
  close?(context: PipelineContext): Promise<void> | void;
  /** For a store: where it stores, in words (`files in data/raw`). */
  describeStorage?(): string;
  /**
   * For a store: the keys of those of `probes` it already has, complete and final (see
   * `ItemType.isFinal`). Only asked for types it handles that declare a key.
   */
  storedKeys?(type: ItemType<T>, probes: readonly Partial<T>[]): Promise<Set<string>>;
}

/**
 * Builds one pipeline from the crawl's settings and the services opened for it (a database, say);
 * registered by name in `src/pipelines/index.ts`, or by a spider (`SpiderClass.pipelines`).
 */
export type PipelineFactory<Services = unknown> = (
  settings: CrawlSettings,
  services: Services,
) => ItemPipeline;

export type ProcessResult<T> =
  { dropped: false; item: T } | { dropped: true; pipeline: string; reason: string; invalid: boolean };

export class PipelineChain {
  private constructor(private readonly stages: ReadonlyArray<{ name: string; pipeline: ItemPipeline }>) {}

  /** The enabled pipelines of ITEM_PIPELINES_BASE + ITEM_PIPELINES, lowest order first; an unknown name is a UsageError. */
  static enabledNames(registry: Readonly<Record<string, unknown>>, settings: Settings): string[] {
    const enabled = enabledComponents(settings.ITEM_PIPELINES_BASE, settings.ITEM_PIPELINES);
    for (const name of enabled) {
      if (!Object.prototype.hasOwnProperty.call(registry, name)) {
        const known = Object.keys(registry).join(', ');
        throw new UsageError(`ITEM_PIPELINES: unknown pipeline "${name}" (known: ${known})`);
      }
    }
    return enabled;
  }

  /** The chain of the enabled pipelines, each built with the settings and the services opened for it. */
  static fromSettings<Services>(
    registry: Readonly<Record<string, PipelineFactory<Services>>>,
    settings: CrawlSettings,
    services: Services,
  ): PipelineChain {
    const names = PipelineChain.enabledNames(registry, settings);
    return new PipelineChain(names.map((name) => ({ name, pipeline: registry[name](settings, services) })));
  }

  /** Pipeline names in the order items pass through them. */
  get names(): string[] {
    return this.stages.map((stage) => stage.name);
  }

  /** Where the enabled stores keep items, in words. */
  describeStorage(): string[] {
    return this.stages.flatMap(({ pipeline }) =>
      pipeline.describeStorage ? [pipeline.describeStorage()] : [],
    );
  }

  /**
   * The keys of `probes` that every enabled store of their type has; an empty set when no enabled
   * store keeps the type (nothing can be skipped then).
   */
  async storedKeys<T extends object>(type: ItemType<T>, probes: readonly Partial<T>[]): Promise<Set<string>> {
    if (!type.key || probes.length === 0) return new Set();
    let common: Set<string> | undefined;
    for (const { pipeline } of this.stages) {
      if (!pipeline.storedKeys || !handles(pipeline, type)) continue;
      const keys = await pipeline.storedKeys(type, probes);
      common = common ? new Set([...common].filter((key) => keys.has(key))) : keys;
    }
    return common ?? new Set();
  }

  async open(context: PipelineContext): Promise<void> {
    for (const { pipeline } of this.stages) await pipeline.open?.(context);
  }

  async process<T extends object>(
    item: T,
    type: ItemType<T>,
    context: PipelineContext,
  ): Promise<ProcessResult<T>> {
    let current = item;
    for (const { name, pipeline } of this.stages) {
      if (!handles(pipeline, type)) continue;
      try {
        current = (await pipeline.process(current, type, context)) as T;
      } catch (error) {
        if (!(error instanceof DropItem)) throw error;
        context.stats.inc('item_dropped_count');
        context.stats.inc(`item_dropped_reasons_count/${name}`);
        context.logger.log(error.invalid ? 'warn' : 'debug', `dropped by ${name}: ${error.message}`);
        return { dropped: true, pipeline: name, reason: error.message, invalid: error.invalid };
      }
    }
    context.stats.inc('item_scraped_count');
    return { dropped: false, item: current };
  }

  /** Closes every pipeline, even when one fails; the first failure is rethrown after all are closed. */
  async close(context: PipelineContext): Promise<void> {
    let firstError: unknown;
    for (const { name, pipeline } of this.stages) {
      try {
        await pipeline.close?.(context);
      } catch (error) {
        context.logger.error(`pipeline ${name} failed to close: ${(error as Error).message}`);
        firstError ??= error;
      }
    }
    if (firstError !== undefined) throw firstError;
  }
}

function handles(pipeline: ItemPipeline, type: ItemType): boolean {
  return !pipeline.handles || pipeline.handles.includes(type);
}
