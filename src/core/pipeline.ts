/**
 * The item pipeline chain (Scrapy's ItemPipelineManager): every item goes through the enabled
 * pipelines in ITEM_PIPELINES order; one that throws DropItem stops the item there, and the drop is
 * counted against that pipeline.
 */
import type { Logger } from 'winston';
import type { Settings } from '../settings';
import { DropItem, UsageError } from './errors';
import type { StatsCollector } from './stats';

export interface PipelineContext {
  spiderName: string;
  settings: Settings;
  stats: StatsCollector;
  logger: Logger;
}

export interface ItemPipeline<Item> {
  /** Before the first item: open files, connections. */
  open?(context: PipelineContext): Promise<void> | void;
  /** Returns the item (possibly changed) for the next pipeline, or throws DropItem. */
  process(item: Item, context: PipelineContext): Promise<Item> | Item;
  /** After the last item, also when the crawl stops early: flush and release. */
  close?(context: PipelineContext): Promise<void> | void;
}

/**
 * Builds one pipeline from the settings and the services the command opened for it (a database, say);
 * registered by name in `src/pipelines/index.ts`.
 */
export type PipelineFactory<Item, Services = unknown> = (
  settings: Settings,
  services: Services,
) => ItemPipeline<Item>;

export type ProcessResult<Item> =
  { dropped: false; item: Item } | { dropped: true; pipeline: string; reason: string; lost: boolean };

export class PipelineChain<Item> {
  private constructor(
    private readonly stages: ReadonlyArray<{ name: string; pipeline: ItemPipeline<Item> }>,
  ) {}

  /** The enabled pipelines of ITEM_PIPELINES, lowest order first; an unknown name is a UsageError. */
  static enabledNames(registry: Readonly<Record<string, unknown>>, settings: Settings): string[] {
    const enabled = Object.entries(settings.ITEM_PIPELINES).filter(
      (entry): entry is [string, number] => entry[1] !== null,
    );
    for (const [name] of enabled) {
      if (!Object.prototype.hasOwnProperty.call(registry, name)) {
        const known = Object.keys(registry).join(', ');
        throw new UsageError(`ITEM_PIPELINES: unknown pipeline "${name}" (known: ${known})`);
      }
    }
    return enabled.sort(([, a], [, b]) => a - b).map(([name]) => name);
  }

  /** The chain of the enabled pipelines, each built with the settings and the services opened for it. */
  static fromSettings<Item, Services>(
    registry: Readonly<Record<string, PipelineFactory<Item, Services>>>,
    settings: Settings,
    services: Services,
  ): PipelineChain<Item> {
    const names = PipelineChain.enabledNames(registry, settings);
    return new PipelineChain(names.map((name) => ({ name, pipeline: registry[name](settings, services) })));
  }

  /** Pipeline names in the order items pass through them. */
  get names(): string[] {
    return this.stages.map((stage) => stage.name);
  }

  async open(context: PipelineContext): Promise<void> {
    for (const { pipeline } of this.stages) await pipeline.open?.(context);
  }

  async process(item: Item, context: PipelineContext): Promise<ProcessResult<Item>> {
    let current = item;
    for (const { name, pipeline } of this.stages) {
      try {
        current = await pipeline.process(current, context);
      } catch (error) {
        if (!(error instanceof DropItem)) throw error;
        context.stats.inc('item_dropped_count');
        context.stats.inc(`item_dropped_reasons_count/${name}`);
        context.logger.log(error.lost ? 'warn' : 'debug', `dropped by ${name}: ${error.message}`);
        return { dropped: true, pipeline: name, reason: error.message, lost: error.lost };
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
