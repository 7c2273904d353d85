// Why: the CLI's compact flag forms (`--rate-limit 20/5s`, `--faults 5xx=0.1,reset=0.03`) are parsed here,
// apart from yargs, so that they can be unit-tested and give one clear error message each.
import type { MockFaults } from './types';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000 };

/** `N/W` with W like `5s`, `60s`, `500ms`, `1m` (a bare number means seconds). */
export function parseRateLimit(text: string): { limit: number; windowMs: number } {
  const [limitText, windowText = ''] = text.split('/');
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(windowText.trim());
  const limit = Number(limitText);
  if (!m || !Number.isInteger(limit) || limit < 1) {
    throw new Error(`--rate-limit must look like 20/5s (requests/window), got '${text}'`);
  }
  const windowMs = Number(m[1]) * UNIT_MS[m[2] ?? 's'];
  if (!(windowMs > 0)) throw new Error(`--rate-limit window must be positive, got '${text}'`);
  return { limit, windowMs };
}

const FAULT_KEYS: Readonly<Record<string, keyof MockFaults>> = {
  '5xx': 'error5xx',
  reset: 'reset',
  hang: 'hang',
  truncated: 'truncated',
};

/** `5xx=0.1,reset=0.03,hang=0.01,truncated=0.03` (any subset) to fault probabilities. */
export function parseFaults(text: string): MockFaults {
  const faults: MockFaults = {};
  let sum = 0;
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const [name, value] = part.split('=').map((s) => s.trim());
    const key = FAULT_KEYS[name];
    const p = Number(value);
    if (!key || value === undefined || value === '' || !(p >= 0 && p <= 1)) {
      throw new Error(`--faults must look like 5xx=0.1,reset=0.03,hang=0.01,truncated=0.03, got '${part}'`);
    }
    faults[key] = p;
    sum += p;
  }
  if (sum > 1) throw new Error(`--faults probabilities sum to ${sum}, more than 1`);
  return faults;
}
