/**
 * The compiled crawler as it is installed: `dist/crawl.js` (built by `npm ci`'s prepare script) run
 * as the `coingecko-crawler` bin, through npx, and through `npm run crawl`, which must hand SIGTERM
 * to the crawler (a service manager's stop) and leave no process behind.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MOCK_DEFAULTS } from '../helpers/mock-defaults';
import { PROJECT_ROOT, readDayFiles, tempDir } from '../helpers/cli';
import { createTestDatabase, TestDatabase } from '../helpers/database';
import { MockApi, startMockApi } from '../mock-api/server';

const BIN = join(PROJECT_ROOT, 'dist', 'crawl.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command in the project folder with a clean environment (no Jest flags, no crawler settings). */
function start(command: string, args: string[], env: Record<string, string> = {}) {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  delete childEnv.NODE_OPTIONS;
  for (const name of Object.keys(childEnv)) if (name.startsWith('CRAWLER_')) delete childEnv[name];
  const child = spawn(command, args, { cwd: PROJECT_ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done, stderr: () => stderr };
}

let mock: MockApi;
let db: TestDatabase;
beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: npm ci (or npm run build) compiles it`);
  mock = await startMockApi();
  mock.configure(MOCK_DEFAULTS);
  db = await createTestDatabase();
});
afterAll(async () => {
  await mock.close();
  await db.drop();
});

it('dist/crawl.js is the package bin: executable, with a shebang, and it crawls', async () => {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
    version: string;
  };
  expect(pkg.bin).toEqual({ 'coingecko-crawler': 'dist/crawl.js' });
  expect(readFileSync(BIN, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  accessSync(BIN, constants.X_OK);

  const version = await start(BIN, ['--version']).done;
  expect([version.code, version.stdout]).toEqual([0, `${pkg.version}\n`]);

  const dataDir = tempDir();
  const crawl = await start(BIN, [
    ...['-c', 'bitcoin', '-s', '2017-12-15', '-e', '2017-12-16'],
    ...['--api-url', mock.url, '--data-dir', dataDir, '--set', 'PROGRESS_BAR=off'],
  ]).done;
  expect(crawl.code).toBe(0);
  expect([...readDayFiles(dataDir).keys()]).toEqual(['bitcoin_2017-12-15.json', 'bitcoin_2017-12-16.json']);
});

it('npx coingecko-crawler --help works in the project', async () => {
  const help = await start('npx', ['--no-install', 'coingecko-crawler', '--help']).done;
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/^coingecko-crawler \[crawl\] --coin-id/);
});

it('SIGTERM to `npm run crawl -- schedule` stops the crawler gracefully: exit 130, no process left', async () => {
  const npm = start('npm', ['run', '--silent', 'crawl', '--', 'schedule'], { DATABASE_URL: db.url });
  for (let i = 0; i < 300 && !npm.stderr().includes('queue empty'); i++)
    await new Promise((r) => setTimeout(r, 100));
  expect(npm.stderr()).toContain('queue empty: waiting for jobs');
  // npm's child is the crawler itself (the script execs node), not a shell in between.
  const pid = npm.child.pid as number;
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
  expect(children).toHaveLength(1);
  expect(readFileSync(`/proc/${children[0]}/cmdline`, 'utf8').split('\0').slice(1, 3)).toEqual([
    'dist/crawl.js',
    'schedule',
  ]);

  npm.child.kill('SIGTERM');
  const result = await npm.done;
  expect(result.code).toBe(130);
  expect(result.stderr).toContain('SIGTERM: taking no new job');
  expect(result.stderr).toMatch(/stopped \(SIGTERM\): start it again/);
  expect(() => process.kill(children[0], 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
});
