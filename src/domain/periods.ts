/**
 * Calendar periods in a time zone: ISO weeks (Monday–Sunday), calendar months, quarters and
 * years, with stable keys (`2026-W48`, `2026-11`, `2026-Q4`, `2026`), plus every-N-days windows
 * that run from an anchor date (normally the last qualifying visit).
 */

import {
  DEFAULT_TZ,
  dayNumberOfYmd,
  formatDayNumber,
  isoWeekdayOf,
  type LocalDate,
  toDayNumber,
  ymdOf,
  zoneOf,
} from "./local-date";

export const PERIOD_UNITS = ["week", "month", "quarter", "year"] as const;
export type PeriodUnit = (typeof PERIOD_UNITS)[number];

/** One calendar period. `end` is exclusive: the instant the next period starts. */
export interface Period {
  unit: PeriodUnit;
  /** Stable key: `2026-W48` (ISO week-year), `2026-11`, `2026-Q4`, `2026`. */
  key: string;
  tz: string;
  /** First civil day. */
  startDate: LocalDate;
  /** Last civil day (inclusive). */
  endDate: LocalDate;
  /** Local 00:00 of `startDate` in `tz`. */
  start: Date;
  /** Local 00:00 of the day after `endDate` in `tz` (exclusive). */
  end: Date;
}

/** The window of an every-N-days cadence: the N days after its anchor. */
export interface DaysWindow {
  unit: "days";
  intervalDays: number;
  /** `2026-11-20+14d`: anchor date plus interval. */
  key: string;
  tz: string;
  /** The day the window counts from (the last qualifying visit, or when management started). */
  anchorDate: LocalDate;
  /** Day after the anchor. */
  startDate: LocalDate;
  /** Anchor + N days: the last day a visit is still on time (inclusive). */
  endDate: LocalDate;
  start: Date;
  end: Date;
}

