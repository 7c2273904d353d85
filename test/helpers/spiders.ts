/**
 * Spiders in unit tests: built as the crawler builds them (arguments checked by the spider's own
 * declaration, settings resolved with its custom settings), their start requests collected, and
 * answers handed to their callbacks as the engine hands them.
 */
import winston from 'winston';
import { Request } from '../../src/core/request';
import { Response } from '../../src/core/response';
import { resolveSettings } from '../../src/core/settings-loader';
import { NOTHING_STORED, type SpiderClass, type StoredItems } from '../../src/core/spider';
import { readArguments } from '../../src/core/spider-arguments';
import { collectOutput } from '../../src/core/spider-output';
import { StatsCollector } from '../../src/core/stats';

/** Storage that has nothing (a first crawl). */
export { NOTHING_STORED };

/** A spider of `spiderClass` with `-a`-style arguments (text), the environment and what storage has. */
export function buildSpider<S extends SpiderClass>(
  spiderClass: S,
  args: Record<string, string | string[]>,
  { env = {}, stored = NOTHING_STORED }: { env?: Record<string, string>; stored?: StoredItems } = {},
): InstanceType<S> {
  const given = Object.entries(args).map(([name, text]) => ({ name, text, source: `-a ${name}` }));
  const values = readArguments(spiderClass.spiderName, spiderClass.spiderArguments ?? [], given);
  const checked = spiderClass.checkArguments ? spiderClass.checkArguments(values) : values;
  const settings = resolveSettings({ env, spider: spiderClass.customSettings });
  return new spiderClass({ args: checked, settings, stored }) as InstanceType<S>;
}

/** Everything `startRequests()` gives, as the engine collects it. */
export async function startOutput(spider: { startRequests(): unknown }): Promise<Request[]> {
  return (await collectOutput(spider.startRequests() as never, 'startRequests')) as Request[];
}

/** An answer to `request`, as the engine makes it for the callback. */
export function answer<M extends object>(
  request: Request<M>,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): Response<M> {
  return new Response({ url: request.url, status, headers, body: Buffer.from(body), request });
}

/**
 * A callback's answer to `request` with this status and body, to run when the test is ready: `run()`
 * calls `parse` as the engine would, `stats` holds what it counted.
 */
export function respondTo<M extends object, T>(
  parse: (response: Response<M>, context: ReturnType<typeof silentContext>) => T,
  request: Request<M>,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): { run: () => T; stats: StatsCollector } {
  const context = silentContext();
  return { run: () => parse(answer(request, status, body, headers), context), stats: context.stats };
}

export const silentContext = () => ({
  stats: new StatsCollector(),
  logger: winston.createLogger({ silent: true }),
});

/** Storage holding the coin days `has` says it has; `asked` collects every day it was asked about. */
export function storedCoinDays(
  has: (coinId: string, date: string) => boolean,
  asked: string[] = [],
): StoredItems {
  return {
    keys: async (_type, probes) => {
      const days = probes as unknown as readonly { coin_id: string; date: string }[];
      asked.push(...days.map((day) => `${day.coin_id} ${day.date}`));
      return new Set(
        days.filter((day) => has(day.coin_id, day.date)).map((day) => `${day.coin_id}/${day.date}`),
      );
    },
  };
}
