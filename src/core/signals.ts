/**
 * The crawl's signals (Scrapy's `signals` and SignalManager): a typed event bus the engine emits on
 * and extensions listen to. Each signal has one payload type, below, so a handler reads its fields
 * typed.
 *
 * - Handlers run in the order they were connected (the extensions' EXTENSIONS order). A handler may
 *   be async: the next one starts when its promise settles, and the engine waits for the last, as
 *   Scrapy waits for a handler's Deferred (so `spiderClosed` can post a summary before the process
 *   ends).
 * - A handler that throws (or rejects) is logged with its owner's name (the extension) and the
 *   signal; the other handlers still run and the crawl goes on, as Scrapy's `send_catch_log`.
 * - Emitting is cheap on the hot path: with no handler for a signal, `emit` returns undefined at once
 *   (the engine checks `listening` before building a payload), and when every handler is sync it
 *   returns undefined too, so the engine awaits nothing.
 */
import type { Logger } from 'winston';
import type { FailureScope } from './errors';
import type { ItemType } from './item';
import type { Request } from './request';
import type { Spider } from './spider';

/** The start of a crawl: its start requests are in line, none is sent yet. */
export interface SpiderOpened {
  /** The spider that runs. */
  spider: Spider<object, object>;
  /** Requests in line to start with (this run's start requests and those a resumed job dir had found). */
  requestCount: number;
}

/** The end of a crawl: every request done (or the crawl stopped), the pipelines closed, the final stats set. */
export interface SpiderClosed {
  /** The spider that ran. */
  spider: Spider<object, object>;
  /**
   * Why it ended, as `finish_reason` in the stats: `finished`, the stop's reason (`SIGINT`,
   * `SIGTERM`, `closespider_itemcount`, ...), or `error` when the crawl failed on an unexpected error.
   */
  reason: string;
}

/** A request went into the queue (the queue's dedupe let it through). */
export interface RequestScheduled {
  /** The request as queued. */
  request: Request;
  /** From the spider's start requests, or yielded by a callback. */
  from: 'start' | 'callback';
}

/** A request the queue did not take: its fingerprint was seen already (Scrapy's dupefilter). */
export interface RequestDropped {
  /** The request not queued. */
  request: Request;
  /** Why: `duplicate`. */
  reason: 'duplicate';
  /** From the spider's start requests, or yielded by a callback. */
  from: 'start' | 'callback';
}

/** An answer the spider's callback read (after retries and rate-limit waits), before its output is used. */
export interface ResponseReceived {
  /** The request answered. */
  request: Request;
  /** The answer's HTTP status. */
  status: number;
  /** How many values (items and requests) the callback gave. */
  outputCount: number;
}

/** A request whose answer was read and whose output went its way: items through the pipelines, requests queued. */
export interface RequestFinished {
  /** The request. */
  request: Request;
  /** The answer's HTTP status. */
  status: number;
  /** Items of its output that passed every pipeline. */
  itemsScraped: number;
  /** Items of its output a pipeline dropped. */
  itemsDropped: number;
  /** Requests its output yielded (before the queue's dedupe). */
  requestsFound: number;
  /** Requests done so far in this run, this one included (finished or failed). */
  done: number;
  /** Requests this run has to do so far (grows as callbacks find more). */
  total: number;
}

/** A request that did not succeed (after its retries), or was not sent (its group or the crawl gave up). */
export interface RequestFailed {
  /** The request. */
  request: Request;
  /** Why, in words (`HTTP 404`, `network error ECONNRESET (gave up after 5 retries)`, ...). */
  reason: string;
  /** What the failure abandons: this request, its group, or the whole crawl. */
  scope: FailureScope;
  /** Requests done so far in this run, this one included (finished or failed). */
  done: number;
  /** Requests this run has to do so far. */
  total: number;
}

/** An item that passed every pipeline. */
export interface ItemScraped {
  /** The item as the last pipeline returned it. */
  item: object;
  /** Its item type. */
  type: ItemType;
  /** The request whose callback gave it; undefined for an item of the start output. */
  request?: Request;
}

