/**
 * `crawl.ts migrate` (`npm run db:migrate`): creates or updates the tables, then says where they are.
 * A crawl with `--db-store` does the same before its first request.
 */
import { createLogger, flushLogger } from '../core/logger';
import { openPriceStore } from '../db/open-store';
import { settingsFromArgv } from './options';

export async function runMigrateCommand(
  argv: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const settings = settingsFromArgv(argv, env);
  const logger = createLogger({ level: settings.LOG_LEVEL, file: settings.LOG_FILE || undefined });
  try {
    const { dataSource, description } = await openPriceStore(settings, () => logger);
    const applied = (await dataSource.query('SELECT name FROM migrations ORDER BY id')) as { name: string }[];
    await dataSource.destroy();
    logger.info(`schema up to date in ${description}: ${applied.map((m) => m.name).join(', ')}`);
    return 0;
  } finally {
    await flushLogger(logger);
  }
}
