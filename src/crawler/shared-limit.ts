/**
 * Which rate limit a crawl keeps: its own (RATE_LIMIT_SCOPE=process), or the one shared through
 * Postgres by every process on the same API key (RATE_LIMIT_SCOPE=database; see
 * src/db/shared-rate-limit.ts). Empty: the command's default (`database` for `worker`, `schedule` and
 * `backfill`, which need DATABASE_URL; `process` otherwise).
 */
import { UsageError } from '../core/errors';
import type { SharedLimit } from '../core/shared-limit';
import { openPostgresSharedLimit } from '../db/shared-rate-limit';
import type { RateLimitScope, Settings } from '../settings';

type ScopeSettings = Pick<
  Settings,
  'RATE_LIMIT_SCOPE' | 'DATABASE_URL' | 'API_KEY' | 'RATE_LIMIT_BACKOFF_MAX'
>;

/** The scope in force: the setting, or `fallback` when it is empty. */
export function rateLimitScope(settings: ScopeSettings, fallback: Exclude<RateLimitScope, ''>) {
  return settings.RATE_LIMIT_SCOPE || fallback;
}

/** Opens the shared limit when the scope is `database`; undefined for `process`. */
export async function openSharedLimit(
  settings: ScopeSettings,
  fallback: Exclude<RateLimitScope, ''>,
  onTrouble: (message: string) => void,
): Promise<SharedLimit | undefined> {
  if (rateLimitScope(settings, fallback) !== 'database') return undefined;
  if (!settings.DATABASE_URL)
    throw new UsageError(
      'RATE_LIMIT_SCOPE=database needs DATABASE_URL: the limit is shared through Postgres',
      { seeHelp: false },
    );
  return openPostgresSharedLimit({
    databaseUrl: settings.DATABASE_URL,
    apiKey: settings.API_KEY,
    onTrouble,
    countSpanMs: settings.RATE_LIMIT_BACKOFF_MAX * 1000,
  });
}
