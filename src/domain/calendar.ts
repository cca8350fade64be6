/**
 * Working-day calendar: China's statutory holidays and make-up working days (调休) from the
 * chinese-days package, plus operator overrides for dates and years the package does not know.
 *
 * A year without a schedule falls back to "Monday–Friday are working days" — but never silently:
 * `describeDay` says so per day, `scheduleWarnings` lists the missing years of a range, and
 * `computePlan` returns those warnings with every plan.
 */

// The package's documented JSON (README: "For non-JS projects, you can use the JSON file"). Read
// as data because the package's own date functions parse strings in the *process* time zone.
import chineseDays from "chinese-days/dist/chinese-days.json";
import { formatScheduleMissingWarning } from "./labels";
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

/** An operator's ruling on one date: a working day or not, whatever the library says. */
export interface CalendarOverride {
  date: LocalDate;
  workday: boolean;
  note?: string | null;
}

export interface CalendarOptions {
  /** IANA time zone; default Asia/Shanghai. */
  tz?: string;
  /** Per-date rulings; they win over the library. */
  overrides?: readonly CalendarOverride[];
  /**
   * Years whose complete official schedule the operator has entered as overrides (e.g. 2027 before
   * the package is updated). Such years count as scheduled and produce no warning.
   */
  scheduledYears?: readonly number[];
}

/** Where a day's status came from. */
export type DaySource = "override" | "official" | "weekday_fallback";

export interface DayInfo {
  date: LocalDate;
  workday: boolean;
  source: DaySource;
  /** Holiday or make-up day name (e.g. 国庆节), or the override note. */
  name?: string;
}

/** Reported whenever a needed year has no statutory schedule. */
export interface CalendarWarning {
  code: "calendar.schedule_missing";
  year: number;
  message: string;
}

/** Where a year's schedule comes from. */
export type ScheduleSource = "official" | "operator" | "missing";

/** A date as `YYYY-MM-DD`, or an instant read in the calendar's time zone. */
export type DateInput = LocalDate | Date;

export interface Calendar {
  readonly tz: string;
  /** The civil date at `now` in the calendar's time zone. */
  localDate(now: Date): LocalDate;
  isWorkday(date: DateInput): boolean;
  /** Working/non-working plus where that came from; `weekday_fallback` means no schedule. */
  describeDay(date: DateInput): DayInfo;
  /**
   * Working days d with a < d ≤ b (start exclusive, end inclusive); negative when b < a.
   * E.g. from a Friday to the next Tuesday (ordinary week) = 2 (Monday, Tuesday).
   */
  workdaysBetween(a: DateInput, b: DateInput): number;
  /**
   * n > 0: the n-th working day after `date`; n < 0: the |n|-th working day before it;
   * n = 0: `date` itself. `workdaysBetween(d, addWorkdays(d, n)) === n` for n ≥ 0.
   */
  addWorkdays(date: DateInput, n: number): LocalDate;
  /** True when the year's statutory schedule is known (library or operator-entered). */
  hasOfficialSchedule(year: number): boolean;
  scheduleSource(year: number): ScheduleSource;
  /** One warning per year in [from, to] (by civil year) without a schedule. */
  scheduleWarnings(from: DateInput, to: DateInput): CalendarWarning[];
  /** Day-number form of `isWorkday`, for hot loops (see local-date.ts). */
  isWorkdayNumber(dayNumber: number): boolean;
  /** Day-number form of `workdaysBetween`, O(1) for 2000–2100. */
  workdaysBetweenNumbers(a: number, b: number): number;
}

