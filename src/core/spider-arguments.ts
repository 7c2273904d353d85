/**
 * Spider arguments (Scrapy's `-a name=value`): what a spider declares it takes, and the checks that
 * turn the text of a command line into typed values before anything is sent. A bad value is a
 * UsageError naming the argument as the user gave it (`-a top="x"`, or a flag such as `--coin-id`).
 */
import { UsageError } from './errors';
import { isIsoDay } from '../util/dates';

export type ArgumentType = 'string' | 'number' | 'integer' | 'boolean' | 'date' | 'url' | 'list';

export interface ArgumentSpec {
  /** The name `-a` uses, e.g. `top` or `start-date`; the spider reads it camel-cased (`startDate`). */
  name: string;
  /**
   * How the text is read: `integer`, `number`, `boolean` (true/false/yes/no/1/0), `date` (a real
   * YYYY-MM-DD day), `url` (http or https), `list` (comma or space separated), or `string`.
   */
  type: ArgumentType;
  /** One line for `crawl --spider NAME --help`. */
  help: string;
  /** Must be given. */
  required?: boolean;
  /** The value when not given, as text (read like a given value). */
  default?: string;
  /** The only values allowed. */
  choices?: readonly string[];
  /** A further check of each value (each entry, for a list): what is wrong with it, or undefined. */
  check?: (value: string) => string | undefined;
}

/** One given argument: its text and where it came from, to name it in errors. */
export interface GivenArgument {
  name: string;
  text: string | string[];
  /** `-a name` or the flag, e.g. `--coin-id`. */
  source: string;
}

/** Splits `-a name=value` pairs; a pair without `=` is a UsageError. */
export function parseArgumentPairs(pairs: readonly string[]): GivenArgument[] {
  return pairs.map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`-a ${JSON.stringify(pair)}: expected NAME=VALUE`);
    const name = pair.slice(0, eq).trim();
    return { name, text: pair.slice(eq + 1), source: `-a ${name}` };
  });
}

/**
 * The arguments as typed values, keyed by camel-cased name, checked against the declaration: an
 * unknown name, a missing required one or a bad value is a UsageError. A name given twice keeps
 * the last value (a list adds them up).
 */
export function readArguments(
  spiderName: string,
  specs: readonly ArgumentSpec[],
  given: readonly GivenArgument[],
): Record<string, unknown> {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const values: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const argument of given) {
    const spec = byName.get(argument.name);
    if (!spec) {
      const known = specs.length ? `its arguments: ${specs.map((s) => s.name).join(', ')}` : 'it takes none';
      throw new UsageError(
        `${argument.source}: spider ${spiderName} has no argument "${argument.name}" (${known})`,
      );
    }
    const parsed = readValue(spec, argument.text, argument.source);
    const key = camelCase(spec.name);
    values[key] =
      spec.type === 'list' && seen.has(spec.name)
        ? [...(values[key] as string[]), ...(parsed as string[])]
        : parsed;
    seen.add(spec.name);
  }
  for (const spec of specs) {
    if (seen.has(spec.name)) continue;
    if (spec.default !== undefined)
      values[camelCase(spec.name)] = readValue(spec, spec.default, `-a ${spec.name}`);
    else if (spec.required) throw new UsageError(`Missing required argument: ${spec.name}`);
  }
  return values;
}

/** The arguments as `crawl --spider NAME --help` lists them. */
export function describeArguments(specs: readonly ArgumentSpec[]): string {
  if (specs.length === 0) return '  (none)';
  const names = specs.map((spec) => `-a ${spec.name}=${spec.type.toUpperCase()}`);
  const width = Math.max(...names.map((name) => name.length));
  return specs
    .map((spec, i) => {
      const notes = [
        spec.required ? 'required' : undefined,
        spec.default !== undefined ? `default ${spec.default}` : undefined,
        spec.choices ? `one of ${spec.choices.join(', ')}` : undefined,
      ].filter(Boolean);
      return `  ${names[i].padEnd(width)}  ${spec.help}${notes.length ? ` [${notes.join('; ')}]` : ''}`;
    })
    .join('\n');
}

export function camelCase(name: string): string {
  return name.replace(/[-_]+([a-z0-9])/g, (_, char: string) => char.toUpperCase());
}

function readValue(spec: ArgumentSpec, text: string | string[], source: string): unknown {
  const bad = (value: string, expected: string) =>
    new UsageError(`${source} ${JSON.stringify(value)}: ${expected}`);
  if (spec.type === 'list') {
    const texts = Array.isArray(text) ? text : [text];
    const entries = [...new Set(texts.flatMap((t) => String(t).split(/[\s,]+/)).map((t) => t.trim()))].filter(
      Boolean,
    );
    for (const entry of entries) checkValue(spec, entry, bad);
    return entries;
  }
  const value = String(Array.isArray(text) ? text[text.length - 1] : text).trim();
  switch (spec.type) {
    case 'integer':
    case 'number': {
      const n = Number(value);
      if (value === '' || !Number.isFinite(n) || (spec.type === 'integer' && !Number.isInteger(n)))
        throw bad(value, spec.type === 'integer' ? 'expected a whole number' : 'expected a number');
      checkValue(spec, value, bad);
      return n;
    }
    case 'boolean': {
      const word = value.toLowerCase();
      if (['true', 'yes', '1', 'on', ''].includes(word)) return true;
      if (['false', 'no', '0', 'off'].includes(word)) return false;
      throw bad(value, 'expected true or false');
    }
    case 'date':
      if (!isIsoDay(value)) throw bad(value, 'not a real date in YYYY-MM-DD');
      break;
    case 'url':
      if (!isHttpUrl(value)) throw bad(value, 'expected an http(s) URL');
      break;
    case 'string':
      break;
  }
  checkValue(spec, value, bad);
  return value;
}

function checkValue(spec: ArgumentSpec, value: string, bad: (value: string, expected: string) => UsageError) {
  if (spec.choices && !spec.choices.includes(value))
    throw bad(value, `expected one of ${spec.choices.join(', ')}`);
  const problem = spec.check?.(value);
  if (problem) throw bad(value, problem);
}

function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}
