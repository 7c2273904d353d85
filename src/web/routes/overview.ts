/**
 * `/`: per coin, the last stored day, the days stored, the missing days of the last 30 and 365
 * days, and how today's daily run went; and the last jobs that failed. Red where data is late or a
 * job failed.
 */
import cronParser from 'cron-parser';
import type { FastifyInstance } from 'fastify';
import { coinCoverage } from '../../db/coverage';
import { dailyJobStates } from '../../scheduler/job-progress';
import { listRuns } from '../../scheduler/runs';
import type { Settings } from '../../settings';
import { addDays, utcDayOf } from '../../util/dates';
import type { StatusContext } from '../context';
import { CoinStatus, overviewPage, TodayRun } from '../templates/overview';

export function registerOverviewRoutes(app: FastifyInstance, context: StatusContext): void {
  const { settings, dataSource, queueDb } = context;
  app.get('/', async (_request, reply) => {
    const now = context.now();
    const today = utcDayOf(now);
    const yesterday = addDays(today, -1);
    const coverage = await coinCoverage(dataSource, settings.DAILY_COINS, today);
    const jobs = queueDb
      ? await dailyJobStates(queueDb, settings.QUEUE_SCHEMA, today)
      : new Map<string, string>();
    const failures = queueDb
      ? await listRuns(queueDb, settings.QUEUE_SCHEMA, { limit: 5, states: ['failed', 'retry'] })
      : [];
    const schedulePassed = scheduledToday(settings, now, today);
    const coins: CoinStatus[] = coverage.map((coin) => ({
      ...coin,
      late: coin.last_day === null || coin.last_day < yesterday,
      today: todayRun(
        settings.DAILY_COINS.includes(coin.coin_id),
        jobs.get(coin.coin_id),
        coin.last_day === today,
        schedulePassed,
      ),
    }));
    reply.type('text/html; charset=utf-8').send(
      overviewPage({
        coins,
        failures,
        today,
        yesterday,
        database: context.database,
        queue: queueDb !== undefined,
      }),
    );
  });
}

/** Whether the schedule (SCHEDULE_CRON) has fired today (UTC) before now. */
function scheduledToday(settings: Settings, now: Date, today: string): boolean {
  const previous = cronParser
    .parseExpression(settings.SCHEDULE_CRON, { tz: settings.SCHEDULE_TIMEZONE, currentDate: now })
    .prev()
    .toDate();
  return utcDayOf(previous) === today;
}

/** Today's run of one coin: its daily job's state, else whether today's day is stored (a cron `daily`). */
function todayRun(
  daily: boolean,
  state: string | undefined,
  storedToday: boolean,
  schedulePassed: boolean,
): TodayRun {
  if (state === 'completed') return { label: 'completed', bad: false };
  if (state === 'failed' || state === 'cancelled') return { label: state, bad: true };
  if (state === 'retry') return { label: 'failed, will retry', bad: true };
  if (state === 'active') return { label: 'running', bad: false };
  if (state === 'created') return { label: 'queued', bad: false };
  if (storedToday) return { label: 'stored', bad: false };
  if (!daily) return { label: 'not a daily coin', bad: false };
  return schedulePassed ? { label: 'late: not run yet', bad: true } : { label: 'not due yet', bad: false };
}
