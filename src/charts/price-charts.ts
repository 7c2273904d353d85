/**
 * The charts' Vega-Lite specs, built from rows of the two tables. Prices of different coins differ by
 * five orders of magnitude, so each coin gets its own panel with its own scale; color and legend name
 * the coins; dates are UTC days, as the data.
 */
export interface DayPrice {
  coin_id: string;
  date: string;
  usd_price: number;
}

export interface MonthRange {
  coin_id: string;
  month: string; // YYYY-MM
  usd_price_min: number;
  usd_price_max: number;
}

const BASE = {
  $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
  config: { font: 'DejaVu Sans', view: { stroke: null } },
  resolve: { scale: { y: 'independent' } },
} as const;

export function lastDaysChart(rows: DayPrice[], days: number): Record<string, unknown> {
  const last = rows.reduce((max, row) => (row.date > max ? row.date : max), '');
  return {
    ...BASE,
    title: {
      text: `USD price, last ${days} stored days`,
      subtitle: `CoinGecko daily snapshots (00:00 UTC), to ${last}`,
    },
    // `day` keeps the ISO text for the labels (the x encoding turns `date` into a timestamp).
    data: { values: rows.map((row) => ({ ...row, day: row.date })) },
    facet: { row: { field: 'coin_id', type: 'nominal', title: null } },
    spec: {
      width: 640,
      height: 160,
      mark: { type: 'line', point: true },
      encoding: {
        x: {
          field: 'date',
          type: 'temporal',
          timeUnit: 'utcyearmonthdate',
          title: 'date (UTC)',
          axis: { format: '%b %d' },
        },
        y: { field: 'usd_price', type: 'quantitative', title: 'USD', scale: { zero: false } },
        color: { field: 'coin_id', type: 'nominal', title: 'coin' },
        // Also the accessible label of each point in the SVG: `coin; day; price`.
        tooltip: [
          { field: 'coin_id', title: 'coin' },
          { field: 'day', type: 'nominal' },
          { field: 'usd_price', title: 'usd_price', format: '.10~g' },
        ],
      },
    },
  };
}

export function monthlyRangeChart(rows: MonthRange[]): Record<string, unknown> {
  return {
    ...BASE,
    title: {
      text: 'USD price range per month',
      subtitle: 'lowest to highest daily price (coingecko_processed_data)',
    },
    data: { values: rows },
    facet: { row: { field: 'coin_id', type: 'nominal', title: null } },
    spec: {
      width: 640,
      height: 160,
      mark: { type: 'bar', width: { band: 0.7 } },
      encoding: {
        x: { field: 'month', type: 'ordinal', timeUnit: 'utcyearmonth', title: 'month (UTC)' },
        y: { field: 'usd_price_min', type: 'quantitative', title: 'USD', scale: { zero: false } },
        y2: { field: 'usd_price_max' },
        color: { field: 'coin_id', type: 'nominal', title: 'coin' },
      },
    },
  };
}
