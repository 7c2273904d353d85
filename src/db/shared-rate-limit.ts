/**
 * The shared rate limit (RATE_LIMIT_SCOPE=database) kept in Postgres: no new server, one statement
 * per request (and one per admitted answer while an untold limit is being learned).
 *
 * A row per key and host holds the next free start and the shared pause. A request claims the start
 * when it is due, with one UPDATE that moves the next free start to `spacing` after now (the row lock
 * makes claimants queue; one claimant per process at a time), so N processes together send at the
 * told rate, spread evenly over whoever is sending: a process that stops sending, or dies with
 * kill -9, holds no share at all, and nothing is booked ahead that a late process could crowd. Times
 * are the server's clock (`clock_timestamp()`), handed back as "in so many ms", so the machines'
 * clocks need not agree.
 *
 * A pause (a 429 with retry-after) is written to the row, so every later start waits for it, and
 * sent with NOTIFY, so processes waiting on their own pause hear it at once. Each process also holds
 * a lease on the key, renewed by a heartbeat (which also reads the shared pauses): how many processes
 * share the limit (for the log) comes from the leases that have not expired, so a killed one stops
 * counting after LEASE_MS.
 *
 * An untold limit is learned in the row too, as one process learns it alone (host-throttle.ts), but
 * from what all of them saw: each admitted answer adds one to the row's count (only while nothing is
 * learned: the first window or two), so the first refusal finds the fleet's budget there (taken
 * half-way through its pause, once the answers in flight are in), and the window's length is the
 * time from the window's first admitted request to when the server said it frees up (retry-after),
 * or to the first request admitted again (without one). The learned budget and length are sent with
 * NOTIFY and read by the heartbeat; from then on every process claims starts a window / budget
 * apart, as for a told rate. Admissions sent before a refusal was counted go to no window, so a late
 * answer cannot shrink the next one's count.
 *
 * The key is stored as a hash, never as itself. When the database is away (a restart), a process
 * keeps its own spacing and goes back to the shared one as soon as a statement succeeds again.
 *
 * rate-limiter-flexible (RateLimiterPostgres) was considered: it counts points per fixed window, which
 * lets a window's points go in a burst, and has no shared "pause until"; the even spacing and the
 * shared pause are each one statement here.
 */
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { LearnedLimit, SharedHostLimit, SharedLimit } from '../core/shared-limit';
import { UsageError } from '../core/errors';
import { describeDatabase, errorSummary } from './describe';

export interface PostgresSharedLimitOptions {
  databaseUrl: string;
  /** The API key the limit belongs to ('' for none); only its hash leaves this process. */
  apiKey: string;
  /** Told when the shared state cannot be reached, and when it can again (for the log). */
  onTrouble?: (message: string) => void;
  /**
   * While a limit is learned, answers admitted more than this long before the latest one restart the
   * count (RATE_LIMIT_BACKOFF_MAX): a count kept since a quiet spell hours ago would make a budget of
   * hours, and a learned limit is kept in the row for every later process.
   */
  countSpanMs: number;
}

/**
 * How often a process writes the answers it was admitted while a limit is learned: one statement per
 * answer would queue without bound on a fast host, behind the claims and the heartbeat.
 */
const ADMITTED_WRITE_MS = 250;
/** How often a process renews its leases and reads the shared pauses. */
const HEARTBEAT_MS = 1000;
/** A lease not renewed for this long belongs to a dead process. */
const LEASE_MS = 5000;
/** Any number fixed for this project: the advisory lock taken to create the tables. */
const SCHEMA_LOCK = 7_140_331_863;
const CHANNEL = 'crawler_rate_limit';

