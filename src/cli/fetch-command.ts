/**
 * `fetch URL [--headers]` (Scrapy's `scrapy fetch`): one request through the spider's downloader
 * middlewares (so the API key header, the HTTP cache and retries apply, as in a crawl), and the answer
 * on stdout: the body as it came (decompressed), or with `--headers` the status line and the
 * response's headers instead. Exit 0 with an answer of any status, 1 when there was none (a network
 * failure after the retries), 2 for bad usage.
 */
import type { Argv } from 'yargs';
import { parseArgumentPairs } from '../core/spider-arguments';
import { oneRequestOptions, openOneRequest, requestFor, writeOut } from './one-request';

export function fetchCommandOptions<T>(yargs: Argv<T>) {
  return oneRequestOptions(yargs).option('headers', {
    type: 'boolean',
    default: false,
    describe: "Print the answer's status and headers instead of its body",
  });
}

export async function runFetchCommand(
  argv: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const request = requestFor(argv.url);
  const given = parseArgumentPairs((argv.a as string[] | undefined) ?? []);
  const session = openOneRequest(argv, env, given);
  try {
    const outcome = await session.fetch(request);
    if (!outcome.ok) {
      session.logger.error(`fetch ${request.url}: ${outcome.reason}`);
      return 1;
    }
    const { response } = outcome;
    if (argv.headers) {
      const lines = [`HTTP ${response.status}`];
      for (const [name, value] of Object.entries(response.headers)) {
        for (const one of [value ?? ''].flat()) lines.push(`${name}: ${one}`);
      }
      await writeOut(`${lines.join('\n')}\n`);
    } else {
      await writeOut(response.body);
    }
    return 0;
  } finally {
    await session.close();
  }
}