/** Day-number bounds and key of a period; the allocation-free core used by the plan. */
export interface PeriodSpan {
  unit: PeriodUnit;
  key: string;
  startDay: number;
  endDay: number;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** The period of `unit` containing the civil day `dayNumber`. */
export function periodSpanOfDay(unit: PeriodUnit, dayNumber: number): PeriodSpan {
  switch (unit) {
    case "week": {
      const monday = dayNumber - (isoWeekdayOf(dayNumber) - 1);
      const thursday = monday + 3;
      const isoYear = ymdOf(thursday).year;
      const week = Math.floor((thursday - dayNumberOfYmd(isoYear, 1, 1)) / 7) + 1;
      return { unit, key: `${isoYear}-W${pad2(week)}`, startDay: monday, endDay: monday + 6 };
    }
    case "month": {
      const { year, month } = ymdOf(dayNumber);
      return {
        unit,
        key: `${year}-${pad2(month)}`,
        startDay: dayNumberOfYmd(year, month, 1),
        endDay: dayNumberOfYmd(year, month + 1, 1) - 1,
      };
    }
    case "quarter": {
      const { year, month } = ymdOf(dayNumber);
      const quarter = Math.floor((month - 1) / 3) + 1;
      const firstMonth = (quarter - 1) * 3 + 1;
      return {
        unit,
        key: `${year}-Q${quarter}`,
        startDay: dayNumberOfYmd(year, firstMonth, 1),
        endDay: dayNumberOfYmd(year, firstMonth + 3, 1) - 1,
      };
    }
    case "year": {
      const { year } = ymdOf(dayNumber);
      return {
        unit,
        key: String(year),
        startDay: dayNumberOfYmd(year, 1, 1),
        endDay: dayNumberOfYmd(year + 1, 1, 1) - 1,
      };
    }
  }
}

function toPeriod(span: PeriodSpan, tz: string): Period {
  const zone = zoneOf(tz);
  return {
    unit: span.unit,
    key: span.key,
    tz,
    startDate: formatDayNumber(span.startDay),
    endDate: formatDayNumber(span.endDay),
    start: zone.startOfDay(span.startDay),
    end: zone.startOfDay(span.endDay + 1),
  };
}

/**
 * The period of `unit` containing `at`: an instant (read in `tz`) or a civil date.
 * E.g. Sunday 2026-11-29 23:59 Shanghai is in 2026-W48; Monday 00:00 is in 2026-W49.
 */
export function periodOf(unit: PeriodUnit, at: Date | LocalDate, tz: string = DEFAULT_TZ): Period {
  const dayNumber = typeof at === "string" ? toDayNumber(at) : zoneOf(tz).dayNumberAt(at);
  return toPeriod(periodSpanOfDay(unit, dayNumber), tz);
}

/** The stable key of the period of `unit` containing `at`. */
export function periodKeyOf(unit: PeriodUnit, at: Date | LocalDate, tz: string = DEFAULT_TZ): string {
  const dayNumber = typeof at === "string" ? toDayNumber(at) : zoneOf(tz).dayNumberAt(at);
  return periodSpanOfDay(unit, dayNumber).key;
}

/** The period just before `period`. */
export function previousPeriod(period: Period): Period {
  return toPeriod(periodSpanOfDay(period.unit, toDayNumber(period.startDate) - 1), period.tz);
}

/** The period just after `period`. */
export function nextPeriod(period: Period): Period {
  return toPeriod(periodSpanOfDay(period.unit, toDayNumber(period.endDate) + 1), period.tz);
}

/** The span `steps` periods before (negative: after) the span. */
export function shiftPeriodSpan(span: PeriodSpan, steps: number): PeriodSpan {
  let current = span;
  for (let i = 0; i < Math.abs(steps); i++) {
    current = periodSpanOfDay(current.unit, steps > 0 ? current.startDay - 1 : current.endDay + 1);
  }
  return current;
}

const KEY_PATTERNS: readonly [PeriodUnit, RegExp][] = [
  ["week", /^(\d{4})-W(\d{2})$/],
  ["quarter", /^(\d{4})-Q([1-4])$/],
  ["month", /^(\d{4})-(\d{2})$/],
  ["year", /^(\d{4})$/],
];

/**
 * The period named by a key (`2026-W53`, `2026-11`, `2026-Q4`, `2026`). Throws RangeError for a
 * malformed key or one that does not exist (2027-W53: 2027 has 52 ISO weeks).
 */
export function periodFromKey(key: string, tz: string = DEFAULT_TZ): Period {
  for (const [unit, pattern] of KEY_PATTERNS) {
    const match = pattern.exec(key);
    if (!match) continue;
    const year = Number(match[1]);
    const n = Number(match[2] ?? 1);
    let day: number;
    if (unit === "week") {
      const jan4 = dayNumberOfYmd(year, 1, 4);
      day = jan4 - (isoWeekdayOf(jan4) - 1) + (n - 1) * 7;
    } else if (unit === "month") {
      day = dayNumberOfYmd(year, n, 1);
    } else if (unit === "quarter") {
      day = dayNumberOfYmd(year, (n - 1) * 3 + 1, 1);
    } else {
      day = dayNumberOfYmd(year, 1, 1);
    }
    const span = periodSpanOfDay(unit, day);
    if (span.key !== key) throw new RangeError(`no such period: ${key}`);
    return toPeriod(span, tz);
  }
  throw new RangeError(`not a period key: ${JSON.stringify(key)}`);
}

/** The every-N-days window counted from `anchor` (e.g. the last qualifying visit). */
export function daysWindowAfter(
  anchor: LocalDate,
  intervalDays: number,
  tz: string = DEFAULT_TZ,
): DaysWindow {
  if (!Number.isInteger(intervalDays) || intervalDays < 1) {
    throw new RangeError(`intervalDays must be a positive integer, got ${intervalDays}`);
  }
  const anchorDay = toDayNumber(anchor);
  const zone = zoneOf(tz);
  return {
    unit: "days",
    intervalDays,
    key: `${anchor}+${intervalDays}d`,
    tz,
    anchorDate: anchor,
    startDate: formatDayNumber(anchorDay + 1),
    endDate: formatDayNumber(anchorDay + intervalDays),
    start: zone.startOfDay(anchorDay + 1),
    end: zone.startOfDay(anchorDay + intervalDays + 1),
  };
}

/**
 * Whether a visit dated `occurred` may still be entered at `now`: its date must not be in the
 * future and must fall in the current or the previous period of `unit` (conversation.md: late
 * entries for the current or the previous period only). The visit then counts for the period
 * of its own date.
 */
export function isLateEntryAllowed(
  unit: PeriodUnit,
  occurred: Date | LocalDate,
  now: Date,
  tz: string = DEFAULT_TZ,
): boolean {
  const zone = zoneOf(tz);
  const day = typeof occurred === "string" ? toDayNumber(occurred) : zone.dayNumberAt(occurred);
  const today = zone.dayNumberAt(now);
  if (day > today) return false;
  const current = periodSpanOfDay(unit, today);
  const previous = periodSpanOfDay(unit, current.startDay - 1);
  return day >= previous.startDay;
}