/** An item a pipeline dropped (DropItem). */
export interface ItemDropped {
  /** The item as it reached the pipeline that dropped it. */
  item: object;
  /** Its item type. */
  type: ItemType;
  /** The pipeline that dropped it. */
  pipeline: string;
  /** The DropItem's message. */
  reason: string;
  /** Invalid data from the source (lost data: exit 1), not an expected drop such as a duplicate. */
  invalid: boolean;
  /** The request whose callback gave it; undefined for an item of the start output. */
  request?: Request;
}

/** A pipeline failed on an item with an error other than DropItem (its request then fails). */
export interface ItemError {
  /** The item. */
  item: object;
  /** Its item type. */
  type: ItemType;
  /** The error the pipeline threw. */
  error: Error;
  /** The request whose callback gave it; undefined for an item of the start output. */
  request?: Request;
}

/** The engine is done with the crawl: the last signal, after `spiderClosed`. */
export interface EngineStopped {
  /** The same reason as `spiderClosed`'s. */
  reason: string;
}

/** Every signal and its payload. */
export interface SignalPayloads {
  spiderOpened: SpiderOpened;
  spiderClosed: SpiderClosed;
  requestScheduled: RequestScheduled;
  requestDropped: RequestDropped;
  responseReceived: ResponseReceived;
  requestFinished: RequestFinished;
  requestFailed: RequestFailed;
  itemScraped: ItemScraped;
  itemDropped: ItemDropped;
  itemError: ItemError;
  engineStopped: EngineStopped;
}

export type SignalName = keyof SignalPayloads;

/** The signal names, in the order a crawl emits them first. */
export const SIGNAL_NAMES: readonly SignalName[] = [
  'requestScheduled',
  'requestDropped',
  'spiderOpened',
  'responseReceived',
  'itemScraped',
  'itemDropped',
  'itemError',
  'requestFinished',
  'requestFailed',
  'spiderClosed',
  'engineStopped',
];

export type SignalHandler<N extends SignalName> = (payload: SignalPayloads[N]) => void | Promise<void>;

interface Connection {
  owner: string;
  handler: (payload: never) => void | Promise<void>;
}

export class Signals {
  private readonly handlers = new Map<SignalName, Connection[]>();

  /** `logger` gets one error line per handler that throws. */
  constructor(private readonly logger: Logger) {}

  /** Calls `handler` on every `name` signal; `owner` names it in the log when it throws. */
  connect<N extends SignalName>(name: N, handler: SignalHandler<N>, owner: string): void {
    const connections = this.handlers.get(name) ?? [];
    connections.push({ owner, handler: handler as Connection['handler'] });
    this.handlers.set(name, connections);
  }

  /** Whether anyone listens to `name` (so the engine builds a payload only then). */
  listening(name: SignalName): boolean {
    return this.handlers.has(name);
  }

  /**
   * Calls the handlers of `name` in order. Returns a promise only when a handler returned one (wait
   * for it); undefined when every handler was sync, or there is none.
   */
  emit<N extends SignalName>(name: N, payload: SignalPayloads[N]): Promise<void> | undefined {
    const connections = this.handlers.get(name);
    if (!connections) return undefined;
    for (let i = 0; i < connections.length; i++) {
      const pending = this.call(name, connections[i], payload);
      if (pending) return this.finishAsync(name, connections, i, pending, payload);
    }
    return undefined;
  }

  private async finishAsync<N extends SignalName>(
    name: N,
    connections: readonly Connection[],
    index: number,
    pending: Promise<void>,
    payload: SignalPayloads[N],
  ): Promise<void> {
    await pending;
    for (let i = index + 1; i < connections.length; i++) await this.call(name, connections[i], payload);
  }

  /** One handler: a thrown error or a rejection is logged, never passed on. */
  private call(
    name: SignalName,
    { owner, handler }: Connection,
    payload: unknown,
  ): Promise<void> | undefined {
    try {
      const result = (handler as (payload: unknown) => unknown)(payload);
      if (result instanceof Promise)
        return result.then(undefined, (error) => this.report(owner, name, error));
    } catch (error) {
      this.report(owner, name, error);
    }
    return undefined;
  }

  private report(owner: string, name: SignalName, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.logger.error(`extension ${owner} failed on ${name}: ${message}`);
  }
}
