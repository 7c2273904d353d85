/**
 * Where the data goes, and what went wrong with it, in words for the log, never with a password.
 * Apart from data-source.ts because it needs no database driver: the job queue and the worker use it
 * without loading TypeORM and PGlite, which take a good part of a second to load.
 */
import { join } from 'node:path';

export interface DatabaseOptions {
  /** `postgres://user:password@host:port/db`; empty for the embedded database. */
  databaseUrl: string;
  /** The crawl's data folder: the embedded database goes to `<dataDir>/db`. */
  dataDir: string;
}

/** Where the data goes, in words, never with the password: `Postgres at 127.0.0.1:5432/test`. */
export function describeDatabase({ databaseUrl, dataDir }: DatabaseOptions): string {
  if (!databaseUrl) return `embedded Postgres (PGlite) in ${join(dataDir, 'db')}`;
  try {
    const url = new URL(databaseUrl);
    return `Postgres at ${url.hostname}:${url.port || 5432}${url.pathname}`;
  } catch {
    return 'Postgres at an unreadable DATABASE_URL';
  }
}

/** The error's code and first line, with any connection string removed. */
export function errorSummary(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const firstLine = String(message ?? error)
    .split('\n')[0]
    .replace(/postgres(ql)?:\/\/\S+/g, '<DATABASE_URL>');
  return code && !firstLine.includes(code) ? `${code}: ${firstLine}` : firstLine;
}
