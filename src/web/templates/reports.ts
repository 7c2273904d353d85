/**
 * The Reports pages: the list of stored queries, and one query's rows as a table with its filters
 * and a CSV download. Each cell shows the value as `report` prints it for people, and carries the
 * exact value (as `report --format json` has it) in `data-value`.
 */
import type { DayFilter } from '../../core/crawl-args';
import type { ReportRow } from '../../db/reports';
import { formatNumber } from '../../util/row-format';
import { html } from '../html';
import { layout } from './layout';

export function reportsIndexPage(
  reports: { name: string; description: string[] }[],
  database: string,
): string {
  const body = html`<ul class="reports" id="reports">
    ${reports.map(
      (report) =>
        html`<li>
          <a href="/reports/${report.name}">${report.name}</a>: ${summary(report.description, report.name)}
        </li> `,
    )}
  </ul>`;
  return layout({ title: 'Reports', current: 'Reports', database, body });
}

export interface ReportData {
  name: string;
  description: string[];
  filter: DayFilter;
  rows: ReportRow[];
  known: string[];
  database: string;
}

export function reportPage({ name, description, filter, rows, known, database }: ReportData): string {
  const params = new URLSearchParams();
  if (filter.coinIds) params.set('coin-id', filter.coinIds.join(','));
  if (filter.startDate) params.set('start-date', filter.startDate);
  if (filter.endDate) params.set('end-date', filter.endDate);
  const columns = rows.length ? Object.keys(rows[0]) : [];
  const numeric = columns.map((column) =>
    rows.every((row) => row[column] === null || typeof row[column] === 'number'),
  );
  const body = html` <nav class="sub">
      ${known.map((other) => html`<a href="/reports/${other}" ${other === name ? html` aria-current="page"` : ''}>${other}</a> `)}
    </nav>
    <p>${summary(description, name)}</p>
    <details>
      <summary>What it answers</summary>
      <pre>${description.join('\n')}</pre>
    </details>
    <form method="get" action="/reports/${name}" class="filters" id="report-filters">
      <label
        >coins <input type="text" name="coin-id" value="${filter.coinIds?.join(' ') ?? ''}" placeholder="all"
      /></label>
      <label>from <input type="date" name="start-date" value="${filter.startDate ?? ''}" /></label>
      <label>to <input type="date" name="end-date" value="${filter.endDate ?? ''}" /></label>
      <button type="submit">Run</button>
      <a href="/reports/${name}.csv${params.size ? `?${params}` : ''}" id="csv" download>Download CSV</a>
    </form>
    ${
      rows.length
        ? html`<table id="report" data-rows="${rows.length}">
            <thead>
              <tr>
                ${columns.map((column, i) => html`<th class="${numeric[i] ? 'num' : ''}">${column}</th>`)}
              </tr>
            </thead>
            <tbody>
              ${rows.map(
                (row) =>
                  html`<tr>
                    ${columns.map(
                      (column, i) =>
                        html`<td
                          class="${numeric[i] ? 'num' : ''}"
                          data-column="${column}"
                          data-value="${JSON.stringify(row[column] ?? null)}"
                        >
                          ${cell(row[column])}
                        </td>`,
                    )}
                  </tr> `,
              )}
            </tbody>
          </table>`
        : html`<p class="note" id="report-empty">(0 rows)</p>`
    }`;
  return layout({ title: `Report: ${name}`, current: 'Reports', database, body });
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The first line of the query's comment, without the report's own name in front. */
function summary(description: string[], name: string): string {
  const first = description[0] ?? '';
  return first.startsWith(`${name}:`) ? first.slice(name.length + 1).trim() : first;
}
