/**
 * Debian's Chromium, headless, driven by playwright-core (no browser download): one persistent
 * context in a fresh profile folder. `screenshotOnFailure` keeps a picture of the page when a test
 * fails, in the test's temporary folder; `documentScreenshot` refreshes the README's pictures
 * (docs/screenshots) when UPDATE_SCREENSHOTS=1.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';
import { PROJECT_ROOT, tempDir } from './cli';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  /** Where failure screenshots go. */
  dir: string;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const dir = tempDir('browser-test-');
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
    timeout: 30_000,
  });
  context.setDefaultTimeout(15_000);
  return { context, dir, close: () => context.close() };
}

/** Runs `test`; if it throws, saves a full-page screenshot as `<dir>/<name>.png` first and says where. */
export async function screenshotOnFailure(
  page: Page,
  dir: string,
  name: string,
  test: () => Promise<void>,
): Promise<void> {
  try {
    await test();
  } catch (error) {
    const path = join(dir, `${name.replace(/[^a-z0-9-]+/gi, '_')}.png`);
    await page.screenshot({ path, fullPage: true }).catch(() => undefined);
    if (error instanceof Error) error.message += `\n(screenshot: ${path})`;
    throw error;
  }
}

/** With UPDATE_SCREENSHOTS=1, the page as the README shows it: docs/screenshots/<name>.png. */
export async function documentScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  const dir = join(PROJECT_ROOT, 'docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
