/**
 * Runs `crawl.ts` as a user does (a real process, real flags, real exit code) and collects its output.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const PROJECT_ROOT = resolve(__dirname, '..', '..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

/** The variables a user's shell might carry that would change a crawl; tests start without them. */
const CLEARED_ENV = [
  'COINGECKO_API_KEY',
  'COINGECKO_API_PLAN',
  'COINGECKO_API_URL',
  'DATA_DIR',
  'JOB_DIR',
  'LOG_LEVEL',
  'LOG_FILE',
  'DATABASE_URL',
];

/** tsx by its path, so a test can run the CLI in another working folder (e.g. one with a `.env`). */
const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href;

/** Starts `crawl.ts`; `done` resolves when it exits. */
export function spawnCli(
  args: string[],
  { env = {}, cwd = PROJECT_ROOT, timeoutMs = 120_000 }: CliOptions = {},
) {
  const childEnv: Record<string, string | undefined> = { ...process.env };
  for (const name of CLEARED_ENV) delete childEnv[name];
  for (const name of Object.keys(childEnv)) if (name.startsWith('CRAWLER_')) delete childEnv[name];
  // Jest's flag for ESM in its own VM is not the CLI's business.
  delete childEnv.NODE_OPTIONS;
  // The project's tsconfig (decorators) also when the CLI runs in another working folder.
  childEnv.TSX_TSCONFIG_PATH = join(PROJECT_ROOT, 'tsconfig.json');
  Object.assign(childEnv, env);
  const child = spawn(process.execPath, ['--import', TSX_LOADER, join(PROJECT_ROOT, 'crawl.ts'), ...args], {
    cwd,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`crawl.ts ${args.join(' ')} ran past ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
  return { child, done };
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return spawnCli(args, options).done;
}

export function tempDir(prefix = 'crawl-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The day files a crawl wrote, by file name. */
export function readDayFiles(
  dataDir: string,
): Map<
  string,
  { coin_id: string; date: string; usd_price: number | null; full_response: Record<string, unknown> }
> {
  const dir = join(dataDir, 'raw');
  const files = new Map();
  if (!existsSync(dir)) return files;
  // Only finished files: a running crawl's `.tmp` files are being written (and renamed away).
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort())
    files.set(name, JSON.parse(readFileSync(join(dir, name), 'utf8')));
  return files;
}
