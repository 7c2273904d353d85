/**
 * `autothrottle`: Scrapy's AutoThrottle extension. With AUTOTHROTTLE_ENABLED, every host gets an
 * AutoThrottle (src/core/autothrottle.ts) that widens the spacing of its requests from the server's
 * latency. It learns inside the throttle's gate, from every answer including retries, so it listens
 * to no signal; without AUTOTHROTTLE_ENABLED it is not configured.
 */
import { AutoThrottle } from '../core/autothrottle';
import type { ExtensionContext, Extension } from '../core/extension';

export function autoThrottleExtension({ settings, throttle }: ExtensionContext): Extension | null {
  if (!settings.AUTOTHROTTLE_ENABLED) return null;
  throttle.useAutoThrottle(() => new AutoThrottle(settings));
  return {};
}
