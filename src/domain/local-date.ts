/**
 * Civil dates and time zones without a date library in the hot path.
 *
 * A `LocalDate` is a calendar date written `YYYY-MM-DD`, meaningful only together with a time
 * zone. Internally dates are "day numbers": days since 1970-01-01 of the civil date, so date
 * arithmetic is integer arithmetic and never depends on the process time zone.
 */

/** A civil date, `YYYY-MM-DD`. */
export type LocalDate = string;

/** The time zone every period and working day follows unless told otherwise. */
export const DEFAULT_TZ = "Asia/Shanghai";

const MS_PER_DAY = 86_400_000;
const LOCAL_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when `value` is a real `YYYY-MM-DD` date (2026-02-30 is not). */
export function isLocalDate(value: string): boolean {
  const match = LOCAL_DATE_RE.exec(value);
  if (!match) return false;
  const dayNumber = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / MS_PER_DAY;
  return formatDayNumber(dayNumber) === value;
}

/** Day number of a `YYYY-MM-DD` date; throws on anything else (a programming error). */
export function toDayNumber(date: LocalDate): number {
  const match = LOCAL_DATE_RE.exec(date);
  if (!match) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
  const dayNumber = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / MS_PER_DAY;
  if (formatDayNumber(dayNumber) !== date) throw new RangeError(`no such date: ${date}`);
  return dayNumber;
}

/** `YYYY-MM-DD` of a day number. */
export function formatDayNumber(dayNumber: number): LocalDate {
  const d = new Date(dayNumber * MS_PER_DAY);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  return `${String(y).padStart(4, "0")}-${m < 10 ? "0" : ""}${m}-${day < 10 ? "0" : ""}${day}`;
}

/** Day number of a year, month (1–12) and day. */
export function dayNumberOfYmd(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) / MS_PER_DAY;
}

/** Year, month (1–12) and day of a day number. */
export function ymdOf(dayNumber: number): { year: number; month: number; day: number } {
  const d = new Date(dayNumber * MS_PER_DAY);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** ISO weekday of a day number: Monday 1 … Sunday 7. */
export function isoWeekdayOf(dayNumber: number): number {
  // 1970-01-01 was a Thursday (ISO 4).
  return ((((dayNumber + 3) % 7) + 7) % 7) + 1;
}

/** `date` plus `days` calendar days. */
export function addDays(date: LocalDate, days: number): LocalDate {
  return formatDayNumber(toDayNumber(date) + days);
}

/**
 * The `YYYY-MM-DD` of a `@db.Date` column as Prisma returns it (a Date at UTC midnight). Use this
 * in mappers; do not pass such values through a time zone.
 */
export function localDateFromDbDate(value: Date): LocalDate {
  return formatDayNumber(Math.floor(value.getTime() / MS_PER_DAY));
}

/** The inverse of `localDateFromDbDate`: a Date at UTC midnight for a `@db.Date` column. */
export function dbDateFromLocalDate(date: LocalDate): Date {
  return new Date(toDayNumber(date) * MS_PER_DAY);
}

/** Conversions between instants and civil dates in one time zone. */
export interface Zone {
  readonly tz: string;
  /** Day number of the civil date at `instant` in this zone. */
  dayNumberAt(instant: Date | number): number;
  /** `YYYY-MM-DD` at `instant` in this zone. */
  localDateAt(instant: Date | number): LocalDate;
  /** The instant the civil day starts (local 00:00, or the first valid local time after it). */
  startOfDay(dayNumber: number): Date;
}

const zones = new Map<string, Zone>();

/**
 * The zone helper for an IANA time zone name (cached). Throws RangeError for an unknown zone.
 * Offsets are computed with Intl once per 15-minute bucket and cached, so converting millions of
 * visit instants costs a map lookup each.
 */
export function zoneOf(tz: string = DEFAULT_TZ): Zone {
  const cached = zones.get(tz);
  if (cached) return cached;
  const zone = createZone(tz);
  zones.set(tz, zone);
  return zone;
}

const BUCKET_MS = 15 * 60 * 1000;
const MAX_CACHED_BUCKETS = 200_000;
/** UTC days 1970-01-01 … 2199-12-31 get a per-day offset slot. */
const DAY_SLOTS = 84_000;
/** Marks a UTC day with an offset change inside it: use the 15-minute cache. */
const MIXED = Number.POSITIVE_INFINITY;

function createZone(tz: string): Zone {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  // Offsets change only at whole quarter hours (UTC) in every zone in use today.
  const buckets = new Map<number, number>();
  // Most UTC days have one offset throughout: one typed-array read instead of a map lookup.
  const daySlots = new Float64Array(DAY_SLOTS).fill(Number.NaN);

  function offsetOfBucket(bucket: number): number {
    const cached = buckets.get(bucket);
    if (cached !== undefined) return cached;
    const at = bucket * BUCKET_MS;
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(at)) {
      if (part.type !== "literal") parts[part.type] = Number(part.value);
    }
    const wall = Date.UTC(
      parts.year ?? 1970,
      (parts.month ?? 1) - 1,
      parts.day ?? 1,
      parts.hour ?? 0,
      parts.minute ?? 0,
      parts.second ?? 0,
    );
    const offset = wall - at;
    if (buckets.size >= MAX_CACHED_BUCKETS) buckets.clear();
    buckets.set(bucket, offset);
    return offset;
  }

  function offsetAt(ms: number): number {
    const utcDay = Math.floor(ms / MS_PER_DAY);
    if (utcDay >= 0 && utcDay < DAY_SLOTS) {
      let slot = daySlots[utcDay] ?? Number.NaN;
      if (Number.isNaN(slot)) {
        const first = offsetOfBucket((utcDay * MS_PER_DAY) / BUCKET_MS);
        const last = offsetOfBucket(((utcDay + 1) * MS_PER_DAY) / BUCKET_MS - 1);
        // Zones change offset at most once a day, so equal ends mean one offset all day.
        slot = first === last ? first : MIXED;
        daySlots[utcDay] = slot;
      }
      if (slot !== MIXED) return slot;
    }
    return offsetOfBucket(Math.floor(ms / BUCKET_MS));
  }

  function dayNumberAt(instant: Date | number): number {
    const ms = typeof instant === "number" ? instant : instant.getTime();
    if (!Number.isFinite(ms)) throw new RangeError("invalid instant");
    return Math.floor((ms + offsetAt(ms)) / MS_PER_DAY);
  }

  return {
    tz,
    dayNumberAt,
    localDateAt: (instant) => formatDayNumber(dayNumberAt(instant)),
    startOfDay(dayNumber) {
      const wallMidnight = dayNumber * MS_PER_DAY;
      // Midnight under the offset in force the evening before and the one in force at noon; the
      // earliest that really falls on this day is its start. Where midnight does not exist (a DST
      // gap at 00:00) only the first candidate lands on this day: the instant the gap ends.
      const before = wallMidnight - offsetAt(wallMidnight - MS_PER_DAY / 2);
      const after = wallMidnight - offsetAt(wallMidnight + MS_PER_DAY / 2);
      const onDay = [before, after].filter((ms) => dayNumberAt(ms) === dayNumber);
      return new Date(onDay.length > 0 ? Math.min(...onDay) : before);
    },
  };
}
