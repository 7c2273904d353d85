import { AutoThrottle } from '../../src/core/autothrottle';
import { HostThrottle, Ticket } from '../../src/core/host-throttle';
import { SlidingWindowLimiter } from '../mock-api/rate-limiter';

function throttle(
  rateLimitPerMinute = 0,
  extra: Partial<ConstructorParameters<typeof HostThrottle>[0]> = {},
) {
  return new HostThrottle({
    rateLimitPerMinute,
    minDelayMs: 0,
    backoffBaseMs: 100,
    backoffMaxMs: 1000,
    random: () => 1,
    ...extra,
  });
}

const admitted = { rateLimited: false, ok: true };

describe('HostThrottle', () => {
  it('spreads a told limit evenly, 1 % under it', async () => {
    const host = throttle(1200); // 20 per second: one every 50.5 ms
    const starts: number[] = [];
    for (let i = 0; i < 6; i++) {
      const ticket = await host.acquire();
      starts.push(ticket.sentAt);
      host.release(ticket, admitted);
    }
    const gaps = starts.slice(1).map((at, i) => at - starts[i]);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(50);
    expect(host.spacingMs()).toBeCloseTo(50.5, 5);
  });

  it('pauses every request for retry-after after a 429', async () => {
    const host = throttle();
    const first = await host.acquire();
    host.release(first, { rateLimited: true, retryAfterMs: 300, ok: false });
    const before = Date.now();
    const next = await host.acquire();
    expect(next.sentAt - before).toBeGreaterThanOrEqual(290);
    expect(host.pausedMs).toBeGreaterThanOrEqual(290);
  });

  it('learns how many requests a window admits, then probes once per window', async () => {
    const host = throttle();
    const window1: Ticket[] = [];
    for (let i = 0; i < 5; i++) window1.push(await host.acquire());
    // The server admitted 3; the 4th and 5th were refused.
    for (const ticket of window1.slice(0, 3)) host.release(ticket, admitted);
    host.release(window1[3], { rateLimited: true, retryAfterMs: 50, ok: false });
    host.release(window1[4], { rateLimited: true, retryAfterMs: 50, ok: false });
    expect(host.budget).toBe(3);

    const window2 = [await host.acquire(), await host.acquire(), await host.acquire()];
    expect(window2.map((t) => t.probe)).toEqual([false, false, false]);
    const probe = await host.acquire();
    expect(probe.probe).toBe(true);
    // Nobody else goes while the probe is out.
    let fifthStarted = false;
    const fifth = host.acquire().then((t) => ((fifthStarted = true), t));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fifthStarted).toBe(false);
    // The probe was admitted: the window holds one more than we thought.
    for (const ticket of window2) host.release(ticket, admitted);
    host.release(probe, admitted);
    expect(host.budget).toBe(4);
    expect((await fifth).probe).toBe(true);
  });

  it('halves a told rate after a 429 and gives it back 5 % per admitted answer', async () => {
    const host = throttle(600); // one per 101 ms
    const ticket = await host.acquire();
    host.release(ticket, { rateLimited: true, retryAfterMs: 0, ok: false });
    expect(host.spacingMs()).toBeCloseTo(202, 5);
    const next = await host.acquire();
    host.release(next, admitted);
    expect(host.spacingMs()).toBeCloseTo(101 / 0.55, 5);
  });

  it('backs off exponentially after 429s without retry-after', async () => {
    const host = throttle();
    for (const expected of [100, 200, 400]) {
      const ticket = await host.acquire();
      const before = host.pausedMs;
      host.release(ticket, { rateLimited: true, ok: false });
      expect(host.pausedMs - before).toBeGreaterThanOrEqual(expected - 5);
      expect(host.pausedMs - before).toBeLessThanOrEqual(expected + 5);
    }
  });

  it('learns the length of a window that refuses without retry-after, then pauses just that long', async () => {
    // The mock's limiter: 3 requests per second, refusals without retry-after (Cloudflare's 1015 page).
    // A second is long beside a loaded machine's timer jitter, so the counts below hold under load.
    const server = new SlidingWindowLimiter(3, 1000);
    const host = throttle(0, { backoffBaseMs: 50, backoffMaxMs: 5000 });
    const answers: { admitted: boolean; windowMs: number }[] = [];
    for (let i = 0; i < 36; i++) {
      const ticket = await host.acquire();
      const { admitted: ok } = server.admit();
      host.release(ticket, ok ? admitted : { rateLimited: true, ok: false });
      answers.push({ admitted: ok, windowMs: host.windowMs });
    }
    expect(host.budget).toBe(3);
    // Found in steps of 10 % of the time refused (at least the 50 ms base): at most a step over.
    expect(host.windowMs).toBeGreaterThanOrEqual(1000);
    expect(host.windowMs).toBeLessThan(1200);
    // Once learned, each window sends its 3 and one probe, refused: 1 refusal in 4, not a backoff
    // that doubles past the window's end.
    const learnedAt = answers.findIndex((answer) => answer.windowMs > 0);
    const after = answers.slice(learnedAt + 1);
    expect(after.filter((answer) => !answer.admitted).length).toBeLessThanOrEqual(
      Math.ceil(after.length / 4),
    );
  });

  it('stops waiting when the crawl aborts', async () => {
    const host = throttle();
    const ticket = await host.acquire();
    host.release(ticket, { rateLimited: true, retryAfterMs: 60_000, ok: false });
    const controller = new AbortController();
    const waiting = host.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow(/abort/i);
  });
});

describe('AutoThrottle', () => {
  const settings = {
    AUTOTHROTTLE_START_DELAY: 1,
    AUTOTHROTTLE_MAX_DELAY: 10,
    AUTOTHROTTLE_TARGET_CONCURRENCY: 2,
    DOWNLOAD_DELAY: 0.1,
  };

  it("moves the delay halfway towards latency / target concurrency, as Scrapy's does", () => {
    const auto = new AutoThrottle(settings);
    expect(auto.delayMs).toBe(1000);
    auto.onAnswer(400, true); // target 200 ms: (1000 + 200) / 2 = 600
    expect(auto.delayMs).toBe(600);
    auto.onAnswer(4000, true); // target 2000 ms: max(2000, 1300) = 2000
    expect(auto.delayMs).toBe(2000);
    auto.onAnswer(100_000, true); // capped by MAX_DELAY
    expect(auto.delayMs).toBe(10_000);
  });

  it('never lowers the delay on an error answer, and never goes below DOWNLOAD_DELAY', () => {
    const auto = new AutoThrottle(settings);
    auto.onAnswer(10, false);
    expect(auto.delayMs).toBe(1000);
    auto.onAnswer(3000, false);
    expect(auto.delayMs).toBe(1500);
    for (let i = 0; i < 20; i++) auto.onAnswer(0, true);
    expect(auto.delayMs).toBe(100);
  });
});
