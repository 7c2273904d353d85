import { describeSettings, enabledComponents, resolveSettings } from '../../src/core/settings-loader';
import { UsageError } from '../../src/core/errors';
import { DEFAULT_SETTINGS } from '../../src/settings';

describe('resolveSettings', () => {
  it('returns the defaults when nothing overrides them', () => {
    const settings = resolveSettings();
    expect(settings).toEqual(DEFAULT_SETTINGS);
    expect(settings.ITEM_PIPELINES).toEqual({});
    expect(settings.ITEM_PIPELINES_BASE).toEqual({
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

  it('adds ITEM_PIPELINES to the built-ins of ITEM_PIPELINES_BASE, where null turns one off', () => {
    const settings = resolveSettings({ overrides: ['ITEM_PIPELINES={"mine":150,"dedupe":null}'] });
    expect(enabledComponents(settings.ITEM_PIPELINES_BASE, settings.ITEM_PIPELINES)).toEqual([
      'validate',
      'mine',
      'json-files',
    ]);
  });

  it("puts a spider's custom settings between the defaults and the environment, and types its own by their default", () => {
    const spider = {
      CONCURRENT_REQUESTS: 2,
      SHOP_MIN_STOCK: 1,
      SHOP_NAME: 'x',
      ITEM_PIPELINES: { mine: 150 },
    };
    const fromSpider = resolveSettings({ spider });
    expect(fromSpider.CONCURRENT_REQUESTS).toBe(2);
    expect(fromSpider.SHOP_MIN_STOCK).toBe(1);
    expect(fromSpider.ITEM_PIPELINES).toEqual({ mine: 150 });
    const overridden = resolveSettings({
      spider,
      env: { CRAWLER_CONCURRENT_REQUESTS: '4', CRAWLER_SHOP_MIN_STOCK: '3' },
      overrides: ['SHOP_NAME=y', 'ITEM_PIPELINES.feed=800'],
    });
    expect([overridden.CONCURRENT_REQUESTS, overridden.SHOP_MIN_STOCK, overridden.SHOP_NAME]).toEqual([
      4,
      3,
      'y',
    ]);
    expect(overridden.ITEM_PIPELINES).toEqual({ mine: 150, feed: 800 });
    expect(() => resolveSettings({ spider, overrides: ['SHOP_MIN_STOCK=many'] })).toThrow(
      '--set SHOP_MIN_STOCK: invalid value "many" for SHOP_MIN_STOCK: expected a number',
    );
    // Without the spider, its settings don't exist.
    expect(() => resolveSettings({ overrides: ['SHOP_MIN_STOCK=3'] })).toThrow(
      '--set SHOP_MIN_STOCK: unknown setting',
    );
  });

  it("checks a spider's custom settings like any other", () => {
    expect(() => resolveSettings({ spider: { CONCURRENT_REQUESTS: 'many' } })).toThrow(
      'spider custom setting CONCURRENT_REQUESTS: expected a number, got "many"',
    );
    expect(() => resolveSettings({ spider: { CONCURRENT_REQUESTS: 0 } })).toThrow(
      'expected a whole number >= 1',
    );
    expect(() => resolveSettings({ spider: { minStock: 1 } })).toThrow('names are UPPER_SNAKE_CASE');
  });

  it('changes one entry of a map by the first dot only, typed like the entry it replaces', () => {
    const spider = { SHOP_LABELS: { 'a.b': 'x' }, ITEM_PIPELINES: { 'my.pipe': 150 } };
    expect(resolveSettings({ spider, overrides: ['ITEM_PIPELINES.my.pipe=160'] }).ITEM_PIPELINES).toEqual({
      'my.pipe': 160,
    });
    expect(resolveSettings({ spider, overrides: ['SHOP_LABELS.a.b=y'] }).SHOP_LABELS).toEqual({ 'a.b': 'y' });
    expect(() => resolveSettings({ spider, overrides: ['ITEM_PIPELINES.feed=soon'] })).toThrow(
      'expected a number or null',
    );
  });

  it('reads the proxies from the usual variables, and never shows one with its password', () => {
    const settings = resolveSettings({
      env: { https_proxy: 'http://u:secret@proxy:3128', NO_PROXY: 'localhost' },
    });
    expect(settings.HTTPS_PROXY).toBe('http://u:secret@proxy:3128');
    expect(settings.NO_PROXY).toBe('localhost');
    expect(describeSettings(settings).HTTPS_PROXY).toBe('***');
    // curl's host:port form is an http proxy.
    expect(resolveSettings({ env: { http_proxy: 'proxy:3128' } }).HTTP_PROXY).toBe('proxy:3128');
    expect(() => resolveSettings({ env: { HTTP_PROXY: 'socks5://proxy:1080' } })).toThrow(
      'environment variable HTTP_PROXY: invalid value *** for HTTP_PROXY: expected an http(s) proxy URL or host:port',
    );
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
    [['ITEM_PIPELINES.feed=soon'], 'expected a number or null'],
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

  it('masks credential headers in DEFAULT_REQUEST_HEADERS, and shows the others', () => {
    const headers = {
      'x-cg-pro-api-key': 'CG-in-a-header',
      'X-ApiKey': 'k3y',
      Authorization: 'Bearer t0ken',
      Accept: 'application/json',
    };
    const settings = resolveSettings({ overrides: [`DEFAULT_REQUEST_HEADERS=${JSON.stringify(headers)}`] });
    expect(describeSettings(settings).DEFAULT_REQUEST_HEADERS).toEqual({
      'x-cg-pro-api-key': '***',
      'X-ApiKey': '***',
      Authorization: '***',
      Accept: 'application/json',
    });
  });

  it('reads the status page settings: SERVE_TOKEN from its env name, a secret, 16 characters or more', () => {
    const settings = resolveSettings({
      env: { SERVE_TOKEN: 'serve-secret-0123456789', CRAWLER_SERVE_PORT: '9090' },
      flags: [{ flag: '--host', setting: 'SERVE_HOST', text: '0.0.0.0' }],
    });
    expect([settings.SERVE_TOKEN, settings.SERVE_PORT, settings.SERVE_HOST]).toEqual([
      'serve-secret-0123456789',
      9090,
      '0.0.0.0',
    ]);
    expect(resolveSettings().SERVE_HOST).toBe('127.0.0.1');
    expect(resolveSettings().SERVE_PORT).toBe(8080);
    expect(JSON.stringify(describeSettings(settings))).not.toContain('serve-secret');
    expect(() => resolveSettings({ env: { SERVE_TOKEN: 'short-secret' } })).toThrow(
      'environment variable SERVE_TOKEN: invalid value *** for SERVE_TOKEN: expected at least 16 characters',
    );
    expect(() =>
      resolveSettings({ flags: [{ flag: '--port', setting: 'SERVE_PORT', text: '65536' }] }),
    ).toThrow('--port: invalid value "65536" for SERVE_PORT: expected a whole number from 0 to 65535');
  });
});