const SCHEMA_SQL = `
  CREATE TABLE IF NOT EXISTS crawler_rate_limit (
    key_hash text NOT NULL,
    host text NOT NULL,
    next_start_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    paused_until timestamptz NOT NULL DEFAULT 'epoch',
    PRIMARY KEY (key_hash, host)
  );
  CREATE TABLE IF NOT EXISTS crawler_rate_limit_lease (
    key_hash text NOT NULL,
    process_id uuid NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (key_hash, process_id)
  );
  -- The untold limit being learned (added after the first release: tables made before get them here).
  -- window_ms > 0: learned, budget requests per window_ms. Else budget and window_started_at are the
  -- refused window's, waiting for its length, and admitted counts the window since counted_since.
  ALTER TABLE crawler_rate_limit
    ADD COLUMN IF NOT EXISTS admitted int NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS first_admitted_at timestamptz,
    ADD COLUMN IF NOT EXISTS counted_since timestamptz NOT NULL DEFAULT 'epoch',
    ADD COLUMN IF NOT EXISTS budget int NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS window_started_at timestamptz,
    ADD COLUMN IF NOT EXISTS window_ms float8 NOT NULL DEFAULT 0;`;

/**
 * Takes the start if it is due (and no pause holds): the next one is then `spacing` after now. Else says
 * how long until it is due. The outer SELECT sees the row as it was before the UPDATE.
 */
const CLAIM_SQL = `
  WITH claimed AS (
    UPDATE crawler_rate_limit SET next_start_at = clock_timestamp() + make_interval(secs => $3::float8 / 1000)
     WHERE key_hash = $1 AND host = $2
       AND next_start_at <= clock_timestamp() AND paused_until <= clock_timestamp()
    RETURNING 1)
  SELECT (SELECT count(*) FROM claimed)::int AS claimed,
         extract(epoch FROM next_start_at - clock_timestamp()) * 1000 AS wait_ms,
         extract(epoch FROM paused_until - clock_timestamp()) * 1000 AS paused_ms
    FROM crawler_rate_limit WHERE key_hash = $1 AND host = $2`;

const ROW_SQL = `INSERT INTO crawler_rate_limit (key_hash, host) VALUES ($1, $2) ON CONFLICT DO NOTHING`;

const PAUSE_SQL = `
  WITH paused AS (
    INSERT INTO crawler_rate_limit AS l (key_hash, host, paused_until)
    VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3::float8 / 1000))
    ON CONFLICT (key_hash, host) DO UPDATE SET paused_until = greatest(l.paused_until, excluded.paused_until)
    RETURNING l.paused_until)
  SELECT pg_notify('${CHANNEL}', json_build_object('key', $1::text, 'host', $2::text,
           'ms', extract(epoch FROM paused_until - clock_timestamp()) * 1000)::text)
    FROM paused`;

const HEARTBEAT_SQL = `
  WITH renewed AS (
    INSERT INTO crawler_rate_limit_lease (key_hash, process_id, expires_at)
    VALUES ($1, $2, clock_timestamp() + make_interval(secs => $4::float8 / 1000))
    ON CONFLICT (key_hash, process_id) DO UPDATE SET expires_at = excluded.expires_at),
  expired AS (
    DELETE FROM crawler_rate_limit_lease WHERE expires_at < clock_timestamp() - interval '1 hour')
  SELECT host, extract(epoch FROM paused_until - clock_timestamp()) * 1000 AS paused_ms, budget, window_ms
    FROM crawler_rate_limit WHERE key_hash = $1 AND host = ANY($3::text[])`;

/** `secs` ms from now ($3, negative for the past) as a time of the server's clock. */
const AT = `clock_timestamp() + make_interval(secs => $3::float8 / 1000)`;

/** What the processes hear when a limit is learned (as a pause, with NOTIFY). */
const NOTIFY_LEARNED = `pg_notify('${CHANNEL}', json_build_object('key', $1::text, 'host', $2::text,
           'budget', budget, 'windowMs', window_ms)::text)`;

/** The count so far began more than the count's span ($4 ms) before this answer: it starts again. */
const STALE = `first_admitted_at < ${AT} - make_interval(secs => $4::float8 / 1000)`;

