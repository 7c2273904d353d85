// Why: dates travel as integer day numbers (days since 1970-01-01 UTC) inside the mock, so request handling
// needs no Date objects, regexes or time zones; this file converts between them and the text forms.

export const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Reads `len` ASCII digits at `at`, or -1 if any is not a digit. */
function digits(s: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

function civil(year: number, month: number, day: number): number | null {
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return daysFromCivil(year, month, day);
}

/** `dd-mm-yyyy` (what the crawler sends) or `yyyy-mm-dd` to a day number; null if malformed or not real. */
export function parseDateParam(s: string | null | undefined): number | null {
  if (!s || s.length !== 10) return null;
  if (s[2] === '-' && s[5] === '-') return civil(digits(s, 6, 4), digits(s, 3, 2), digits(s, 0, 2));
  if (s[4] === '-' && s[7] === '-') return civil(digits(s, 0, 4), digits(s, 5, 2), digits(s, 8, 2));
  return null;
}

/** Strict ISO `yyyy-mm-dd` to a day number, or null. */
export function parseIsoDate(s: string): number | null {
  return s.length === 10 && s[4] === '-' && s[7] === '-' ? parseDateParam(s) : null;
}

/** Day number to ISO `yyyy-mm-dd` (Hinnant's civil_from_days). */
export function isoFromDays(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

/** Today's UTC day number. */
export function todayDays(now: number = Date.now()): number {
  return Math.floor(now / MS_PER_DAY);
}
