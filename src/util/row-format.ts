/**
 * Rows of a query or listing, printed for people (an aligned table) or for programs (CSV, JSON):
 * used by `report` and `runs`, and by the status page's CSV downloads.
 */

export const REPORT_FORMATS = ['table', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export type Row = Record<string, unknown>;

/** The whole output for these rows, ending with a newline. */
export function formatRows(rows: readonly Row[], format: ReportFormat, columns = columnsOf(rows)): string {
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  if (format === 'csv') return formatCsv(rows, columns);
  return formatTable(rows);
}

/** The columns of the rows, in the query's order. */
function columnsOf(rows: readonly Row[]): string[] {
  return rows.length ? Object.keys(rows[0]) : [];
}

/**
 * RFC 4180: a header line (also without rows, when the columns are known), then one line per row, CRLF line ends; a field holding a comma, a quote or
 * a line break is quoted, its quotes doubled. Null is an empty field; numbers keep every digit.
 */
export function formatCsv(rows: readonly Row[], columns = columnsOf(rows)): string {
  if (columns.length === 0) return '';
  const field = (value: unknown) => {
    const text = csvText(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = [columns, ...rows.map((row) => columns.map((column) => row[column]))];
  return lines.map((values) => values.map(field).join(',')).join('\r\n') + '\r\n';
}

function csvText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * An aligned table for people: a header, a rule, one line per row; columns two spaces apart, numbers
 * right-aligned and rounded to about six significant digits (never fewer than two decimals), null
 * blank. No rows: `(0 rows)`.
 */
export function formatTable(rows: readonly Row[]): string {
  const columns = columnsOf(rows);
  if (columns.length === 0) return '(0 rows)\n';
  const numeric = columns.map((column) =>
    rows.every((row) => row[column] === null || typeof row[column] === 'number'),
  );
  const cells = rows.map((row) =>
    columns.map((column) => {
      const value = row[column];
      return typeof value === 'number' ? formatNumber(value) : csvText(value);
    }),
  );
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((line) => line[i].length)));
  const line = (values: string[]) =>
    values
      .map((value, i) => (numeric[i] ? value.padStart(widths[i]) : value.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return (
    [line(columns), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n') + '\n'
  );
}

/** Whole numbers as they are; others to about 6 significant digits, 2 to 10 decimals. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  const digitsBeforePoint = Math.floor(Math.log10(Math.abs(value))) + 1;
  const decimals = Math.min(10, Math.max(2, 6 - digitsBeforePoint));
  // Trailing zeros past the second decimal say nothing: 12.5000 -> 12.50.
  return value.toFixed(decimals).replace(/(\.\d\d\d*?)0+$/, '$1');
}
