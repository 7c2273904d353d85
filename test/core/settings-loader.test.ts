import { describeSettings, resolveSettings } from '../../src/core/settings-loader';
import { UsageError } from '../../src/core/errors';
import { DEFAULT_SETTINGS } from '../../src/settings';

describe('resolveSettings', () => {
  it('returns the defaults when nothing overrides them', () => {
    const settings = resolveSettings();
    expect(settings).toEqual(DEFAULT_SETTINGS);
    expect(settings.ITEM_PIPELINES).toEqual({
      validate: 100,
      dedupe: 200,
      'json-files': 300,
      'postgres-store': null,
      feed: null,
    });
  });

  it('applies defaults < environment < --set < explicit flags', () => {
    const env = { CRAWLER_CONCURRENT_REQUESTS: '3', CRAWLER_DOWNLOAD_TIMEOUT: '11', DATA_DIR: '/from-env' };
    const fromEnv = resolveSettings({ env });
    expect([fromEnv.CONCURRENT_REQUESTS, fromEnv.DOWNLOAD_TIMEOUT, fromEnv.DATA_DIR]).toEqual([
      3,
      11,
      '/from-env',
    ]);

    const fromSet = resolveSettings({ env, overrides: ['CONCURRENT_REQUESTS=5', 'DATA_DIR=/from-set'] });
    expect([fromSet.CONCURRENT_REQUESTS, fromSet.DOWNLOAD_TIMEOUT, fromSet.DATA_DIR]).toEqual([
      5,
      11,
      '/from-set',
    ]);

    const fromFlags = resolveSettings({
      env,
      overrides: ['CONCURRENT_REQUESTS=5', 'DATA_DIR=/from-set'],
      flags: [{ flag: '--concurrency', setting: 'CONCURRENT_REQUESTS', text: '7' }],
    });
    expect([fromFlags.CONCURRENT_REQUESTS, fromFlags.DOWNLOAD_TIMEOUT, fromFlags.DATA_DIR]).toEqual([
      7,
      11,
      '/from-set',
    ]);
  });

  it('reads the documented environment names and the CRAWLER_ prefix for every setting', () => {
    const settings = resolveSettings({
      env: {
        COINGECKO_API_URL: 'http://127.0.0.1:1/api/v3',
        COINGECKO_API_KEY: 'k',
        COINGECKO_API_PLAN: 'demo',
        CRAWLER_RETRY_HTTP_CODES: '500,503',
        CRAWLER_RETRY_ENABLED: 'no',
      },
    });
    expect(settings.API_URL).toBe('http://127.0.0.1:1/api/v3');
    expect(settings.API_KEY).toBe('k');
    expect(settings.API_PLAN).toBe('demo');
    expect(settings.RETRY_HTTP_CODES).toEqual([500, 503]);
    expect(settings.RETRY_ENABLED).toBe(false);
  });

  it('changes one entry of a map setting with NAME.KEY=VALUE, and takes whole JSON maps', () => {
    expect(resolveSettings({ overrides: ['ITEM_PIPELINES.feed=800'] }).ITEM_PIPELINES.feed).toBe(800);
    expect(resolveSettings({ overrides: ['ITEM_PIPELINES.dedupe=null'] }).ITEM_PIPELINES.dedupe).toBeNull();
    expect(resolveSettings({ overrides: ['ITEM_PIPELINES={"validate":1}'] }).ITEM_PIPELINES).toEqual({
      validate: 1,
    });
  });

  it.each([
    [['NOPE=1'], '--set NOPE: unknown setting'],
    [
      ['CONCURRENT_REQUESTS=abc'],
      '--set CONCURRENT_REQUESTS: invalid value "abc" for CONCURRENT_REQUESTS: expected a number',
    ],
    [['CONCURRENT_REQUESTS=0'], 'expected a whole number >= 1'],
    [['RETRY_ENABLED=maybe'], 'expected true or false'],
    [['LOG_LEVEL=loud'], 'expected debug, info, warn (or warning), error or critical, in any case'],
    [['API_URL=ftp://x'], 'expected an http(s) URL'],
    [['ITEM_PIPELINES={bad json'], 'expected valid JSON'],
    [['ITEM_PIPELINES.feed=soon'], 'expected a map of pipeline name to order'],
    [['no-equals-sign'], 'expected NAME=VALUE'],
  ])('refuses --set %j', (overrides, message) => {
    expect(() => resolveSettings({ overrides })).toThrow(UsageError);
    expect(() => resolveSettings({ overrides })).toThrow(message);
  });

  it('names the environment variable or the flag that carried a bad value', () => {
    expect(() => resolveSettings({ env: { CRAWLER_DOWNLOAD_TIMEOUT: '-1' } })).toThrow(
      'environment variable CRAWLER_DOWNLOAD_TIMEOUT: invalid value "-1" for DOWNLOAD_TIMEOUT: expected a number > 0',
    );
    expect(() =>
      resolveSettings({ flags: [{ flag: '--rate-limit', setting: 'RATE_LIMIT', text: 'fast' }] }),
    ).toThrow('--rate-limit: invalid value "fast" for RATE_LIMIT: expected a number');
  });

  it('reads the schedule settings: coin lists, time zones, and the limits pg-boss accepts', () => {
    const settings = resolveSettings({
      env: {
        DAILY_COINS: ' bitcoin, solana ',
        SCHEDULE_TIMEZONE: 'Europe/Paris',
        SCHEDULE_CRON: '30 2 * * *',
      },
      overrides: ['JOB_TIMEOUT=600'],
    });
    expect([
      settings.DAILY_COINS,
      settings.SCHEDULE_TIMEZONE,
      settings.SCHEDULE_CRON,
      settings.JOB_TIMEOUT,
    ]).toEqual([['bitcoin', 'solana'], 'Europe/Paris', '30 2 * * *', 600]);
    expect(resolveSettings({ overrides: ['DAILY_COINS=["cardano"]'] }).DAILY_COINS).toEqual(['cardano']);
    expect(() => resolveSettings({ env: { SCHEDULE_TIMEZONE: 'Mars/Olympus' } })).toThrow(
      'environment variable SCHEDULE_TIMEZONE: invalid value "Mars/Olympus" for SCHEDULE_TIMEZONE: expected an IANA time zone',
    );
    expect(() => resolveSettings({ overrides: ['JOB_TIMEOUT=86400'] })).toThrow(
      '--set JOB_TIMEOUT: invalid value "86400" for JOB_TIMEOUT: expected a whole number from 1 to 86399',
    );
    expect(() => resolveSettings({ overrides: ['DAILY_COINS=,'] })).toThrow('expected at least one coin id');
    expect(() => resolveSettings({ overrides: ['QUEUE_SCHEMA=pg-boss'] })).toThrow(
      'expected a lowercase SQL name',
    );
  });

  it('never shows the API key, in errors or in the printable settings', () => {
    const settings = resolveSettings({ env: { COINGECKO_API_KEY: 'CG-secret-123' } });
    expect(JSON.stringify(describeSettings(settings))).not.toContain('CG-secret-123');
    expect(describeSettings(settings).API_KEY).toBe('***');
  });
});
