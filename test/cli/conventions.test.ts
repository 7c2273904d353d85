/**
 * What a new user meets in the first minutes, through the real CLI against the mock API: `.env`,
 * log level spellings, `--version`, `--help`, and the lines that point at a wrong API URL, an unused
 * DATABASE_URL and an empty feed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reportFatalError } from '../../src/cli/fatal-error';
import { UsageError } from '../../src/core/errors';
import { MOCK_DEFAULTS } from '../helpers/mock-defaults';
import { readDayFiles, runCli, tempDir } from '../helpers/cli';
import { MockApi, startMockApi } from '../mock-api/server';

let mock: MockApi;
beforeAll(async () => {
  mock = await startMockApi();
});
afterAll(() => mock.close());
beforeEach(() => mock.configure(MOCK_DEFAULTS));

const quiet = ['--set', 'PROGRESS_BAR=off'];
const oneDay = ['-c', 'bitcoin', '-s', '2017-12-15'];

it('reads .env from the working folder; a variable set in the environment wins', async () => {
  const folder = tempDir();
  const fromFile = join(folder, 'from-file');
  const fromEnv = join(folder, 'from-env');
  writeFileSync(
    join(folder, '.env'),
    `COINGECKO_API_URL=${mock.url}\nDATA_DIR=${fromFile}\nLOG_LEVEL=WARNING\n`,
  );

  const byFile = await runCli([...oneDay, ...quiet], { cwd: folder });
  expect(byFile.code).toBe(0);
  expect([...readDayFiles(fromFile).keys()]).toEqual(['bitcoin_2017-12-15.json']);
  // LOG_LEVEL=WARNING from the file: no info line.
  expect(byFile.stderr).not.toContain('[INFO]');

  const byEnv = await runCli([...oneDay, ...quiet], {
    cwd: folder,
    env: { DATA_DIR: fromEnv, LOG_LEVEL: 'info' },
  });
  expect(byEnv.code).toBe(0);
  expect([...readDayFiles(fromEnv).keys()]).toEqual(['bitcoin_2017-12-15.json']);
  expect(byEnv.stderr).toContain('[INFO]');
});

it('LOG_LEVEL and --log-level take debug, info, warn/warning, error, critical in any case', async () => {
  const dataDir = tempDir();
  const run = (level: string[], env: Record<string, string> = {}) =>
    runCli([...oneDay, '--api-url', mock.url, '--data-dir', dataDir, '--force', ...quiet, ...level], { env });

  const debug = await run(['--log-level', 'DEBUG']);
  expect([debug.code, debug.stderr.includes('[DEBUG]')]).toEqual([0, true]);
  const info = await run([], { LOG_LEVEL: 'INFO' });
  expect([info.code, info.stderr.includes('[INFO]'), info.stderr.includes('[DEBUG]')]).toEqual([
    0,
    true,
    false,
  ]);
  for (const level of ['Warning', 'CRITICAL']) {
    const quietRun = await run(['--log-level', level]);
    expect([level, quietRun.code, quietRun.stderr]).toEqual([level, 0, '']);
  }
  const bad = await run(['--log-level', 'loud']);
  expect([bad.code, bad.stderr.trim().split('\n')]).toEqual([
    2,
    [
      'crawl: error: --log-level: invalid value "loud" for LOG_LEVEL: expected debug, info, warn (or warning), error or critical, in any case (see --help)',
    ],
  ]);
});

it('--version prints the version of package.json', async () => {
  const result = await runCli(['--version']);
  const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  expect([result.code, result.stdout]).toEqual([0, `${version}\n`]);
});

it('--help names the program as it is typed, types number flags, and never cuts an example', async () => {
  const { code, stdout } = await runCli(['--help']);
  expect(code).toBe(0);
  expect(stdout).not.toContain('crawl crawl');
  expect(stdout).toMatch(/^ {2}coingecko-crawler crawl +Run a spider/m);
  expect(stdout).toMatch(/--concurrency .*\[number\]/);
  expect(stdout).toMatch(/--rate-limit .*\[number\]/);
  const examples = stdout.split('\nExamples:\n')[1].trimEnd().split('\n');
  // A command line, then its meaning indented below it; every command typed whole on its line.
  const commands = examples.filter((_, i) => i % 2 === 0);
  expect(commands.length).toBeGreaterThan(5);
  for (const command of commands) expect(command).toMatch(/^ {2}coingecko-crawler( \S+)*$/);
  expect(commands).toContain(
    '  coingecko-crawler -c bitcoin -s 2017-12-15 --api-url http://127.0.0.1:8000/api/v3',
  );
});

it('a number flag that is not a number is one line and exit 2', async () => {
  const result = await runCli([...oneDay, '--concurrency', 'eight']);
  expect([result.code, result.stdout, result.stderr]).toEqual([
    2,
    '',
    'crawl: error: --concurrency: invalid value "eight" for CONCURRENT_REQUESTS: expected a number (see --help)\n',
  ]);
});

it('an API URL without /api/v3, which answers 404 to every request, is said to look wrong', async () => {
  const bareHost = mock.url.replace(/\/api\/v3$/, '');
  const result = await runCli([
    ...oneDay,
    '-e',
    '2017-12-16',
    '--api-url',
    bareHost,
    '--data-dir',
    tempDir(),
    ...quiet,
  ]);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('FAILED bitcoin: HTTP 404 for bitcoin (2 requests');
  expect(result.stderr).toContain(
    `every request answered HTTP 404 without CoinGecko's "coin not found": the API URL (${bareHost}) looks wrong`,
  );

  // An unknown coin is CoinGecko's own 404: no such hint.
  const unknown = await runCli([
    '-c',
    'nosuchcoin',
    '-s',
    '2017-12-15',
    '--api-url',
    mock.url,
    '--data-dir',
    tempDir(),
    ...quiet,
  ]);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('coin not found');
  expect(unknown.stderr).not.toContain('looks wrong');
});

it('says that DATABASE_URL is not used without --db-store, and stores files only', async () => {
  const dataDir = tempDir();
  // A server that is not there: not contacted at all.
  const result = await runCli([...oneDay, '--api-url', mock.url, '--data-dir', dataDir, ...quiet], {
    env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/nothing' },
  });
  expect(result.code).toBe(0);
  expect(result.stderr).toContain(
    'DATABASE_URL is set but not used: this crawl stores no rows (add --db-store to store them)',
  );
  expect(readDayFiles(dataDir).size).toBe(1);
});

it('says when a feed is empty because every day was already stored; -o appends, -O and FEED_OVERWRITE replace', async () => {
  const dataDir = tempDir();
  const feed = join(dataDir, 'items.jsonl');
  const args = [...oneDay, '--api-url', mock.url, '--data-dir', dataDir, ...quiet];
  expect((await runCli([...args, '-o', feed])).code).toBe(0);

  const again = await runCli([...args, '-o', join(dataDir, 'again.jsonl')]);
  expect(again.code).toBe(0);
  expect(again.stderr).toContain(
    `the feed ${join(dataDir, 'again.jsonl')} has no items: every day was already stored (--force fetches them again)`,
  );

  const lines = () => readFileSync(feed, 'utf8').trim().split('\n').length;
  const appended = await runCli([...args, '-o', feed, '--force']);
  expect(appended.code).toBe(0);
  expect(appended.stderr).toContain(`feed appended to: ${feed} (1 item(s), jsonl)`);
  expect(lines()).toBe(2);
  expect((await runCli([...args, '-O', feed, '--force'])).code).toBe(0);
  expect(lines()).toBe(1);
  // The older settings: FEED_URI appends, or replaces with FEED_OVERWRITE.
  expect((await runCli([...args, '--force'], { env: { CRAWLER_FEED_URI: feed } })).code).toBe(0);
  expect(lines()).toBe(2);
  const replaced = await runCli([...args, '--force'], {
    env: { CRAWLER_FEED_URI: feed, CRAWLER_FEED_OVERWRITE: 'true' },
  });
  expect(replaced.code).toBe(0);
  expect(lines()).toBe(1);
});

it('an internal error is one line and exit 70, with the stack only at debug level', () => {
  const bug = new TypeError("Cannot read properties of undefined (reading 'x')\n    more");
  expect(reportFatalError(bug, { program: 'crawl', debug: false })).toEqual({
    code: 70,
    text: "crawl: error: Cannot read properties of undefined (reading 'x')\n",
  });
  const debug = reportFatalError(bug, { program: 'crawl', debug: true });
  expect(debug.code).toBe(70);
  expect(debug.text).toContain(`\n${bug.stack}\n`);
  expect(reportFatalError(new UsageError('--x: bad'), { program: 'crawl', debug: true })).toEqual({
    code: 2,
    text: 'crawl: error: --x: bad (see --help)\n',
  });
});
