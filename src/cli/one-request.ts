/**
 * What `fetch` and `parse` share: one request sent through a spider's downloader, with the same
 * settings, middlewares (headers, the API key, the HTTP cache, retries, redirects, rate limits) and
 * throttle as a crawl of that spider, and no queue, pipelines or storage.
 */
import type { Argv } from 'yargs';
import type { Logger } from 'winston';
import { openDownloader } from '../core/downloader';
import { UsageError } from '../core/errors';
import { createLogger, flushLogger } from '../core/logger';
import { Request } from '../core/request';
import type { FetchOutcome, RequestOutcome } from '../core/request-runner';
import { describeSettings } from '../core/settings-loader';
import { NOTHING_STORED, type Spider, type SpiderClass } from '../core/spider';
import { GivenArgument, readArguments } from '../core/spider-arguments';
import { StatsCollector } from '../core/stats';
import { Throttle } from '../core/throttle';
import { crawlSettings } from '../crawler/crawl-settings';
import { middlewareRegistry, spiderClassNamed } from '../crawler/open-crawl';
import { DEFAULT_SPIDER } from '../spiders';
import { commonOptions, fetchOptions, last, settingSourcesFromArgv } from './options';

/** The flags of both commands besides their own. */
export function oneRequestOptions<T>(yargs: Argv<T>) {
  return fetchOptions(commonOptions(yargs))
    .positional('url', { type: 'string', describe: 'The absolute http(s) URL to request' })
    .option('spider', {
      type: 'string',
      coerce: last,
      default: DEFAULT_SPIDER,
      describe: 'The spider whose settings and middlewares the request goes through (its API key, say)',
    })
    .option('a', {
      type: 'string',
      array: true,
      describe: 'A spider argument, -a NAME=VALUE (repeatable)',
    });
}

export interface OneRequest {
  spider: Spider<object, object>;
  logger: Logger;
  stats: StatsCollector;
  fetch(request: Request): Promise<FetchOutcome>;
  run(request: Request): Promise<RequestOutcome>;
  close(): Promise<void>;
}

/** The URL as a request, or a UsageError naming it. */
export function requestFor(url: unknown, options: { callback?: string; meta?: object } = {}): Request {
  try {
    return new Request({ url: String(url ?? ''), ...options });
  } catch (error) {
    throw new UsageError(
      `URL ${JSON.stringify(url ?? '')}: ${(error as Error).message.replace(/^Request: /, '')}`,
    );
  }
}

/**
 * The spider of `--spider`, built with the arguments given (`-a`): an argument it requires but that
 * is missing is not an error here, as its start requests are not run.
 */
function buildSpider(
  spiderClass: SpiderClass,
  given: GivenArgument[],
  settings: ReturnType<typeof crawlSettings>,
) {
  const specs = spiderClass.spiderArguments ?? [];
  const named = new Set(given.map((argument) => argument.name));
  const relaxed = specs.map((spec) =>
    spec.required && !named.has(spec.name) ? { ...spec, required: false } : spec,
  );
  const values = readArguments(spiderClass.spiderName, relaxed, given);
  const complete = specs.every((spec) => !spec.required || named.has(spec.name));
  const args = complete && spiderClass.checkArguments ? spiderClass.checkArguments(values) : values;
  return new spiderClass({ args, settings, stored: NOTHING_STORED });
}

export function openOneRequest(
  argv: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  given: GivenArgument[],
): OneRequest {
  const spiderClass = spiderClassNamed(String(argv.spider ?? DEFAULT_SPIDER));
  const settings = crawlSettings(settingSourcesFromArgv(argv, env), spiderClass);
  const spider = buildSpider(spiderClass, given, settings);
  const logger = createLogger({ level: settings.LOG_LEVEL, file: settings.LOG_FILE || undefined });
  logger.debug(`settings: ${JSON.stringify(describeSettings(settings))}`);
  const stats = new StatsCollector();
  const throttle = new Throttle(settings, settings.RATE_LIMIT || spider.rateLimitPreset());
  const downloader = openDownloader({
    settings,
    spider,
    registry: middlewareRegistry(spiderClass),
    throttle,
    stats,
    logger,
  });
  return {
    spider,
    logger,
    stats,
    fetch: (request) => downloader.runner.fetch(request),
    run: (request) => downloader.runner.run(request),
    close: async () => {
      await downloader.close();
      logger.debug(`stats: ${JSON.stringify(stats.snapshot())}`);
      await flushLogger(logger);
    },
  };
}

/** Writes to stdout and resolves once it is out (a pipe may be slower than the process's exit). */
export function writeOut(text: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    process.stdout.write(text, (error) => (error ? reject(error) : resolve())),
  );
}
