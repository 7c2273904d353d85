/**
 * The actions, when SERVE_TOKEN is set: sign in (sets the session cookie from the token), sign out,
 * and queue a daily run or a backfill with the same checks and the same code as `daily --enqueue`
 * and `backfill`. Each is a POST; each action needs the token (header or session) and is logged,
 * refused ones too (never with the token).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkBackfillRequest, checkDailyRequest } from '../../scheduler/job-requests';
import { queueBackfillJobs, queueDailyJobs, QueuedJob } from '../../scheduler/jobs';
import { requireDatabaseUrl } from '../../scheduler/queue';
import { DEFAULT_SPIDER } from '../../spiders';
import { utcDayOf } from '../../util/dates';
import type { Caller } from '../auth';
import type { StatusContext } from '../context';
import { HttpError } from '../http-error';
import { FIELD_NAMES, list, Params, text } from '../params';
import { queuedPage } from '../templates/actions';

export function registerActionRoutes(app: FastifyInstance, context: StatusContext): void {
  const { settings, guard, logger } = context;

  /** The caller, or a logged 403. */
  const caller = (request: FastifyRequest): Caller => {
    try {
      return guard.check(request);
    } catch (error) {
      logger.warn(
        `action refused: ${request.method} ${request.url} from ${request.ip}: ${(error as Error).message}`,
      );
      throw error;
    }
  };

  app.post('/session', async (request, reply) => {
    if (!guard.enabled) caller(request);
    if (!guard.isToken(text(request.body as Params, 'token') ?? '')) {
      logger.warn(`sign-in refused from ${request.ip}: wrong token`);
      throw new HttpError(403, 'wrong token');
    }
    guard.startSession(reply);
    logger.info(`signed in from ${request.ip}`);
    reply.redirect('/runs', 303);
  });

  app.post('/session/end', async (_request, reply) => {
    guard.endSession(reply);
    reply.redirect('/runs', 303);
  });

  app.post('/actions/daily', async (request, reply) => {
    const who = caller(request);
    const body = request.body as Params | undefined;
    const daily = checkDailyRequest(
      { date: text(body, 'date'), coinIds: list(body, 'coin-id') },
      settings,
      FIELD_NAMES,
      utcDayOf(context.now()),
    );
    requireDatabaseUrl(settings);
    const jobs = await queueDailyJobs(await context.jobQueue(), settings, daily.coinIds, daily.date);
    answer(request, reply, who, 'daily', jobs);
  });

  app.post('/actions/backfill', async (request, reply) => {
    const who = caller(request);
    const body = request.body as Params | undefined;
    const backfill = checkBackfillRequest(
      {
        coinIds: list(body, 'coin-id'),
        startDate: text(body, 'start-date'),
        endDate: text(body, 'end-date'),
        spider: text(body, 'spider') ?? DEFAULT_SPIDER,
      },
      FIELD_NAMES,
      utcDayOf(context.now()),
    );
    requireDatabaseUrl(settings);
    const jobs = await queueBackfillJobs(await context.jobQueue(), settings, backfill);
    answer(request, reply, who, 'backfill', jobs);
  });

  /** Logs what was queued, and answers with it: JSON for programs, a page for the browser. */
  function answer(
    request: FastifyRequest,
    reply: FastifyReply,
    who: Caller,
    kind: string,
    jobs: QueuedJob[],
  ) {
    const lines = jobs.map(
      (job) => `${job.queued ? 'queued' : `already queued (${job.existing})`}: ${kind} ${job.key}`,
    );
    logger.info(`action ${kind} from ${request.ip} (${who.via}): ${lines.join('; ')}`);
    const accept = request.headers.accept ?? '';
    if (accept.includes('application/json') && !accept.includes('text/html')) {
      reply.send({ jobs: jobs.map((job) => ({ queue: kind, ...job })) });
      return;
    }
    reply.type('text/html; charset=utf-8').send(queuedPage(kind, lines, context.database));
  }
}