interface LibraryData {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

const library: LibraryData = chineseDays;

/** Years covered by the bundled chinese-days data. */
const LIBRARY_YEARS: ReadonlySet<number> = new Set(
  Object.keys(library.holidays).map((d) => Number(d.slice(0, 4))),
);

/** Library rulings by day number: true = working (make-up) day, false = holiday. */
const LIBRARY_DAYS: ReadonlyMap<number, { workday: boolean; name: string }> = (() => {
  const days = new Map<number, { workday: boolean; name: string }>();
  // Entries look like "National Day,国庆节,3".
  const nameOf = (entry: string) => entry.split(",")[1] ?? entry;
  for (const [date, entry] of Object.entries(library.holidays)) {
    days.set(toDayNumber(date), { workday: false, name: nameOf(entry) });
  }
  for (const [date, entry] of Object.entries(library.workdays)) {
    days.set(toDayNumber(date), { workday: true, name: `${nameOf(entry)}调休上班` });
  }
  return days;
})();

/** Years the bundled chinese-days package has statutory schedules for. */
export function libraryScheduleYears(): number[] {
  return [...LIBRARY_YEARS].sort((a, b) => a - b);
}

/** One ruling of the bundled library: a holiday (not working) or a make-up working day. */
export interface LibraryRuling {
  date: LocalDate;
  workday: boolean;
  name: string;
}

/** The library's rulings dated in `year`, by date (empty for a year it does not cover). */
export function libraryRulings(year: number): LibraryRuling[] {
  const first = dayNumberOfYmd(year, 1, 1);
  const last = dayNumberOfYmd(year, 12, 31);
  const rulings: LibraryRuling[] = [];
  for (const [dayNumber, ruling] of LIBRARY_DAYS) {
    if (dayNumber >= first && dayNumber <= last)
      rulings.push({ date: formatDayNumber(dayNumber), ...ruling });
  }
  return rulings.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/** From this month (December) on, the next year's missing schedule is warned about too. */
export const NEXT_YEAR_WARNING_MONTH = 12;

/**
 * The schedule gaps an operator must hear about on these days: each day's own year when it has
 * no schedule, and — from 1 December — the next year when it has none (its New Year's Day would
 * otherwise count as a working day). One warning per year, earliest year first.
 */
export function scheduleOutlook(calendar: Calendar, dates: readonly LocalDate[]): CalendarWarning[] {
  const years = new Set<number>();
  for (const date of dates) {
    const { year, month } = ymdOf(toDayNumber(date));
    years.add(year);
    if (month >= NEXT_YEAR_WARNING_MONTH) years.add(year + 1);
  }
  return [...years]
    .sort((a, b) => a - b)
    .filter((year) => calendar.scheduleSource(year) === "missing")
    .map((year) => ({
      code: "calendar.schedule_missing",
      year,
      message: formatScheduleMissingWarning(year),
    }));
}

const TABLE_FIRST = dayNumberOfYmd(2000, 1, 1);
const TABLE_LAST = dayNumberOfYmd(2100, 12, 31);

/**
 * Builds a calendar. Throws RangeError on an invalid override date or two contradicting
 * overrides for one date (validate operator input at the edge first; see `calendarOverrideSchema`
 * in schemas.ts).
 */
export function createCalendar(options: CalendarOptions = {}): Calendar {
  const tz = options.tz ?? DEFAULT_TZ;
  const zone = zoneOf(tz);
  const overrides = new Map<number, { workday: boolean; note?: string }>();
  for (const override of options.overrides ?? []) {
    const dayNumber = toDayNumber(override.date);
    const existing = overrides.get(dayNumber);
    if (existing && existing.workday !== override.workday) {
      throw new RangeError(`contradicting calendar overrides for ${override.date}`);
    }
    overrides.set(
      dayNumber,
      override.note ? { workday: override.workday, note: override.note } : { workday: override.workday },
    );
  }
  const operatorYears = new Set(options.scheduledYears ?? []);

  function scheduleSource(year: number): ScheduleSource {
    if (LIBRARY_YEARS.has(year)) return "official";
    if (operatorYears.has(year)) return "operator";
    return "missing";
  }

  function describeNumber(dayNumber: number): DayInfo {
    const date = formatDayNumber(dayNumber);
    const override = overrides.get(dayNumber);
    if (override) {
      return override.note
        ? { date, workday: override.workday, source: "override", name: override.note }
        : { date, workday: override.workday, source: "override" };
    }
    const weekday = isoWeekdayOf(dayNumber) <= 5;
    const year = ymdOf(dayNumber).year;
    if (LIBRARY_YEARS.has(year)) {
      const ruling = LIBRARY_DAYS.get(dayNumber);
      if (ruling) return { date, workday: ruling.workday, source: "official", name: ruling.name };
      return { date, workday: weekday, source: "official" };
    }
    if (operatorYears.has(year)) return { date, workday: weekday, source: "official" };
    return { date, workday: weekday, source: "weekday_fallback" };
  }

  function computeWorkday(dayNumber: number): boolean {
    const override = overrides.get(dayNumber);
    if (override) return override.workday;
    const ruling = LIBRARY_DAYS.get(dayNumber);
    if (ruling) return ruling.workday;
    return isoWeekdayOf(dayNumber) <= 5;
  }

  // prefix[i] = working days among table days [TABLE_FIRST, TABLE_FIRST + i).
  const size = TABLE_LAST - TABLE_FIRST + 1;
  const flags = new Uint8Array(size);
  const prefix = new Int32Array(size + 1);
  for (let i = 0; i < size; i++) {
    const workday = computeWorkday(TABLE_FIRST + i);
    flags[i] = workday ? 1 : 0;
    prefix[i + 1] = (prefix[i] ?? 0) + (workday ? 1 : 0);
  }

  function isWorkdayNumber(dayNumber: number): boolean {
    if (dayNumber >= TABLE_FIRST && dayNumber <= TABLE_LAST) return flags[dayNumber - TABLE_FIRST] === 1;
    return computeWorkday(dayNumber);
  }

  /** Working days in (lo, hi], lo ≤ hi. */
  function countAfter(lo: number, hi: number): number {
    if (lo >= TABLE_FIRST - 1 && hi <= TABLE_LAST) {
      return (prefix[hi - TABLE_FIRST + 1] ?? 0) - (prefix[lo - TABLE_FIRST + 1] ?? 0);
    }
    let count = 0;
    for (let d = lo + 1; d <= hi; d++) if (isWorkdayNumber(d)) count++;
    return count;
  }

  function workdaysBetweenNumbers(a: number, b: number): number {
    if (a === b) return 0;
    return a < b ? countAfter(a, b) : -countAfter(b, a);
  }

  const toNumber = (date: DateInput): number =>
    typeof date === "string" ? toDayNumber(date) : zone.dayNumberAt(date);

  return {
    tz,
    localDate: (now) => zone.localDateAt(now),
    isWorkday: (date) => isWorkdayNumber(toNumber(date)),
    describeDay: (date) => describeNumber(toNumber(date)),
    workdaysBetween: (a, b) => workdaysBetweenNumbers(toNumber(a), toNumber(b)),
    addWorkdays(date, n) {
      if (!Number.isInteger(n)) throw new RangeError(`addWorkdays needs an integer, got ${n}`);
      let dayNumber = toNumber(date);
      const step = n > 0 ? 1 : -1;
      let remaining = Math.abs(n);
      // No real calendar has a year without working days; the bound only stops bad overrides.
      let guard = 0;
      while (remaining > 0) {
        dayNumber += step;
        if (isWorkdayNumber(dayNumber)) remaining--;
        if (++guard > 3660 + Math.abs(n) * 7) throw new RangeError("no working days found");
      }
      return formatDayNumber(dayNumber);
    },
    hasOfficialSchedule: (year) => scheduleSource(year) !== "missing",
    scheduleSource,
    scheduleWarnings(from, to) {
      const first = ymdOf(toNumber(from)).year;
      const last = ymdOf(toNumber(to)).year;
      const warnings: CalendarWarning[] = [];
      for (let year = first; year <= last; year++) {
        if (scheduleSource(year) === "missing") {
          warnings.push({
            code: "calendar.schedule_missing",
            year,
            message: formatScheduleMissingWarning(year),
          });
        }
      }
      return warnings;
    },
    isWorkdayNumber,
    workdaysBetweenNumbers,
  };
}
