/**
 * `coingecko-crawler report NAME`: runs the stored query `sql/queries/NAME.sql` on the database
 * (DATABASE_URL, or the embedded one), read only, and prints its result on stdout, as an aligned
 * table (default), CSV (always with its header) or JSON. A database with no stored price is exit 1.
 * Every query takes the same three positional parameters, from the same flags as `reprocess`:
 * `$1` coin ids, comma-separated (`--coin-id`), `$2` first day (`--start-date`), `$3` last day
 * (`--end-date`); each NULL when not given. Logs go to stderr, so stdout holds the result alone.
 */
import type { Argv } from 'yargs';
import { validateDayFilter } from '../core/crawl-args';
import { UsageError } from '../core/errors';
import { createLogger, flushLogger } from '../core/logger';
import { openStoredPrices } from '../db/open-readonly';
import { knownReports, QUERIES_DIR, runReport } from '../db/reports';
import { formatRows, Row } from '../util/row-format';
import { checkFormat, commonOptions, formatOption, rangeOptions, settingsFromArgv } from './options';

export function reportOptions<T>(yargs: Argv<T>) {
  return commonOptions(rangeOptions(yargs, false))
    .positional('name', {
      type: 'string',
      describe: `The report: a query of sql/queries (${knownReports().join(', ') || 'none yet'})`,
    })
    .option('format', formatOption);
}

export async function runReportCommand(
  argv: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  // Everything the user typed is checked before the database is opened or anything is logged.
  const name = String(argv.name ?? '');
  const known = knownReports();
  if (!known.includes(name)) {
    throw new UsageError(
      `report ${JSON.stringify(name)}: unknown; known reports: ${known.join(', ') || `none in ${QUERIES_DIR}`}`,
    );
  }
  const format = checkFormat(argv.format);
  const filter = validateDayFilter({
    coinIds: argv['coin-id'] as string[] | undefined,
    startDate: argv['start-date'] as string | undefined,
    endDate: argv['end-date'] as string | undefined,
  });
  const settings = settingsFromArgv(argv, env);

  const logger = createLogger({ level: settings.LOG_LEVEL, file: settings.LOG_FILE || undefined });
  try {
    // Read only: a report never creates tables, nor a database under a mistyped --data-dir.
    const { dataSource, description } = await openStoredPrices(settings);
    if (!dataSource) {
      logger.error(`no stored prices in ${description}; crawl with --db-store first`);
      return 1;
    }
    let result: { rows: Row[]; columns: string[] };
    try {
      result = await runReport(dataSource, name, filter);
    } finally {
      await dataSource.destroy();
    }
    const { rows, columns } = result;
    const output = formatRows(rows, format, columns);
    await new Promise<void>((done, fail) =>
      process.stdout.write(output, (error) => (error ? fail(error) : done())),
    );
    const filters = [
      filter.coinIds && `coins ${filter.coinIds.join(', ')}`,
      filter.startDate && `from ${filter.startDate}`,
      filter.endDate && `to ${filter.endDate}`,
    ].filter(Boolean);
    logger.info(
      `report ${name} on ${description}${filters.length ? ` (${filters.join(', ')})` : ''}: ${rows.length} rows`,
    );
    return 0;
  } finally {
    await flushLogger(logger);
  }
}
