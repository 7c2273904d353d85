/**
 * `progress`: drives the command's progress bar (src/core/progress.ts) from the crawl's signals:
 * its total from the requests in line when the spider opens, grown by each request scheduled after
 * (start requests read as the queue drains, requests callbacks find), and a step per request done.
 * Not configured when the command runs with no progress (a worker's jobs).
 */
import type { Extension, ExtensionContext } from '../core/extension';
import type { Progress } from '../core/progress';

export function progressBarExtension(
  _context: ExtensionContext,
  progress: Progress | undefined,
): Extension | null {
  if (!progress) return null;
  let opened = false;
  return {
    spiderOpened: ({ requestCount }) => {
      opened = true;
      progress.start(requestCount);
    },
    requestScheduled: () => {
      if (opened) progress.grow(1);
    },
    requestFinished: ({ request }) => void progress.tick(request.label),
    requestFailed: ({ request }) => void progress.tick(request.label),
    spiderClosed: () => progress.stop(),
  };
}
