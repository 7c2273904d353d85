/**
 * Everything a crawl needs, checked and opened before the first request (Scrapy's `crawler.py`):
 * the spider and its arguments, the settings with the spider's own, the database when a pipeline
 * stores there, the pipeline chain, and the stored-items view the spider asks "already stored?".
 * Used by the CLI and by the job queue's workers. Any problem here is a UsageError: exit 2, nothing sent.
 */
import type { Logger } from 'winston';
import { UsageError } from '../core/errors';
import { enabledExtensions, ExtensionFactory } from '../core/extension';
import { DownloaderMiddlewareFactory, DownloaderMiddlewareManager } from '../core/downloader-middleware';
import { PipelineChain, PipelineFactory } from '../core/pipeline';
import { SettingsSources } from '../core/settings-loader';
import type { SharedLimit } from '../core/shared-limit';
import type { Spider, SpiderClass } from '../core/spider';
import { GivenArgument, readArguments } from '../core/spider-arguments';
import { openPriceStore } from '../db/open-store';
import { EXTENSIONS, ExtensionServices } from '../extensions';
import { DOWNLOADER_MIDDLEWARES } from '../middlewares';
import { DATABASE_PIPELINES, PIPELINES, PipelineServices } from '../pipelines';
import type { CrawlSettings } from '../settings';
import { findSpider, SPIDERS } from '../spiders';
import { crawlSettings } from './crawl-settings';
import type { KeptAcrossCrawls } from './kept-across-crawls';
import { openSharedLimit } from './shared-limit';
import { StoredItemsView } from './stored-items';

export interface PreparedCrawl {
  settings: CrawlSettings;
  spider: Spider<object, object>;
  spiderClass: SpiderClass;
  pipelines: PipelineChain;
  /** The built-in extensions and the spider's own, by name (EXTENSIONS picks the enabled ones). */
  extensions: Readonly<Record<string, ExtensionFactory<ExtensionServices>>>;
  /** The downloader middlewares there are: the built-ins and the spider's own. */
  downloaderMiddlewares: Readonly<Record<string, DownloaderMiddlewareFactory>>;
  /** Counts the items not asked for because they were already stored. */
  skipped: { count: number };
  /** Where items are stored, in words (for the log). */
  storage: string[];
  /** The log, for the database's retry messages; set by the command once it exists. */
  logger: { current?: Logger };
  /** The rate limit shared with other processes (RATE_LIMIT_SCOPE=database); absent: this crawl's own. */
  sharedLimit?: SharedLimit;
  close(): Promise<void>;
}

/** What to crawl: the spider, its arguments as given, and whether stored items are fetched again. */
export interface CrawlRequest {
  spiderName: string;
  /** `-a name=value` pairs and the flags that stand for arguments (`--coin-id`), unchecked. */
  args: readonly GivenArgument[];
  /** Fetch items that are already stored again. */
  force?: boolean;
}

/** The spider class of that name, or a UsageError listing the known ones. */
export function spiderClassNamed(name: string): SpiderClass {
  const spiderClass = findSpider(name);
  if (spiderClass) return spiderClass;
  const known = SPIDERS.map((spider) => spider.spiderName).join(', ');
  throw new UsageError(`--spider ${JSON.stringify(name)}: unknown spider (known: ${known})`);
}

/** What the caller already holds for the crawl. */
export interface OpenCrawlOptions {
  /** A shared rate limit kept across crawls (a worker's); default: opened here if RATE_LIMIT_SCOPE=database. */
  sharedLimit?: SharedLimit;
  /** A worker's database and connections, kept across its jobs: the crawl uses them and leaves them open. */
  kept?: KeptAcrossCrawls;
}

