/**
 * Query string and form values, read the way the command line reads its flags: a value given
 * twice counts once (the last), lists take commas or repeats, and a bad value is a UsageError
 * (a 400 page naming the field and the value).
 */
import { FilterNames } from '../core/crawl-args';
import { UsageError } from '../core/errors';

export type Params = Record<string, unknown>;

/** How the status page's fields are named in its error messages (and in its URLs). */
export const FIELD_NAMES: FilterNames & { date: string; spider: string } = {
  coinIds: 'coin-id',
  startDate: 'start-date',
  endDate: 'end-date',
  date: 'date',
  spider: 'spider',
};

/** The field's text (the last, if given twice); undefined when absent or blank. */
export function text(params: Params | undefined, name: string): string | undefined {
  const value = params?.[name];
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  if (last === undefined || last === null) return undefined;
  const trimmed = String(last).trim();
  return trimmed === '' ? undefined : trimmed;
}

/** Every value of the field, split at commas and spaces; undefined when none. */
export function list(params: Params | undefined, name: string): string[] | undefined {
  const value = params?.[name];
  if (value === undefined || value === null) return undefined;
  const items = (Array.isArray(value) ? value : [value])
    .flatMap((item) => String(item).split(/[\s,]+/))
    .filter((item) => item !== '');
  return items.length ? items : undefined;
}

/** A whole number from min to max, or `fallback` when absent. */
export function integer(
  params: Params | undefined,
  name: string,
  { min, max, fallback }: { min: number; max: number; fallback: number },
): number {
  const value = text(params, name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${name} ${JSON.stringify(value)}: expected a whole number from ${min} to ${max}`);
  }
  return n;
}

/** Values that must each be one of `allowed`. */
export function choices(params: Params | undefined, name: string, allowed: readonly string[]): string[] {
  const values = list(params, name) ?? [];
  const unknown = values.find((value) => !allowed.includes(value));
  if (unknown !== undefined) {
    throw new UsageError(`${name} ${JSON.stringify(unknown)}: expected one of ${allowed.join(', ')}`);
  }
  return [...new Set(values)];
}
