/**
 * `/runs`: the job history of `crawl.ts runs`, newest first, filtered by state and queue, 50 a page;
 * each coin's backfill progress; and, when SERVE_TOKEN is set, the forms that queue jobs.
 */
import type { FastifyInstance } from 'fastify';
import { backfillProgress } from '../../scheduler/job-progress';
import { QUEUES } from '../../scheduler/queue';
import { JOB_STATES, listRuns } from '../../scheduler/runs';
import { SPIDERS } from '../../spiders';
import { utcDayOf } from '../../util/dates';
import type { StatusContext } from '../context';
import { choices, integer, Params } from '../params';
import { runsPage } from '../templates/runs';

export const RUNS_PER_PAGE = 50;

export function registerRunsRoutes(app: FastifyInstance, context: StatusContext): void {
  const { settings, queueDb, guard } = context;
  app.get('/runs', async (request, reply) => {
    const query = request.query as Params;
    const states = choices(query, 'state', JOB_STATES);
    const queues = choices(query, 'queue', Object.values(QUEUES));
    const page = integer(query, 'page', { min: 1, max: 100_000, fallback: 1 });
    // One more than a page tells whether there is a next one.
    const rows = queueDb
      ? await listRuns(queueDb, settings.QUEUE_SCHEMA, {
          limit: RUNS_PER_PAGE + 1,
          offset: (page - 1) * RUNS_PER_PAGE,
          states: states.length ? states : undefined,
          queues: queues.length ? queues : undefined,
        })
      : [];
    const backfills = queueDb ? await backfillProgress(queueDb, settings.QUEUE_SCHEMA) : [];
    reply.type('text/html; charset=utf-8').send(
      runsPage({
        runs: rows.slice(0, RUNS_PER_PAGE),
        hasNext: rows.length > RUNS_PER_PAGE,
        page,
        states,
        queues,
        backfills,
        queue: queueDb !== undefined,
        actions: guard.enabled && queueDb !== undefined ? { signedIn: guard.signedIn(request) } : undefined,
        today: utcDayOf(context.now()),
        dailyCoins: settings.DAILY_COINS,
        spiders: SPIDERS.map((spider) => spider.spiderName),
        database: context.database,
      }),
    );
  });
}
