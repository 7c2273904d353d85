// Why: benchmarks and manual crawls run the mock as a process; this checks the ready line, the request log,
// a clean exit on SIGTERM, exit code 2 on bad flags, and the parsing of the compact flag forms.
import { spawn, type ChildProcess } from 'child_process';
import { join } from 'path';
import { parseFaults, parseRateLimit } from './cli-args';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const MAIN = join(__dirname, 'main.ts');

function run(args: string[]): {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(TSX, [MAIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exit };
}

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('prints the ready line, answers /ping, logs the request and exits 0 on SIGTERM', async () => {
  const proc = run(['--port', '0', '--today', '2024-12-20', '--rate-limit', '100/1s', '--faults', 'reset=0']);
  try {
    await until(() => proc.out().includes('\n'));
    const m = /^mock CoinGecko API listening on (http:\/\/127\.0\.0\.1:(\d+)\/api\/v3)\n/.exec(proc.out());
    expect(m).not.toBeNull();
    const res = await fetch(`${m![1]}/ping`);
    expect(await res.json()).toEqual({ gecko_says: '(V3) To the Moon!' });
    await fetch(`${m![1]}/coins/bitcoin/history?date=01-04-2021`);
    await until(() => proc.out().includes('history'));
    expect(proc.out()).toMatch(/GET \/api\/v3\/ping -> 200 ok\n/);
    expect(proc.out()).toMatch(/GET \/api\/v3\/coins\/bitcoin\/history bitcoin 2021-04-01 -> 200 ok\n/);
  } finally {
    proc.child.kill('SIGTERM');
  }
  expect(await proc.exit).toBe(0);
  expect(proc.err()).toBe('');
});

test.each([
  [['--plan', 'free']],
  [['--rate-limit', 'many']],
  [['--faults', 'boom=0.1']],
  [['--today', '20-12-2024']],
  [['--unknown-flag']],
])('bad flags %p => one line on stderr, exit 2', async (args) => {
  const proc = run(args);
  expect(await proc.exit).toBe(2);
  expect(proc.err()).toMatch(/^mock-api: [^\n]+\n$/);
  expect(proc.out()).toBe('');
});

test('parseRateLimit and parseFaults', () => {
  expect(parseRateLimit('20/5s')).toEqual({ limit: 20, windowMs: 5000 });
  expect(parseRateLimit('30/60s')).toEqual({ limit: 30, windowMs: 60_000 });
  expect(parseRateLimit('3/500ms')).toEqual({ limit: 3, windowMs: 500 });
  expect(parseRateLimit('10/1m')).toEqual({ limit: 10, windowMs: 60_000 });
  expect(parseRateLimit('5/2')).toEqual({ limit: 5, windowMs: 2000 });
  for (const bad of ['20', '0/5s', '20/', '20/5h', 'x/5s', '2.5/5s'])
    expect(() => parseRateLimit(bad)).toThrow();
  expect(parseFaults('5xx=0.1,reset=0.03,hang=0.01,truncated=0.03')).toEqual({
    error5xx: 0.1,
    reset: 0.03,
    hang: 0.01,
    truncated: 0.03,
  });
  expect(parseFaults('reset=0.5')).toEqual({ reset: 0.5 });
  for (const bad of ['5xx', 'oops=0.1', 'reset=2', 'reset=-1', 'reset=0.6,hang=0.6']) {
    expect(() => parseFaults(bad)).toThrow();
  }
});
