/**
 * The stored queries of `sql/queries/`, one report per `.sql` file, named by the file. Every query
 * takes the same three positional parameters, each NULL for "no filter": `$1` coin ids,
 * comma-separated, `$2` first day, `$3` last day. Used by `crawl.ts report` and the status page.
 */
import { promises as fs, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import type { DayFilter } from '../core/crawl-args';
import { PROJECT_ROOT } from '../util/project-root';
import { queryWithColumns } from './open-readonly';

/** Where the reports live (from the sources or the compiled `dist/`). */
export const QUERIES_DIR = join(PROJECT_ROOT, 'sql', 'queries');

export type ReportRow = Record<string, unknown>;

/** The reports there are: the `.sql` files of QUERIES_DIR, without the extension, sorted. */
export function knownReports(dir = QUERIES_DIR): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith('.sql'))
    .map((name) => name.slice(0, -'.sql'.length))
    .sort();
}

/** What the report's file says at its top: its comment lines, without the `-- `. */
export async function reportDescription(name: string, dir = QUERIES_DIR): Promise<string[]> {
  const sql = await fs.readFile(join(dir, `${checkedName(name, dir)}.sql`), 'utf8');
  const lines: string[] = [];
  for (const line of sql.split('\n')) {
    if (!line.startsWith('--')) break;
    lines.push(line.replace(/^-- ?/, ''));
  }
  return lines;
}

/**
 * Runs the report on the database with the filter as its parameters: its rows, and its columns
 * (known also when there is no row, so a CSV always has its header).
 */
export async function runReport(
  dataSource: DataSource,
  name: string,
  filter: DayFilter,
  dir = QUERIES_DIR,
): Promise<{ rows: ReportRow[]; columns: string[] }> {
  const sql = await fs.readFile(join(dir, `${checkedName(name, dir)}.sql`), 'utf8');
  const params = [filter.coinIds?.join(',') ?? null, filter.startDate ?? null, filter.endDate ?? null];
  return queryWithColumns(dataSource, sql, params);
}

/** Only a known report's name reaches the file system (never `../x`). */
function checkedName(name: string, dir: string): string {
  if (!knownReports(dir).includes(name)) throw new Error(`unknown report ${JSON.stringify(name)}`);
  return name;
}
