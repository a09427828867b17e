// SOQL date literals (TODAY, LAST_N_DAYS:7, …) as half-open UTC ranges [startMs, endMs). The emulator's org
// runs in UTC with Sunday-first weeks, like a US-locale org whose users are in GMT.
import { SfRequestError } from '../../contract.js';

const DAY_MS = 86_400_000;

export interface DateRange { start: number; end: number }

const startOfDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
const startOfWeek = (ms: number) => startOfDay(ms) - new Date(ms).getUTCDay() * DAY_MS;
const monthStart = (ms: number, add: number) => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + add, 1);
};
const yearStart = (ms: number, add: number) => Date.UTC(new Date(ms).getUTCFullYear() + add, 0, 1);

const FIXED: Record<string, (now: number) => DateRange> = {
  YESTERDAY: (n) => ({ start: startOfDay(n) - DAY_MS, end: startOfDay(n) }),
  TODAY: (n) => ({ start: startOfDay(n), end: startOfDay(n) + DAY_MS }),
  TOMORROW: (n) => ({ start: startOfDay(n) + DAY_MS, end: startOfDay(n) + 2 * DAY_MS }),
  LAST_WEEK: (n) => ({ start: startOfWeek(n) - 7 * DAY_MS, end: startOfWeek(n) }),
  THIS_WEEK: (n) => ({ start: startOfWeek(n), end: startOfWeek(n) + 7 * DAY_MS }),
  NEXT_WEEK: (n) => ({ start: startOfWeek(n) + 7 * DAY_MS, end: startOfWeek(n) + 14 * DAY_MS }),
  LAST_MONTH: (n) => ({ start: monthStart(n, -1), end: monthStart(n, 0) }),
  THIS_MONTH: (n) => ({ start: monthStart(n, 0), end: monthStart(n, 1) }),
  NEXT_MONTH: (n) => ({ start: monthStart(n, 1), end: monthStart(n, 2) }),
  LAST_90_DAYS: (n) => ({ start: startOfDay(n) - 90 * DAY_MS, end: startOfDay(n) + DAY_MS }),
  NEXT_90_DAYS: (n) => ({ start: startOfDay(n) + DAY_MS, end: startOfDay(n) + 91 * DAY_MS }),
  LAST_YEAR: (n) => ({ start: yearStart(n, -1), end: yearStart(n, 0) }),
  THIS_YEAR: (n) => ({ start: yearStart(n, 0), end: yearStart(n, 1) }),
  NEXT_YEAR: (n) => ({ start: yearStart(n, 1), end: yearStart(n, 2) }),
};

const WITH_N: Record<string, (now: number, k: number) => DateRange> = {
  LAST_N_DAYS: (n, k) => ({ start: startOfDay(n) - k * DAY_MS, end: startOfDay(n) + DAY_MS }),
  NEXT_N_DAYS: (n, k) => ({ start: startOfDay(n) + DAY_MS, end: startOfDay(n) + (k + 1) * DAY_MS }),
  N_DAYS_AGO: (n, k) => ({ start: startOfDay(n) - k * DAY_MS, end: startOfDay(n) - (k - 1) * DAY_MS }),
  LAST_N_WEEKS: (n, k) => ({ start: startOfWeek(n) - 7 * k * DAY_MS, end: startOfWeek(n) }),
  NEXT_N_WEEKS: (n, k) => ({ start: startOfWeek(n) + 7 * DAY_MS, end: startOfWeek(n) + 7 * (k + 1) * DAY_MS }),
  LAST_N_MONTHS: (n, k) => ({ start: monthStart(n, -k), end: monthStart(n, 0) }),
  NEXT_N_MONTHS: (n, k) => ({ start: monthStart(n, 1), end: monthStart(n, k + 1) }),
  LAST_N_YEARS: (n, k) => ({ start: yearStart(n, -k), end: yearStart(n, 0) }),
  NEXT_N_YEARS: (n, k) => ({ start: yearStart(n, 1), end: yearStart(n, k + 1) }),
};

/** The range a date literal (`TODAY`, `LAST_N_DAYS:7`) covers at `now`. */
export function dateLiteralRange(literal: string, now: number): DateRange {
  const [name, arg] = literal.toUpperCase().split(':');
  if (arg === undefined) {
    const fixed = FIXED[name];
    if (fixed) return fixed(now);
  } else {
    const withN = WITH_N[name];
    const k = Number(arg);
    if (withN && Number.isInteger(k) && k >= 0) return withN(now, k);
  }
  throw new SfRequestError(400, 'MALFORMED_QUERY', `unsupported date literal: ${literal}`);
}
