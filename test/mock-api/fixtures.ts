// Why: the mock serves real CoinGecko captures; every fixture is read once, at module load, from the
// project's own copy (test/fixtures/coingecko), so no request ever touches the disk.
import { readFileSync } from 'fs';
import { join } from 'path';

export const FIXTURES_DIR = join(__dirname, '..', 'fixtures', 'coingecko');

export function readFixtureText(name: string): string {
  return readFileSync(join(FIXTURES_DIR, name), 'utf8');
}

export function readFixtureJson<T>(name: string): T {
  return JSON.parse(readFixtureText(name)) as T;
}
