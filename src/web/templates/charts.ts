/**
 * The Charts page: the form that chooses coins and days, and the two charts. Each chart's Vega-Lite
 * spec travels as JSON in a `<script type="application/json">` element; /assets/charts.js draws it.
 */
import { html, jsonInScript } from '../html';
import { layout } from './layout';

export interface ChartsData {
  coinIds: string[];
  startDate?: string;
  endDate?: string;
  days?: number;
  /** Days drawn in the price chart. */
  points: number;
  daily?: Record<string, unknown>;
  monthly?: Record<string, unknown>;
  database: string;
}

export const CHART_SCRIPTS = [
  '/assets/vega.min.js',
  '/assets/vega-lite.min.js',
  '/assets/vega-embed.min.js',
  '/assets/charts.js',
];

export function chartsPage(data: ChartsData): string {
  const chart = (id: string, title: string, spec: Record<string, unknown> | undefined) =>
    spec
      ? html`<section class="chart">
          <h2>${title}</h2>
          <div id="${id}" class="vega-chart" data-spec="${id}-spec"></div>
          <script type="application/json" id="${id}-spec">
            ${jsonInScript(spec)}
          </script>
        </section>`
      : html`<section class="chart">
          <h2>${title}</h2>
          <p class="note" id="${id}-empty">No stored prices for ${data.coinIds.join(', ')} here.</p>
        </section>`;
  const body = html` <form method="get" action="/charts" class="filters" id="chart-filters">
      <label>coins <input type="text" name="coin-id" value="${data.coinIds.join(' ')}" /></label>
      <label>from <input type="date" name="start-date" value="${data.startDate ?? ''}" /></label>
      <label>to <input type="date" name="end-date" value="${data.endDate ?? ''}" /></label>
      <label
        >or the last
        <input type="number" name="days" min="2" value="${data.days ?? ''}" class="short" /> stored
        days</label
      >
      <button type="submit">Draw</button>
    </form>
    <p class="note">
      ${data.points} days drawn. Drag or scroll on a chart to zoom its time axis, double-click to reset; hover
      a point for its day and price.
    </p>
    ${chart('chart-daily', 'Daily price', data.daily)}
    ${chart('chart-monthly', 'Monthly lowest to highest', data.monthly)}`;
  return layout({
    title: 'Charts',
    current: 'Charts',
    database: data.database,
    body,
    scripts: CHART_SCRIPTS,
  });
}
