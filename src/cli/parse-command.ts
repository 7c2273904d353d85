/**
 * `parse URL --spider NAME [--callback NAME] [--meta JSON] [-a k=v]` (Scrapy's `scrapy parse`): one
 * request through the spider's downloader middlewares, its answer to one of the spider's callbacks
 * (default `parse`), and what the callback yielded on stdout as JSON:
 * `{"status": 200, "items": [...], "requests": [{"url", "method", "callback", "meta"}]}`. Nothing is
 * stored. `--meta` is the request's meta, for callbacks that read it (the coin spiders' `coinId` and
 * `date`). Exit 0 when the callback ran, 1 when the request failed, 2 for bad usage.
 */
import type { Argv } from 'yargs';
import { UsageError } from '../core/errors';
import { Request } from '../core/request';
import { parseArgumentPairs } from '../core/spider-arguments';
import { findCallback } from '../core/spider-output';
import { last } from './options';
import { oneRequestOptions, openOneRequest, requestFor, writeOut } from './one-request';

export function parseCommandOptions<T>(yargs: Argv<T>) {
  return oneRequestOptions(yargs)
    .option('callback', {
      type: 'string',
      coerce: last,
      describe: "The spider's callback (a method or a router label) that reads the answer (default parse)",
    })
    .option('meta', {
      type: 'string',
      coerce: last,
      describe: 'The request\'s meta as a JSON object, e.g. \'{"coinId":"bitcoin","date":"2024-01-01"}\'',
    });
}

function metaFrom(text: unknown): object | undefined {
  if (text === undefined) return undefined;
  let meta: unknown;
  try {
    meta = JSON.parse(String(text));
  } catch {
    meta = undefined;
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta))
    throw new UsageError(`--meta ${JSON.stringify(text)}: expected a JSON object`);
  return meta;
}

export async function runParseCommand(
  argv: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const callback = argv.callback === undefined ? undefined : String(argv.callback);
  const request = requestFor(argv.url, { callback, meta: metaFrom(argv.meta) });
  const given = parseArgumentPairs((argv.a as string[] | undefined) ?? []);
  const session = openOneRequest(argv, env, given);
  try {
    try {
      findCallback(session.spider, callback);
    } catch (error) {
      throw new UsageError(`--callback ${JSON.stringify(callback)}: ${(error as Error).message}`);
    }
    const outcome = await session.run(request);
    if (!outcome.ok) {
      session.logger.error(`parse ${request.url}: ${outcome.reason}`);
      return 1;
    }
    const items: unknown[] = [];
    const requests: object[] = [];
    for (const value of outcome.output) {
      if (value instanceof Request) {
        const { url, method, callback: next, meta } = value;
        requests.push({ url, method, callback: next ?? 'parse', meta });
      } else items.push(value);
    }
    await writeOut(`${JSON.stringify({ status: outcome.status, items, requests }, null, 2)}\n`);
    return 0;
  } finally {
    await session.close();
  }
}
