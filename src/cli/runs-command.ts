/**
 * `coingecko-crawler runs`: the recent jobs of the queue (daily, backfill, and the schedule's own), newest
 * first, with coin, days, state, attempts, items stored, duration and the last error. A table for
 * people; `--format json` (or csv) for programs.
 */
import type { Argv } from 'yargs';
import { UsageError } from '../core/errors';
import { queueSummary, summaryLines } from '../scheduler/queue-summary';
import { JOB_STATES, listRuns, withClient } from '../scheduler/runs';
import { queueUnreachable, requireDatabaseUrl } from '../scheduler/queue';
import { checkFormat, commonOptions, formatOption, numberFlag, settingsFromArgv } from './options';
import { formatRows, Row } from '../util/row-format';

const STATES: readonly string[] = JOB_STATES;

export function runsOptions<T>(yargs: Argv<T>) {
  return commonOptions(yargs)
    .option('format', formatOption)
    .option('limit', { ...numberFlag('limit', 'How many jobs, newest first'), default: 50 })
    .option('summary', {
      type: 'boolean',
      describe:
        'Only the summary: jobs waiting, active, completed and failed per queue, and the backfill done',
    })
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
  const summaryOnly = argv.summary === true;
  const [summary, runs] = await withClient(
    databaseUrl,
    async (db) =>
      [
        await queueSummary(db, settings.QUEUE_SCHEMA),
        summaryOnly ? [] : await listRuns(db, settings.QUEUE_SCHEMA, { limit, states }),
      ] as const,
  ).catch((error) => {
    throw queueUnreachable(settings, error);
  });
  if (summaryOnly) {
    // For programs: the per-queue counts as rows (json, csv), or the lines people read.
    if (format === 'table') process.stdout.write(`${summaryLines(summary).join('\n')}\n`);
    else if (format === 'json') process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else process.stdout.write(formatRows(summary.queues as unknown as Row[], format));
    return 0;
  }
  // The table gets the summary above it; json and csv stay the rows alone, as programs read them.
  if (format === 'table') process.stdout.write(`${summaryLines(summary).join('\n')}\n\n`);
  process.stdout.write(formatRows(runs as unknown as Row[], format));
  return 0;
}
