/**
 * What every CoinGecko spider shares beyond the API helpers: it makes CoinHistoryItems into the
 * original's day files, reads the API's 4xx messages, sends the key header of its plan at send time
 * (a secret: dropped if a redirect leaves the host), and knows the plan's published rate limit.
 */
import { Spider } from '../core/spider';
import type { CoinRangeArgs } from './coin-arguments';
import { apiKeyHeaders, KEY_HEADER_NAMES, planRateLimit } from './coingecko-api';

export abstract class CoinGeckoSpider<Args extends object = CoinRangeArgs> extends Spider<Args> {
  // 400 (bad parameters), 401 (key or 365-day limit), 403, 404 (unknown coin) carry messages worth reading.
  override readonly handleHttpStatusList = [400, 401, 403, 404];
  override readonly secretHeaderNames = KEY_HEADER_NAMES;

  override rateLimitPreset(): number {
    return planRateLimit(this.settings);
  }

  override requestHeaders(): Record<string, string> {
    return { accept: 'application/json', ...apiKeyHeaders(this.settings) };
  }
}
