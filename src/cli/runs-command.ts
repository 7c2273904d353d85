/**
 * `coingecko-crawler runs`: the recent jobs of the queue (daily, backfill, and the schedule's own), newest
 * first, with coin, days, state, attempts, items stored, duration and the last error. A table for
 * people; `--format json` (or csv) for programs.
 */
import type { Argv } from 'yargs';
import { UsageError } from '../core/errors';
import { JOB_STATES, listRuns, withClient } from '../scheduler/runs';
import { queueUnreachable, requireDatabaseUrl } from '../scheduler/queue';
import { checkFormat, commonOptions, formatOption, numberFlag, settingsFromArgv } from './options';
import { formatRows, Row } from '../util/row-format';

const STATES: readonly string[] = JOB_STATES;

export function runsOptions<T>(yargs: Argv<T>) {
  return commonOptions(yargs)
    .option('format', formatOption)
    .option('limit', { ...numberFlag('limit', 'How many jobs, newest first'), default: 50 })
    .option('state', {
      type: 'string',
      array: true,
      describe: `Only jobs in these states (${STATES.join(', ')})`,
    });
}

export async function runRunsCommand(argv: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<number> {
  const format = checkFormat(argv.format);
  const limit = Number(argv.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new UsageError(`--limit ${JSON.stringify(String(argv.limit))}: expected a whole number >= 1`);
  }
  const states = (argv.state as string[] | undefined)?.flatMap((text) => text.split(','));
  const unknown = states?.find((state) => !STATES.includes(state));
  if (unknown !== undefined) {
    throw new UsageError(`--state ${JSON.stringify(unknown)}: expected one of ${STATES.join(', ')}`);
  }
  const settings = settingsFromArgv(argv, env);
  const databaseUrl = requireDatabaseUrl(settings);
  const runs = await withClient(databaseUrl, (db) =>
    listRuns(db, settings.QUEUE_SCHEMA, { limit, states }),
  ).catch((error) => {
    throw queueUnreachable(settings, error);
  });
  process.stdout.write(formatRows(runs as unknown as Row[], format));
  return 0;
}
