/**
 * `crawl.ts report NAME`: runs the stored query `sql/queries/NAME.sql` on the database (DATABASE_URL,
 * or the embedded one) and prints its result on stdout, as an aligned table (default), CSV or JSON.
 * Every query takes the same three positional parameters, from the same flags as `reprocess`:
 * `$1` coin ids, comma-separated (`--coin-id`), `$2` first day (`--start-date`), `$3` last day
 * (`--end-date`); each NULL when not given. Logs go to stderr, so stdout holds the result alone.
 */
import type { Argv } from 'yargs';
import { UsageError } from '../core/errors';
import { createLogger, flushLogger } from '../core/logger';
import { openPriceStore } from '../db/open-store';
import { knownReports, QUERIES_DIR, runReport } from '../db/reports';
import { validateDayFilter } from '../core/crawl-args';
import { checkFormat, commonOptions, formatOption, rangeOptions, settingsFromArgv } from './options';
import { formatRows, Row } from '../util/row-format';

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
    const { dataSource, description } = await openPriceStore(settings, () => logger);
    let rows: Row[];
    try {
      rows = await runReport(dataSource, name, filter);
    } finally {
      await dataSource.destroy();
    }
    const output = formatRows(rows, format);
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
