// Why: runs the mock CoinGecko API as a process (`npm run mock-api -- --port 8000`) for manual crawls and
// benchmarks; prints one ready line that scripts wait for, and stops cleanly on SIGINT/SIGTERM.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { parseFaults, parseRateLimit } from './cli-args';
import { parseIsoDate } from './dates';
import { startMockApi } from './server';
import type { MockApiOptions, MockPlan, MockRequestRecord, RateLimitForm } from './types';

function fail(message: string): never {
  process.stderr.write(`mock-api: ${message.replace(/\s+/g, ' ').trim()}\n`);
  process.exit(2);
}

function nonNegativeInt(name: string, value: number | undefined): number | undefined {
  if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
    fail(`--${name} must be a non-negative integer`);
  }
  return value;
}

function parseArgs(argv: string[]): MockApiOptions {
  const args = yargs(argv)
    .scriptName('mock-api')
    .usage('$0 [options]: a mock CoinGecko API v3 for tests and benchmarks')
    .option('port', { type: 'number', default: 8000, describe: 'Port (0 = any free port)' })
    .option('host', { type: 'string', default: '127.0.0.1' })
    .option('plan', { choices: ['public', 'demo', 'pro'] as const, default: 'pro' as MockPlan })
    .option('today', { type: 'string', describe: 'The server day, YYYY-MM-DD (default: UTC today)' })
    .option('api-key', { type: 'string', describe: 'Require this key (header or query form of the plan)' })
    .option('rate-limit', { type: 'string', describe: 'N/W, e.g. 20/5s or 30/60s' })
    .option('rate-limit-form', {
      choices: ['json', 'cloudflare', 'status200'] as const,
      default: 'json' as RateLimitForm,
    })
    .option('retry-after', {
      type: 'boolean',
      default: true,
      describe: 'Send retry-after (--no-retry-after)',
    })
    .option('faults', { type: 'string', describe: 'e.g. 5xx=0.1,reset=0.03,hang=0.01,truncated=0.03' })
    .option('seed', { type: 'number', default: 1, describe: 'Seed of the fault PRNG' })
    .option('latency', { type: 'number', default: 0, describe: 'Delay before each answer, ms' })
    .option('hang-ms', { type: 'number', default: 30_000, describe: 'How long a hang holds the socket, ms' })
    .option('quiet', { type: 'boolean', default: false, describe: 'No line per request' })
    .strict()
    .help()
    .fail((msg, err) => fail(msg ?? err?.message ?? 'bad arguments'))
    .parseSync();

  const port = nonNegativeInt('port', args.port);
  if (port === undefined || port > 65535) fail('--port must be 0..65535');
  if (args.today !== undefined && parseIsoDate(args.today) === null) fail('--today must be YYYY-MM-DD');
  if (!Number.isInteger(args.seed)) fail('--seed must be an integer');
  const options: MockApiOptions = {
    port,
    host: args.host,
    plan: args.plan,
    today: args.today,
    apiKey: args['api-key'],
    latencyMs: nonNegativeInt('latency', args.latency),
    hangMs: nonNegativeInt('hang-ms', args['hang-ms']),
    keepRequests: false,
  };
  try {
    if (args['rate-limit'] !== undefined) {
      const form: RateLimitForm = args['rate-limit-form'];
      options.rateLimit = {
        ...parseRateLimit(args['rate-limit']),
        form,
        sendRetryAfter: args['retry-after'],
      };
    }
    if (args.faults !== undefined) options.faults = { ...parseFaults(args.faults), seed: args.seed };
  } catch (err) {
    fail((err as Error).message);
  }
  if (!args.quiet) options.onRequest = logRequest;
  return options;
}

function logRequest(r: MockRequestRecord): void {
  const what = r.coinId ? ` ${r.coinId}${r.date ? ` ${r.date}` : ''}` : '';
  process.stdout.write(
    `${new Date(r.at).toISOString()} ${r.method} ${r.path}${what} -> ${r.status} ${r.outcome}\n`,
  );
}

async function main(): Promise<void> {
  const options = parseArgs(hideBin(process.argv));
  const api = await startMockApi(options).catch((err: Error) => fail(err.message));
  process.stdout.write(`mock CoinGecko API listening on ${api.url}\n`);
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    api.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
