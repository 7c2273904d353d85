/**
 * The charts' Vega-Lite specs, built from rows of the two tables. Prices of different coins differ by
 * five orders of magnitude, so each coin gets its own panel with its own scale; color and legend name
 * the coins; dates are UTC days, as the data. `plot` renders them to files; the status page draws
 * them in the browser with `interactive: true` (drag or wheel on a panel zooms its time axis, a
 * double click resets it, and a tooltip on each point or bar).
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

export interface ChartOptions {
  /** Zoom on the time axis (bound to the scales). */
  interactive?: boolean;
}

/** Dragging or the wheel pans and zooms the time axis of a panel; a double click resets it. */
const ZOOM = [{ name: 'zoom', select: { type: 'interval', encodings: ['x'] }, bind: 'scales' }];

const BASE = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  config: { font: 'DejaVu Sans', view: { stroke: null } },
  resolve: { scale: { y: 'independent' } },
} as const;

export function lastDaysChart(
  rows: DayPrice[],
  days: number,
  options: ChartOptions = {},
): Record<string, unknown> {
  const last = rows.reduce((max, row) => (row.date > max ? row.date : max), '');
  return dailyPriceChart(
    rows,
    {
      text: `USD price, last ${days} stored days`,
      subtitle: `CoinGecko daily snapshots (00:00 UTC), to ${last}`,
    },
    options,
  );
}

/** The price of each stored day: the chart of `lastDaysChart`, of any days. */
export function dailyPriceChart(
  rows: DayPrice[],
  title: { text: string; subtitle: string },
  { interactive = false }: ChartOptions = {},
): Record<string, unknown> {
  return {
    ...BASE,
    title,
    // `day` keeps the ISO text for the labels (the x encoding turns `date` into a timestamp).
    data: { values: rows.map((row) => ({ ...row, day: row.date })) },
    facet: { row: { field: 'coin_id', type: 'nominal', title: null } },
    spec: {
      width: 640,
      height: 160,
      ...(interactive ? { params: ZOOM } : {}),
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

export function monthlyRangeChart(
  rows: MonthRange[],
  { interactive = false }: ChartOptions = {},
): Record<string, unknown> {
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
      // A time axis can zoom; the files keep one labelled band per month.
      ...(interactive ? { params: ZOOM } : {}),
      encoding: {
        x: {
          field: 'month',
          type: interactive ? 'temporal' : 'ordinal',
          timeUnit: 'utcyearmonth',
          title: 'month (UTC)',
        },
        y: { field: 'usd_price_min', type: 'quantitative', title: 'USD', scale: { zero: false } },
        y2: { field: 'usd_price_max' },
        color: { field: 'coin_id', type: 'nominal', title: 'coin' },
        ...(interactive
          ? {
              tooltip: [
                { field: 'coin_id', title: 'coin' },
                { field: 'month', type: 'nominal' },
                { field: 'usd_price_min', title: 'lowest', format: '.10~g' },
                { field: 'usd_price_max', title: 'highest', format: '.10~g' },
              ],
            }
          : {}),
      },
    },
  };
}
