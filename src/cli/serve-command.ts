/**
 * `crawl.ts serve`: the status page, a web server on SERVE_HOST:SERVE_PORT (127.0.0.1:8080) that
 * reads the database the other commands use (DATABASE_URL, or the embedded one) on read-only
 * connections. With SERVE_TOKEN set, the page can queue a daily run or a backfill; without it,
 * nothing can be changed. Any address but loopback needs SERVE_TOKEN. Ctrl-C or SIGTERM stops it.
 */
import { isIP } from 'node:net';
import type PgBoss from 'pg-boss';
import { Pool } from 'pg';
import type { Argv } from 'yargs';
import { UsageError } from '../core/errors';
import { createLogger, flushLogger } from '../core/logger';
import { openJobQueue } from '../scheduler/queue';
import type { Settings } from '../settings';
import { DEFAULT_SETTINGS } from '../settings';
import { ActionGuard } from '../web/auth';
import type { StatusContext } from '../web/context';
import { commonOptions, last, settingsFromArgv } from './options';
import { stopOnSignals } from './signals';

export function serveOptions<T>(yargs: Argv<T>) {
  return commonOptions(yargs)
    .option('host', {
      type: 'string',
      coerce: last,
      describe: `Address to listen on (setting SERVE_HOST, default ${DEFAULT_SETTINGS.SERVE_HOST}); not loopback: needs SERVE_TOKEN`,
    })
    .option('port', {
      type: 'string',
      coerce: last,
      describe: `Port (setting SERVE_PORT, default ${DEFAULT_SETTINGS.SERVE_PORT}; 0: any free one)`,
    });
}

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
export function isLoopback(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (name === 'localhost' || name === '::1') return true;
  return isIP(name) === 4 && name.startsWith('127.');
}

export async function runServeCommand(
  argv: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const settings = settingsFromArgv(argv, env);
  const loopback = isLoopback(settings.SERVE_HOST);
  if (!loopback && !settings.SERVE_TOKEN) {
    throw new UsageError(
      `--host ${settings.SERVE_HOST}: listening beyond this machine needs SERVE_TOKEN (16 characters or more)`,
      { seeHelp: false },
    );
  }
  const logger = createLogger({ level: settings.LOG_LEVEL, file: settings.LOG_FILE || undefined });
  try {
    return await serve(settings, loopback, logger);
  } finally {
    await flushLogger(logger);
  }
}

async function serve(
  settings: Settings,
  loopback: boolean,
  logger: ReturnType<typeof createLogger>,
): Promise<number> {
  // TypeORM, pg and PGlite take half a second to load: only the commands that use the database pay it.
  const { describeDatabase, errorSummary, openDatabase } = await import('../db/data-source.js');
  const options = { databaseUrl: settings.DATABASE_URL, dataDir: settings.DATA_DIR };
  const dataSource = await openDatabase(options, { readOnly: true });
  const queueDb = settings.DATABASE_URL
    ? new Pool({
        connectionString: settings.DATABASE_URL,
        max: 4,
        connectionTimeoutMillis: 10_000,
        application_name: `${settings.BOT_NAME}-serve`,
        options: '-c default_transaction_read_only=on',
      })
    : undefined;
  // An idle connection that drops (a restarted server) is replaced on the next page; say so.
  queueDb?.on('error', (error) => logger.warn(`job queue connection: ${errorSummary(error)}`));
  let jobQueue: Promise<PgBoss> | undefined;
  const context: StatusContext = {
    settings,
    dataSource,
    database: describeDatabase(options),
    queueDb,
    guard: new ActionGuard(settings.SERVE_TOKEN),
    logger,
    jobQueue: () =>
      (jobQueue ??= openJobQueue(settings, logger).catch((error) => {
        jobQueue = undefined;
        throw error;
      })),
    now: () => new Date(),
  };
  // Fastify and the pages load only for this command.
  const { buildStatusServer } = await import('../web/server.js');
  const app = await buildStatusServer(context, { loopback });
  const close = async () => {
    await app.close();
    await Promise.allSettled([
      jobQueue?.then((boss) => boss.stop({ graceful: false })),
      queueDb?.end(),
      dataSource.destroy(),
    ]);
  };
  try {
    await app.listen({ host: settings.SERVE_HOST, port: settings.SERVE_PORT });
  } catch (error) {
    await close();
    const { code, message } = error as { code?: string; message?: string };
    const where = `${settings.SERVE_HOST}:${settings.SERVE_PORT}`;
    if (code === 'EADDRINUSE')
      throw new UsageError(`--port ${settings.SERVE_PORT}: ${where} is in use`, { seeHelp: false });
    throw new UsageError(`--host ${settings.SERVE_HOST}: can't listen on ${where} (${code ?? message})`, {
      seeHelp: false,
    });
  }
  const { port } = app.server.address() as { port: number };
  const host =
    settings.SERVE_HOST.includes(':') && !settings.SERVE_HOST.startsWith('[')
      ? `[${settings.SERVE_HOST}]`
      : settings.SERVE_HOST;
  const actions = !context.guard.enabled
    ? 'read-only (set SERVE_TOKEN to allow actions)'
    : queueDb
      ? 'actions on (SERVE_TOKEN)'
      : 'read-only (actions need the job queue: set DATABASE_URL)';
  logger.info(`status page on http://${host}:${port}/ for ${context.database}; ${actions}`);
  const signals = stopOnSignals(logger, 'stopping the status page');
  try {
    await new Promise<void>((resolve) =>
      signals.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  } finally {
    signals.dispose();
    await close();
  }
  logger.info('status page stopped');
  return 0;
}
