/**
 * The crawl's queue: what becomes of each request given to it. In memory, Crawlee's own caches are
 * bounded, so a long crawl keeps no entry per request in them, and the duplicates filter still
 * remembers every key; in a job dir, a resumed run tells its own duplicates from what the last run
 * left in line or did.
 */
import { CrawlQueue, QueueEntry } from '../../src/core/crawl-queue';
import { tempDir } from '../helpers/cli';

const entry = (n: number): QueueEntry => ({
  url: `http://127.0.0.1/page/${n}`,
  uniqueKey: `GET http://127.0.0.1/page/${n}`,
  userData: { request: { url: `http://127.0.0.1/page/${n}` } as never },
});

/** Takes `limit` requests in line, marks each handled and lets the queue forget it, as the engine does. */
async function handle(queue: CrawlQueue, limit = Infinity): Promise<number> {
  let handled = 0;
  while (handled < limit) {
    const next = await queue.crawlee.fetchNextRequest();
    if (!next) break;
    await queue.crawlee.markRequestHandled(next);
    queue.forget(next.id as string);
    handled += 1;
  }
  return handled;
}

test('in memory, a request handled and forgotten thousands of requests ago is still a duplicate', async () => {
  const queue = await CrawlQueue.open('');
  let handled = 0;
  for (let batch = 0; batch < 5; batch += 1) {
    const placed = await queue.add(
      Array.from({ length: 500 }, (_, k) => entry(batch * 500 + k + 1)),
      false,
      'start',
    );
    expect(placed.every((p) => p === 'queued')).toBe(true);
    handled += await handle(queue);
  }
  expect(handled).toBe(2500);

  const again = await queue.add([1, 2, 3, 4, 5, 2501].map(entry), false, 'callback');
  expect(again).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate', 'queued']);
  expect(await handle(queue)).toBe(1);
});

test("in memory, Crawlee's own caches are bounded (they reach into Crawlee: an upgrade that renames them fails here)", async () => {
  const queue = await CrawlQueue.open('');
  const requestCache = queue.crawlee['requestCache'];
  const seenTable = queue.crawlee['requestSeenCache'] as unknown as { size: number; keys: unknown[] };
  expect(requestCache.maxLength).toBe(1000);
  expect([seenTable.size, seenTable.keys.length]).toEqual([1000, 1000]);
  await queue.add(
    Array.from({ length: 1500 }, (_, k) => entry(k + 1)),
    false,
    'start',
  );
  expect(requestCache.length()).toBe(1000);
});

test('a second copy in the same batch is a duplicate', async () => {
  const queue = await CrawlQueue.open('');
  expect(await queue.add([entry(1), entry(2), entry(1)], false, 'start')).toEqual([
    'queued',
    'queued',
    'duplicate',
  ]);
  expect(await handle(queue)).toBe(2);
});

test("a resumed job dir: the last run's pending requests are resumed, its handled ones done, this run's copies duplicates", async () => {
  const jobDir = tempDir();
  const first = await CrawlQueue.open(jobDir);
  expect(await first.add([1, 2, 3, 4].map(entry), false, 'start')).toEqual([
    'queued',
    'queued',
    'queued',
    'queued',
  ]);
  expect(await handle(first, 2)).toBe(2); // 1 and 2 handled, 3 and 4 left in line: the run was stopped

  const second = await CrawlQueue.open(jobDir);
  expect(await second.pendingCount()).toBe(2);
  expect(await second.add([1, 2, 3, 4, 5, 3, 1].map(entry), false, 'start')).toEqual([
    'done',
    'done',
    'resumed',
    'resumed',
    'queued',
    'duplicate',
    'duplicate',
  ]);
  expect(await handle(second)).toBe(3); // 3, 4 and 5
});
