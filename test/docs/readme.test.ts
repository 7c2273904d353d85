/**
 * The README's reference tables against the code, so they cannot drift: every setting of
 * DEFAULT_SETTINGS (with its default and its environment variable), every command, every flag of
 * `crawl`, and every npm script named in the README. A row for something that does not exist fails
 * too, and so does the layout table. Commands and flags come from the CLI's own `--help`, run as a user runs it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SETTINGS, ENV_ALIASES } from '../../src/settings';
import { PROJECT_ROOT, runCli } from '../helpers/cli';

const README = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');

/** The rows of the first table under a `## title` heading, as arrays of cells. */
function tableUnder(title: string): string[][] {
  const start = README.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no "## ${title}" section`);
  const section = README.slice(start + 1).split(/\n## /)[0];
  const lines = section.split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

/** The first `code` span of a cell, or undefined. */
const codeOf = (cell: string) => /`([^`]+)`/.exec(cell)?.[1];
/** Every `code` span of a table cell, in order. */
const codesOf = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

/** The sections of `--help`: the commands, and the long flags (kebab-case, as the README writes them). */
function parseHelp(help: string): { commands: string[]; flags: string[] } {
  const section = (title: string) => help.split(`\n${title}:\n`)[1].split('\n\n')[0];
  const commands = [...section('Commands').matchAll(/^ {2}coingecko-crawler ([a-z][a-z-]*)/gm)].map(
    (m) => m[1],
  );
  const flags = [...section('Options').matchAll(/--([a-z][a-z-]*)(?![\w-])/g)].map((m) => m[1]);
  return { commands: [...new Set(commands)].sort(), flags: [...new Set(flags)].sort() };
}

let help: { commands: string[]; flags: string[] };
beforeAll(async () => {
  const result = await runCli(['--help']);
  expect(result.code).toBe(0);
  help = parseHelp(result.stdout);
});

it('the settings table has every setting of DEFAULT_SETTINGS, with its default and its variable, and no other', () => {
  const rows = tableUnder('Settings');
  const names = rows.map(([name]) => codeOf(name));
  expect([...names].sort()).toEqual(Object.keys(DEFAULT_SETTINGS).sort());
  for (const [nameCell, defaultCell, envCell] of rows) {
    const name = codeOf(nameCell) as keyof typeof DEFAULT_SETTINGS;
    const value = DEFAULT_SETTINGS[name];
    const shown = Array.isArray(value)
      ? value.join(',')
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
    // An empty default (text or list) is described in words, e.g. "(none)"; any other is written as it is.
    expect([name, codeOf(defaultCell)]).toEqual([name, shown === '' ? undefined : shown]);
    const aliases = ENV_ALIASES[name];
    expect([name, codesOf(envCell)]).toEqual([name, aliases === undefined ? [] : [aliases].flat()]);
  }
});

it('the commands table has every command of the CLI, and no other', () => {
  const names = tableUnder('Commands').map(([command]) => codeOf(command)?.split(' ')[0]);
  expect(help.commands).toContain('crawl');
  expect([...names].sort()).toEqual(help.commands);
});

it('the crawl flags table has every flag of `crawl --help`, and no other', () => {
  const flags = tableUnder('Crawl flags').flatMap(([cell]) =>
    [...cell.matchAll(/--([a-z][a-z-]*)(?!\w)/g)].map((m) => m[1]),
  );
  expect([...new Set(flags)].sort()).toEqual(help.flags);
});

it('every npm script the README names exists in package.json', () => {
  const scripts = Object.keys(
    (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: object }).scripts,
  );
  const named = [...README.matchAll(/npm run (?:--silent )?([a-z][\w:-]*)/g)].map((m) => m[1]);
  expect([...new Set(named.filter((name) => !scripts.includes(name)))]).toEqual([]);
});

it('the layout table has a row for every folder of src/, and every path it names exists', () => {
  const paths = tableUnder('Layout').flatMap(([cell]) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]));
  const folders = readdirSync(join(PROJECT_ROOT, 'src'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `src/${entry.name}/`);
  expect(folders.filter((folder) => !paths.includes(folder))).toEqual([]);
  // dist/ is built by `npm ci`, so it exists wherever the tests run.
  expect(paths.filter((path) => !existsSync(join(PROJECT_ROOT, path)))).toEqual([]);
});

it('.env.example has every environment variable a run reads, and names no setting that does not exist', () => {
  const example = readFileSync(join(PROJECT_ROOT, '.env.example'), 'utf8');
  const names = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
  // Each variable, or one of its spellings (HTTP_PROXY or http_proxy).
  const variables = Object.values(ENV_ALIASES).map((alias) => [alias as string | readonly string[]].flat());
  expect(variables.filter((spellings) => !spellings.some((name) => names.includes(name)))).toEqual([]);
  const crawlerNames = names.filter((name) => name.startsWith('CRAWLER_')).map((name) => name.slice(8));
  expect(crawlerNames.filter((name) => !(name in DEFAULT_SETTINGS))).toEqual([]);
});
