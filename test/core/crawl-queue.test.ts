/**
 * The crawl's queue in memory: Crawlee's own caches are bounded, so a long crawl does not keep an entry
 * per request in them; the duplicates filter still remembers every key it has seen.
 */
import { CrawlQueue, QueueEntry } from '../../src/core/crawl-queue';

const entry = (n: number): QueueEntry => ({
  url: `http://127.0.0.1/page/${n}`,
  uniqueKey: `GET http://127.0.0.1/page/${n}`,
  userData: { request: { url: `http://127.0.0.1/page/${n}` } as never },
});

/** Takes every request in line, marks it handled and lets the queue forget it, as the engine does. */
async function handleAll(queue: CrawlQueue): Promise<number> {
  let handled = 0;
  for (
    let next = await queue.crawlee.fetchNextRequest();
    next;
    next = await queue.crawlee.fetchNextRequest()
  ) {
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
    const added = await queue.add(
      Array.from({ length: 500 }, (_, k) => entry(batch * 500 + k + 1)),
      false,
    );
    expect(added.filter((a) => !a.wasAlreadyPresent)).toHaveLength(500);
    handled += await handleAll(queue);
  }
  expect(handled).toBe(2500);

  const again = await queue.add([1, 2, 3, 4, 5, 2501].map(entry), false);
  expect(again.map((a) => [a.uniqueKey, a.wasAlreadyPresent, a.wasAlreadyHandled])).toEqual([
    ...[1, 2, 3, 4, 5].map((n) => [entry(n).uniqueKey, true, false]),
    [entry(2501).uniqueKey, false, false],
  ]);
  // Only the new one is in line.
  expect(await handleAll(queue)).toBe(1);
});

test('a duplicate within one batch is added once', async () => {
  const queue = await CrawlQueue.open('');
  const added = await queue.add([entry(1), entry(2), entry(1)], false);
  expect(added.filter((a) => a.wasAlreadyPresent).map((a) => a.uniqueKey)).toEqual([entry(1).uniqueKey]);
  expect(added.filter((a) => !a.wasAlreadyPresent)).toHaveLength(2);
  expect(await handleAll(queue)).toBe(2);
});
