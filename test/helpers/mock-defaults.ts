/**
 * The mock API's options as a test starts from them: no rate limit, no faults, no key, the pro plan
 * (no 365-day rule), today's date. Tests that change the mock put it back with `mock.configure(...)`.
 */
import type { MockApiOptions } from '../mock-api/server';

export const MOCK_DEFAULTS: Partial<MockApiOptions> = {
  rateLimit: undefined,
  faults: undefined,
  plan: 'pro',
  apiKey: undefined,
  today: undefined,
  latencyMs: 0,
};