/** $5 admitted answers, the first sent at $3, counted toward the window being learned. */
const ADMITTED_SQL = `
  UPDATE crawler_rate_limit
     SET admitted = CASE WHEN ${STALE} THEN $5 ELSE admitted + $5 END,
         first_admitted_at = CASE WHEN ${STALE} THEN ${AT} ELSE least(first_admitted_at, ${AT}) END
   WHERE key_hash = $1 AND host = $2 AND window_ms = 0 AND ${AT} > counted_since`;

/**
 * A refusal: the count is the window's budget; with the window's end ($3, from the retry-after) its
 * length is learned at once. Refusals of a window already counted find a count of 0 and change nothing.
 */
const REFUSED_SQL = `
  WITH counted AS (
    UPDATE crawler_rate_limit
       SET budget = admitted, window_started_at = first_admitted_at,
           window_ms = CASE WHEN $3::float8 IS NULL THEN 0
             ELSE greatest(1, extract(epoch FROM ${AT} - first_admitted_at) * 1000) END,
           admitted = 0, first_admitted_at = NULL, counted_since = clock_timestamp()
     WHERE key_hash = $1 AND host = $2 AND window_ms = 0 AND admitted > 0
    RETURNING budget, window_ms)
  SELECT budget, window_ms, ${NOTIFY_LEARNED} FROM counted WHERE window_ms > 0`;

/** The refused window admitted a request sent at $3 again: its length is from its first admitted. */
const REOPENED_SQL = `
  WITH learned AS (
    UPDATE crawler_rate_limit SET window_ms = extract(epoch FROM ${AT} - window_started_at) * 1000
     WHERE key_hash = $1 AND host = $2 AND window_ms = 0 AND budget > 0 AND ${AT} > window_started_at
    RETURNING budget, window_ms)
  SELECT budget, window_ms, ${NOTIFY_LEARNED} FROM learned`;

const PROCESSES_SQL = `
  SELECT count(*)::int AS n FROM crawler_rate_limit_lease
   WHERE key_hash = $1 AND (expires_at > clock_timestamp() OR process_id = $2)`;

/** The key as the tables know it: a hash, so the key itself is never stored. */
export function limitKeyHash(apiKey: string): string {
  return createHash('sha256').update(`coingecko-crawler rate limit\0${apiKey}`).digest('hex').slice(0, 32);
}

/** Connects, creates the tables if needed and starts the heartbeat; a UsageError if unreachable. */
export async function openPostgresSharedLimit(options: PostgresSharedLimitOptions): Promise<SharedLimit> {
  const limit = new PostgresSharedLimit(options);
  try {
    await limit.open();
  } catch (error) {
    await limit.close();
    const where = describeDatabase({ databaseUrl: options.databaseUrl, dataDir: '' });
    throw new UsageError(
      `RATE_LIMIT_SCOPE=database: database unreachable: ${where} (${errorSummary(error)})`,
      {
        seeHelp: false,
      },
    );
  }
  return limit;
}

class PostgresSharedLimit implements SharedLimit {
  private readonly keyHash: string;
  private readonly processId = randomUUID();
  private readonly pool: pg.Pool;
  private listener: pg.Client | undefined;
  private readonly hosts = new Map<string, HostLimit>();
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;
  private troubled = false;

  constructor(private readonly options: PostgresSharedLimitOptions) {
    this.keyHash = limitKeyHash(options.apiKey);
    this.pool = new pg.Pool({ connectionString: options.databaseUrl, max: 2, connectionTimeoutMillis: 5000 });
    // An idle connection dropped by a server restart: the next statement gets a new one.
    this.pool.on('error', () => undefined);
  }

