/**
 * The project's folder (the one with package.json), from wherever this file runs: `src/util` under
 * tsx, `dist/src/util` once compiled. Files shipped beside the code (the stored queries in
 * `sql/queries`, package.json's version) are found from here, so both layouts read the same files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

export const PROJECT_ROOT = findProjectRoot(__dirname);

/** The version in package.json, for `--version`. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string })
    .version;
}