/** Checks the request against the spider's declarations and opens what the crawl needs. */
export async function openCrawl(
  { spiderName, args, force }: CrawlRequest,
  sources: SettingsSources,
  options: OpenCrawlOptions = {},
): Promise<PreparedCrawl> {
  const spiderClass = spiderClassNamed(spiderName);
  const values = readArguments(spiderName, spiderClass.spiderArguments ?? [], args);
  const checkedArgs = spiderClass.checkArguments ? spiderClass.checkArguments(values) : values;
  const settings = crawlSettings(sources, spiderClass);
  const registry = pipelineRegistry(spiderClass);
  const enabled = PipelineChain.enabledNames(registry, settings);
  const extensions = extensionRegistry(spiderClass);
  // An unknown extension is bad usage: said before anything is opened or sent.
  enabledExtensions(extensions, settings);
  const downloaderMiddlewares = middlewareRegistry(spiderClass);
  // An unknown middleware name is bad usage, found before anything is opened or sent.
  DownloaderMiddlewareManager.enabledNames(downloaderMiddlewares, settings);

  const logger: { current?: Logger } = {};
  const services: PipelineServices = { spiderName };
  let closeDatabase = async () => {};
  if (enabled.some((name) => DATABASE_PIPELINES.has(name))) {
    const log = () => logger.current;
    const opened = await (options.kept?.priceStore(settings, log) ?? openPriceStore(settings, log));
    services.database = { store: opened.store, description: opened.description };
    if (!options.kept) closeDatabase = () => opened.dataSource.destroy();
  }
  let sharedLimit = options.sharedLimit;
  let closeSharedLimit = async () => {};
  try {
    if (!sharedLimit) {
      sharedLimit = await openSharedLimit(settings, 'process', (message) => logger.current?.warn(message));
      const opened = sharedLimit;
      if (opened) closeSharedLimit = () => opened.close();
    }
  } catch (error) {
    await closeDatabase();
    throw error;
  }
  const close = async () => {
    await closeSharedLimit();
    await closeDatabase();
  };
  try {
    const pipelines = PipelineChain.fromSettings(registry, settings, services);
    const stored = new StoredItemsView(pipelines, Boolean(force));
    const spider = new spiderClass({ args: checkedArgs, settings, stored });
    return {
      settings,
      spider,
      spiderClass,
      pipelines,
      extensions,
      downloaderMiddlewares,
      skipped: stored.skipped,
      storage: pipelines.describeStorage(),
      logger,
      sharedLimit,
      close,
    };
  } catch (error) {
    // A worker opens a crawl per job: a job that fails here must not leave its connection open.
    await close();
    throw error;
  }
}

/** The built-in pipelines and the spider's own; a spider may not reuse a built-in's name. */
function pipelineRegistry(spiderClass: SpiderClass): Record<string, PipelineFactory<PipelineServices>> {
  return registry(spiderClass, 'pipeline', PIPELINES, spiderClass.pipelines);
}

/** The built-in extensions and the spider's own. */
function extensionRegistry(spiderClass: SpiderClass): Record<string, ExtensionFactory<ExtensionServices>> {
  return registry(spiderClass, 'extension', EXTENSIONS, spiderClass.extensions);
}

/** The built-in downloader middlewares and the spider's own. */
export function middlewareRegistry(spiderClass: SpiderClass): Record<string, DownloaderMiddlewareFactory> {
  return registry(
    spiderClass,
    'downloader middleware',
    DOWNLOADER_MIDDLEWARES,
    spiderClass.downloaderMiddlewares,
  );
}

/** Built-in components of one kind and the spider's own, by name; a spider may not reuse a built-in's name. */
function registry<T>(
  spiderClass: SpiderClass,
  kind: string,
  builtIns: Readonly<Record<string, T>>,
  own: Readonly<Record<string, T>> = {},
): Record<string, T> {
  for (const name of Object.keys(own)) {
    if (Object.prototype.hasOwnProperty.call(builtIns, name))
      throw new UsageError(
        `spider ${spiderClass.spiderName}: its ${kind} "${name}" has a built-in ${kind}'s name`,
      );
  }
  return { ...builtIns, ...own };
}
