/**
 * `crawl.ts plot`: charts of the stored prices into FIGURES_DIR, each as PNG and SVG: the last N
 * stored days of the chosen coins (default bitcoin, ethereum, cardano), and their monthly min/max
 * from the aggregate table. Read from the database (DATABASE_URL, or the embedded one).
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { monthlyRanges, storedPrices } from '../charts/chart-data';
import { renderChart } from '../charts/render';
import { lastDaysChart, monthlyRangeChart } from '../charts/price-charts';
import { UsageError } from '../core/errors';
import { createLogger, flushLogger } from '../core/logger';
import { openPriceStore } from '../db/open-store';
import { writeFileAtomic } from '../util/atomic-write';
import { validateDayFilter } from '../core/crawl-args';
import { settingsFromArgv } from './options';

export const DEFAULT_PLOT_COINS = ['bitcoin', 'ethereum', 'cardano'];

export async function runPlotCommand(argv: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<number> {
  const settings = settingsFromArgv(argv, env);
  const coinIds =
    validateDayFilter({ coinIds: argv['coin-id'] as string[] | undefined }).coinIds ?? DEFAULT_PLOT_COINS;
  const days = Number(argv.days);
  if (!Number.isInteger(days) || days < 2)
    throw new UsageError(`--days ${String(argv.days)}: expected a whole number >= 2`);
  const logger = createLogger({ level: settings.LOG_LEVEL, file: settings.LOG_FILE || undefined });
  try {
    const { dataSource, description } = await openPriceStore(settings, () => logger);
    try {
      const lastDays = await storedPrices(dataSource, { coinIds, lastDays: days });
      const months = await monthlyRanges(dataSource, { coinIds });
      if (lastDays.length === 0) {
        logger.error(
          `no stored prices for ${coinIds.join(', ')} in ${description}; crawl with --db-store first`,
        );
        return 1;
      }
      const missing = coinIds.filter((id) => !lastDays.some((row) => row.coin_id === id));
      if (missing.length) logger.warn(`no stored prices for ${missing.join(', ')}`);
      await fs.mkdir(settings.FIGURES_DIR, { recursive: true });
      const written = [
        ...(await writeChart(settings.FIGURES_DIR, `price_last_${days}_days`, lastDaysChart(lastDays, days))),
        ...(await writeChart(settings.FIGURES_DIR, 'price_monthly_min_max', monthlyRangeChart(months))),
      ];
      for (const path of written) process.stdout.write(`${path}\n`);
      logger.info(`charts of ${coinIds.join(', ')} from ${description} written to ${settings.FIGURES_DIR}`);
      return 0;
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await flushLogger(logger);
  }
}

async function writeChart(dir: string, name: string, spec: Record<string, unknown>): Promise<string[]> {
  const { svg, png } = await renderChart(spec);
  const paths = [join(dir, `${name}.svg`), join(dir, `${name}.png`)];
  await writeFileAtomic(paths[0], svg);
  await writeFileAtomic(paths[1], png);
  return paths;
}
