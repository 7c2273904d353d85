/**
 * What every CoinGecko spider shares beyond the API helpers: it makes CoinHistoryItems, reads the
 * API's 4xx messages, sends the key header of its plan, and knows the plan's published rate limit.
 */
import { Spider } from '../core/spider';
import type { CoinHistoryItem } from '../items/coin-history-item';
import { apiKeyHeaders, planRateLimit } from './coingecko-api';

export abstract class CoinGeckoSpider extends Spider<CoinHistoryItem> {
  // 400 (bad parameters), 401 (key or 365-day limit), 403, 404 (unknown coin) carry messages worth reading.
  override readonly handleHttpStatusList = [400, 401, 403, 404];

  override rateLimitPreset(): number {
    return planRateLimit(this.settings);
  }

  override requestHeaders(): Record<string, string> {
    return {
      accept: 'application/json',
      'user-agent': this.settings.USER_AGENT,
      ...apiKeyHeaders(this.settings),
    };
  }
}
