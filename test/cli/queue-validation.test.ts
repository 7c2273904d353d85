/**
 * The daily and job-queue commands refuse bad input the way `crawl` does: exit code 2, one line
 * naming the problem, nothing queued, nothing written, no secret echoed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli';

const DB = 'postgres://postgres@127.0.0.1:5432/postgres';
const NEEDS_DB = 'the job queue needs a Postgres server: set DATABASE_URL';

const CASES: [string, string[], Record<string, string>, string][] = [
  ['schedule without a database', ['schedule'], {}, NEEDS_DB],
  ['worker without a database', ['worker'], {}, NEEDS_DB],
  ['backfill without a database', ['backfill', '-c', 'bitcoin', '-s', '2024-01-01'], {}, NEEDS_DB],
  ['runs without a database', ['runs'], {}, NEEDS_DB],
  ['daily --enqueue without a database', ['daily', '--enqueue'], {}, NEEDS_DB],
  [
    'a bad cron',
    ['schedule', '--cron', '61 3 * * *'],
    { DATABASE_URL: DB },
    'SCHEDULE_CRON "61 3 * * *": not a cron expression',
  ],
  [
    'a bad time zone',
    ['schedule', '--set', 'SCHEDULE_TIMEZONE=Mars/Olympus'],
    { DATABASE_URL: DB },
    'invalid value "Mars/Olympus" for SCHEDULE_TIMEZONE',
  ],
  [
    'a bad daily date',
    ['daily', '--date', '2024-13-01'],
    {},
    '--date "2024-13-01": not a real date in YYYY-MM-DD',
  ],
  ['a daily date after today', ['daily', '--date', '2999-01-01'], {}, '--date 2999-01-01 is after today'],
  [
    'a bad daily coin from the environment',
    ['daily'],
    { DAILY_COINS: 'bitcoin,Ether' },
    'DAILY_COINS "Ether": not a CoinGecko id',
  ],
  [
    'a zero catch-up',
    ['daily', '--set', 'DAILY_CATCHUP_DAYS=0'],
    {},
    'invalid value "0" for DAILY_CATCHUP_DAYS',
  ],
  [
    'a backfill with an unknown spider',
    ['backfill', '-c', 'bitcoin', '-s', '2024-01-01', '--spider', 'x'],
    { DATABASE_URL: DB },
    '--spider "x": unknown spider',
  ],
  [
    'a backfill ending before it starts',
    ['backfill', '-c', 'bitcoin', '-s', '2024-02-01', '-e', '2024-01-01'],
    { DATABASE_URL: DB },
    '--end-date 2024-01-01 is before --start-date 2024-02-01',
  ],
  [
    'runs in an unknown format',
    ['runs', '--format', 'xml'],
    { DATABASE_URL: DB },
    '--format "xml": expected one of table, csv, json',
  ],
  [
    'runs with a bad limit',
    ['runs', '--limit', '0'],
    { DATABASE_URL: DB },
    '--limit "0": expected a whole number >= 1',
  ],
  [
    'runs with an unknown state',
    ['runs', '--state', 'done'],
    { DATABASE_URL: DB },
    '--state "done": expected one of created',
  ],
];

describe('the queue commands refuse bad input', () => {
  it.each(CASES)('%s', async (_name, args, env, message) => {
    const dataDir = join(tempDir(), 'data');
    const result = await runCli([...args, '--data-dir', dataDir], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
    expect(existsSync(dataDir)).toBe(false);
  });

  it.each([['worker'], ['runs']])(
    '%s names an unreachable queue database without its password',
    async (command) => {
      const result = await runCli([command], {
        env: { DATABASE_URL: 'postgres://crawler:s3cret@127.0.0.1:1/jobs' },
      });
      expect(result.code).toBe(2);
      expect(result.stderr.trim()).toMatch(
        /^crawl: error: job queue unreachable: Postgres at 127\.0\.0\.1:1\/jobs \(.*ECONNREFUSED/,
      );
      expect(result.stderr).not.toContain('s3cret');
    },
  );
});
