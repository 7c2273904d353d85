/**
 * The Runs page: filters, the job table with pages, each coin's backfill, and the action forms.
 */
import type { BackfillProgress } from '../../scheduler/job-progress';
import { QUEUES } from '../../scheduler/queue';
import { JOB_STATES, Run } from '../../scheduler/runs';
import { formatNumber } from '../../util/row-format';
import { html, SafeHtml } from '../html';
import { actionForms } from './actions';
import { layout } from './layout';

export interface RunsData {
  runs: Run[];
  hasNext: boolean;
  page: number;
  states: string[];
  queues: string[];
  backfills: BackfillProgress[];
  /** Whether there is a job queue (DATABASE_URL). */
  queue: boolean;
  /** Present when actions are on: whether this browser is signed in. */
  actions?: { signedIn: boolean };
  today: string;
  dailyCoins: string[];
  spiders: string[];
  database: string;
}

const BAD_STATES = new Set(['failed', 'retry', 'cancelled']);

/** The job table (also the overview's recent failures). */
export function runsTable(runs: Run[]): SafeHtml {
  return html`<table class="runs">
    <thead>
      <tr>
        <th>queue</th>
        <th>coin</th>
        <th>days</th>
        <th>state</th>
        <th class="num">attempts</th>
        <th class="num">items</th>
        <th class="num">duration (s)</th>
        <th>created (UTC)</th>
        <th>error</th>
      </tr>
    </thead>
    <tbody>
      ${runs.map(
        (run) =>
          html`<tr class="${BAD_STATES.has(run.state) ? 'bad' : ''}" data-state="${run.state}">
            <td>${run.queue}</td>
            <td class="coin">${run.coin ?? ''}</td>
            <td>${run.days ?? ''}</td>
            <td class="state">${run.state}</td>
            <td class="num">${run.attempts}</td>
            <td class="num">${run.items_stored ?? ''}</td>
            <td class="num">${run.duration_s === null ? '' : formatNumber(run.duration_s)}</td>
            <td>${run.created}</td>
            <td class="error">${run.error ?? ''}</td>
          </tr> `,
      )}
    </tbody>
  </table>`;
}

export function runsPage(data: RunsData): string {
  const { runs, hasNext, page, states, queues, backfills, queue } = data;
  const link = (to: number) => {
    const params = new URLSearchParams();
    for (const state of states) params.append('state', state);
    for (const name of queues) params.append('queue', name);
    params.set('page', String(to));
    return `/runs?${params}`;
  };
  const body = !queue
    ? html`<p class="note">
        No job queue: the embedded database has none. Set DATABASE_URL to the Postgres the scheduler and
        workers use.
      </p>`
    : html` <form method="get" action="/runs" class="filters" id="filters">
          <fieldset>
            <legend>state</legend>
            ${JOB_STATES.map(
              (state) =>
                html`<label
                  ><input
                    type="checkbox"
                    name="state"
                    value="${state}"
                    ${states.includes(state) ? new SafeHtml(' checked') : ''}
                  />
                  ${state}</label
                > `,
            )}
          </fieldset>
          <fieldset>
            <legend>queue</legend>
            ${Object.values(QUEUES).map(
              (name) =>
                html`<label
                  ><input
                    type="checkbox"
                    name="queue"
                    value="${name}"
                    ${queues.includes(name) ? new SafeHtml(' checked') : ''}
                  />
                  ${name}</label
                > `,
            )}
          </fieldset>
          <button type="submit">Filter</button> <a href="/runs">clear</a>
        </form>
        ${runs.length ? runsTable(runs) : html`<p class="note" id="no-runs">No job${states.length || queues.length ? ' matches these filters' : ' yet'}.</p>`}
        <p class="pages">
          Page
          ${page}${page > 1 ? html` · <a href="${link(page - 1)}" rel="prev">newer</a>` : ''}${
            hasNext ? html` · <a href="${link(page + 1)}" rel="next">older</a>` : ''
          }
        </p>
        <h2>Backfills</h2>
        ${
          backfills.length
            ? html`<table id="backfills">
                <thead>
                  <tr>
                    <th>coin</th>
                    <th>days</th>
                    <th>progress</th>
                    <th class="num">chunks</th>
                    <th class="num">completed</th>
                    <th class="num">running</th>
                    <th class="num">waiting</th>
                    <th class="num">failed</th>
                    <th class="num">items stored</th>
                  </tr>
                </thead>
                <tbody>
                  ${backfills.map(
                    (b) =>
                      html`<tr data-coin="${b.coin}" class="${b.failed ? 'bad' : ''}">
                        <td>${b.coin}</td>
                        <td>${b.first_day}..${b.last_day}</td>
                        <td>
                          <progress max="${b.chunks}" value="${b.completed}"></progress>
                          ${Math.floor((100 * b.completed) / b.chunks)} %
                        </td>
                        <td class="num">${b.chunks}</td>
                        <td class="num">${b.completed}</td>
                        <td class="num">${b.active}</td>
                        <td class="num">${b.waiting}</td>
                        <td class="num">${b.failed}</td>
                        <td class="num">${b.items_stored}</td>
                      </tr> `,
                  )}
                </tbody>
              </table>`
            : html`<p class="note">No backfill in the last week.</p>`
        }
        ${data.actions ? actionForms({ ...data.actions, today: data.today, dailyCoins: data.dailyCoins, spiders: data.spiders }) : ''}`;
  return layout({ title: 'Runs', current: 'Runs', database: data.database, body });
}
