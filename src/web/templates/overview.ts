/**
 * The overview: a row per coin, and the last failed jobs.
 */
import type { CoinCoverage, DayRange, WindowGaps } from '../../db/coverage';
import type { Run } from '../../scheduler/runs';
import { html } from '../html';
import { layout } from './layout';
import { runsTable } from './runs';

export interface TodayRun {
  label: string;
  bad: boolean;
}

export interface CoinStatus extends CoinCoverage {
  /** The last stored day is before yesterday (or nothing is stored). */
  late: boolean;
  today: TodayRun;
}

export interface OverviewData {
  coins: CoinStatus[];
  failures: Run[];
  today: string;
  yesterday: string;
  database: string;
  /** Whether there is a job queue (DATABASE_URL). */
  queue: boolean;
}

/** Ranges shown in a cell before "and N more". */
const SHOWN_RANGES = 6;

export function overviewPage({ coins, failures, today, yesterday, database, queue }: OverviewData): string {
  const late = coins.filter((coin) => coin.late || coin.today.bad || coin.last_30.missing > 0);
  const body = html` <p class="summary ${late.length ? 'bad' : 'good'}" id="summary">
      ${
        late.length
          ? `Needs a look: ${late.map((coin) => coin.coin_id).join(', ')}.`
          : `Every coin is stored up to ${yesterday}, with no gap in the last 30 days.`
      }
    </p>
    <p class="note">
      Today is ${today} (UTC). Gaps count the days with no stored row in the windows that end yesterday; a day
      stored without market data is not a gap.
    </p>
    <table id="coins">
      <thead>
        <tr>
          <th>coin</th>
          <th>first day</th>
          <th>last day</th>
          <th class="num">days stored</th>
          <th>missing, last 30 days</th>
          <th>missing, last 365 days</th>
          <th>today's run</th>
        </tr>
      </thead>
      <tbody>
        ${coins.map(
          (coin) =>
            html`<tr data-coin="${coin.coin_id}">
              <td><a href="/charts?coin-id=${coin.coin_id}">${coin.coin_id}</a></td>
              <td>${coin.first_day ?? '—'}</td>
              <td class="last-day ${coin.late ? 'bad' : 'good'}">
                ${coin.last_day ?? 'nothing stored'}${coin.late ? html` <span class="tag">late</span>` : ''}
              </td>
              <td class="num days-stored">
                ${coin.days_stored}${
                  coin.days_without_price
                    ? html` <span class="muted">(${coin.days_without_price} without data)</span>`
                    : ''
                }
              </td>
              ${gapCell('gaps-30', coin.last_30)} ${gapCell('gaps-365', coin.last_365)}
              <td class="today ${coin.today.bad ? 'bad' : ''}">${coin.today.label}</td>
            </tr> `,
        )}
      </tbody>
    </table>
    <h2>Recent failures</h2>
    ${
      !queue
        ? html`<p class="note">
            No job queue: the embedded database has none (set DATABASE_URL to use the scheduler).
          </p>`
        : failures.length
          ? html`${runsTable(failures)}
              <p><a href="/runs?state=failed&amp;state=retry">All failed jobs</a></p>`
          : html`<p class="good" id="no-failures">No failed job.</p>`
    }`;
  return layout({ title: 'Overview', current: 'Overview', database, body });
}

function gapCell(className: string, gaps: WindowGaps) {
  const shown = gaps.ranges.slice(0, SHOWN_RANGES);
  return html`<td class="${className} ${gaps.missing ? 'bad' : 'good'}" data-missing="${gaps.missing}">
    ${
      gaps.missing === 0
        ? 'none'
        : html`<strong>${gaps.missing}</strong>
            <span class="ranges"
              >${shown.map((range, i) => html`${i ? ', ' : ''}${rangeText(range)}`)}${
                gaps.ranges.length > shown.length ? ` and ${gaps.ranges.length - shown.length} more` : ''
              }</span
            >`
    }
  </td>`;
}

function rangeText(range: DayRange): string {
  return range.days === 1 ? range.first : `${range.first}..${range.last}`;
}