  async open(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await client.query(SCHEMA_SQL);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    await this.listen();
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  forHost(host: string): SharedHostLimit {
    let limit = this.hosts.get(host);
    if (!limit) {
      limit = new HostLimit(host, this);
      this.hosts.set(host, limit);
    }
    return limit;
  }

  async processes(): Promise<number> {
    await this.beat();
    const rows = await this.query<{ n: number }>(PROCESSES_SQL, [this.keyHash, this.processId]);
    return rows?.[0]?.n ?? 1;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    // Leaving frees nothing that is not free already (starts are taken per request); the lease goes
    // so that the others' count is right at once.
    await this.pool
      .query('DELETE FROM crawler_rate_limit_lease WHERE key_hash = $1 AND process_id = $2', [
        this.keyHash,
        this.processId,
      ])
      .catch(() => undefined);
    await this.listener?.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }

  /** Runs a statement for a host's limit; undefined when the database cannot be reached. */
  async query<T extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<T[] | undefined> {
    if (this.closed) return undefined;
    try {
      const { rows } = await this.pool.query<T>(sql, values);
      if (this.troubled) this.options.onTrouble?.('shared rate limit: the database is back; sharing again');
      this.troubled = false;
      return rows;
    } catch (error) {
      if (!this.troubled)
        this.options.onTrouble?.(
          `shared rate limit: database unreachable (${errorSummary(error)}); ` +
            'keeping this process to its own spacing until it is back',
        );
      this.troubled = true;
      return undefined;
    }
  }

  get countSpanMs(): number {
    return this.options.countSpanMs;
  }

  get key(): string {
    return this.keyHash;
  }

  private async beat(): Promise<void> {
    const hosts = [...this.hosts.keys()];
    const rows = await this.query<{ host: string } & Heard>(HEARTBEAT_SQL, [
      this.keyHash,
      this.processId,
      hosts,
      LEASE_MS,
    ]);
    for (const row of rows ?? []) this.hosts.get(row.host)?.heard(row);
    if (!this.listener && !this.closed) await this.listen().catch(() => undefined);
  }

  /** Hears pauses at once (NOTIFY) rather than at the next heartbeat. */
  private async listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      connectionTimeoutMillis: 5000,
    });
    const lost = () => {
      if (this.listener === client) this.listener = undefined;
      void client.end().catch(() => undefined);
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', ({ payload }) => {
      try {
        const { key, host, ms, budget, windowMs } = JSON.parse(payload ?? '') as {
          key: string;
          host: string;
          ms?: number;
          budget?: number;
          windowMs?: number;
        };
        if (key === this.keyHash) this.hosts.get(host)?.heard({ paused_ms: ms, budget, window_ms: windowMs });
      } catch {
        // Not ours: ignore.
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      lost();
      throw error;
    }
    if (this.closed) await client.end().catch(() => undefined);
    else this.listener = client;
  }
}

/** What a process hears of a host's row: the pause (ms from now) and the learned limit (0: none). */
interface Heard {
  paused_ms?: number | null;
  budget?: number | null;
  window_ms?: number | null;
}

