/**
 * `/charts`: the two charts of `crawl.ts plot`, drawn in the browser by Vega-Lite, for the coins and
 * days chosen in the page: the last 30 stored days by default, or a range (`start-date`, `end-date`)
 * or another number of last days (`days`).
 */
import type { FastifyInstance } from 'fastify';
import { monthlyRanges, storedPrices } from '../../charts/chart-data';
import { dailyPriceChart, monthlyRangeChart } from '../../charts/price-charts';
import { validateDayFilter } from '../../core/crawl-args';
import type { StatusContext } from '../context';
import { FIELD_NAMES, integer, list, Params, text } from '../params';
import { chartsPage } from '../templates/charts';

export const DEFAULT_CHART_DAYS = 30;

export function registerChartRoutes(app: FastifyInstance, context: StatusContext): void {
  const { settings, dataSource } = context;
  app.get('/charts', async (request, reply) => {
    const query = request.query as Params;
    const filter = validateDayFilter(
      {
        coinIds: list(query, 'coin-id'),
        startDate: text(query, 'start-date'),
        endDate: text(query, 'end-date'),
      },
      FIELD_NAMES,
    );
    const ranged = filter.startDate !== undefined || filter.endDate !== undefined;
    const days =
      integer(query, 'days', { min: 2, max: 100_000, fallback: ranged ? 0 : DEFAULT_CHART_DAYS }) ||
      undefined;
    const coinIds = filter.coinIds ?? settings.DAILY_COINS;
    const prices = await storedPrices(dataSource, {
      coinIds,
      lastDays: days,
      startDate: filter.startDate,
      endDate: filter.endDate,
    });
    const shownFirst = prices.reduce((min, row) => (min === '' || row.date < min ? row.date : min), '');
    const shownLast = prices.reduce((max, row) => (row.date > max ? row.date : max), '');
    const months = await monthlyRanges(dataSource, {
      coinIds,
      startDate: filter.startDate ?? (shownFirst || undefined),
      endDate: filter.endDate ?? (shownLast || undefined),
    });
    const what = days
      ? `last ${days} stored days`
      : `${filter.startDate ?? 'first'}..${filter.endDate ?? 'last'} day`;
    reply.type('text/html; charset=utf-8').send(
      chartsPage({
        coinIds,
        startDate: filter.startDate,
        endDate: filter.endDate,
        days,
        points: prices.length,
        daily: prices.length
          ? dailyPriceChart(
              prices,
              {
                text: `USD price, ${what}`,
                subtitle: `CoinGecko daily snapshots (00:00 UTC), ${shownFirst} to ${shownLast}`,
              },
              { interactive: true },
            )
          : undefined,
        monthly: months.length ? monthlyRangeChart(months, { interactive: true }) : undefined,
        database: context.database,
      }),
    );
  });
}