class HostLimit implements SharedHostLimit {
  private sharedPausedUntil = 0;
  private learnedLimit: LearnedLimit | undefined;
  /** This process's last start here: never closer than the spacing, also across a database outage. */
  private lastStartAt = 0;
  /** The claim in progress here: one at a time per process, the others queue behind it. */
  private claiming: Promise<void> = Promise.resolve();
  private rowMade = false;
  /** Answers admitted and not yet counted in the row: written together every ADMITTED_WRITE_MS. */
  private unwritten = { count: 0, firstSentAt: 0 };
  private writeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly host: string,
    private readonly owner: PostgresSharedLimit,
  ) {}

  async claim(spacingMs: number, signal?: AbortSignal): Promise<void> {
    const previous = this.claiming;
    let done = () => {};
    this.claiming = new Promise((resolve) => (done = resolve));
    try {
      await previous;
      await this.claimAlone(spacingMs, signal);
    } finally {
      done();
    }
  }

  /**
   * Claims at the moment the start is due, not ahead of it: a request then goes right after its claim,
   * so a process that is late (a busy machine) never sends closer to the next one than the spacing.
   */
  private async claimAlone(spacingMs: number, signal?: AbortSignal): Promise<void> {
    const key = this.owner.key;
    for (;;) {
      // This process's own spacing first: it holds alone while the database is away, and across the
      // switch to it and back.
      const ownWaitMs = this.lastStartAt + spacingMs - Date.now();
      if (ownWaitMs > 0) await sleep(ownWaitMs, undefined, { signal });
      signal?.throwIfAborted();
      await this.makeRow();
      const rows = await this.owner.query<{ claimed: number; wait_ms: number; paused_ms: number }>(
        CLAIM_SQL,
        [key, this.host, spacingMs],
      );
      if (!rows || rows[0]?.claimed) {
        // Claimed; or the database is away, and this process's own spacing is all there is.
        this.lastStartAt = Date.now();
        return;
      }
      if (!rows.length) {
        this.rowMade = false;
        continue;
      }
      const [row] = rows;
      this.heard(row);
      // Due in so long; at least 1 ms, as another process just took it.
      await sleep(Math.max(1, Number(row.wait_ms), Number(row.paused_ms)), undefined, { signal });
    }
  }

  pause(untilMs: number): void {
    this.sharedPausedUntil = Math.max(this.sharedPausedUntil, untilMs);
    void this.owner.query(PAUSE_SQL, [this.owner.key, this.host, Math.max(0, untilMs - Date.now())]);
  }

  pausedUntil(): number {
    return this.sharedPausedUntil;
  }

  learned(): LearnedLimit | undefined {
    return this.learnedLimit;
  }

  admitted(sentAt: number): void {
    if (this.learnedLimit) return;
    const unwritten = this.unwritten;
    unwritten.firstSentAt = unwritten.count === 0 ? sentAt : Math.min(unwritten.firstSentAt, sentAt);
    unwritten.count += 1;
    this.writeTimer ??= setTimeout(() => void this.writeAdmitted(), ADMITTED_WRITE_MS).unref();
  }

  /** The answers admitted since the last write, in one statement. */
  private async writeAdmitted(): Promise<void> {
    clearTimeout(this.writeTimer);
    this.writeTimer = undefined;
    const { count, firstSentAt } = this.unwritten;
    this.unwritten = { count: 0, firstSentAt: 0 };
    if (count > 0 && !this.learnedLimit)
      await this.update(ADMITTED_SQL, firstSentAt - Date.now(), this.owner.countSpanMs, count);
  }

  refused(windowEndsAt?: number): void {
    if (this.learnedLimit) return;
    // Counted half-way through the pause, not at once: the answers to the requests that were in flight
    // in every process are in by then (the window admitted the ones admitted: they count), and none
    // is sent meanwhile. Counted at once, a window of 20 was found to be 16.
    const settleMs = Math.max(0, (this.sharedPausedUntil - Date.now()) / 2);
    setTimeout(() => {
      if (this.learnedLimit) return;
      // The admitted answers not yet written first: they are the count.
      void this.writeAdmitted().then(() =>
        this.update(REFUSED_SQL, windowEndsAt === undefined ? null : windowEndsAt - Date.now()),
      );
    }, settleMs).unref();
  }

  reopened(sentAt: number): void {
    if (!this.learnedLimit) void this.update(REOPENED_SQL, sentAt - Date.now());
  }

  /** What was read from the database: a pause `paused_ms` from now (negative when over), a learned limit. */
  heard(row: Heard): void {
    const ms = Number(row.paused_ms ?? 0);
    if (ms > 0) this.sharedPausedUntil = Math.max(this.sharedPausedUntil, Date.now() + ms);
    const budget = Number(row.budget ?? 0);
    const windowMs = Number(row.window_ms ?? 0);
    if (budget > 0 && windowMs > 0) this.learnedLimit = { budget, windowMs };
  }

  /** Runs a learning statement on the row ($3: a time in ms from now); what it learned is heard here at once. */
  private async update(sql: string, ms: number | null, ...more: number[]): Promise<void> {
    await this.makeRow();
    const rows = await this.owner.query<Heard>(sql, [this.owner.key, this.host, ms, ...more]);
    for (const row of rows ?? []) this.heard(row);
  }

  private async makeRow(): Promise<void> {
    if (!this.rowMade)
      this.rowMade = (await this.owner.query(ROW_SQL, [this.owner.key, this.host])) !== undefined;
  }
}
