import { addDays, dayNumber, formatDate, isValidDate, parseDate } from "./calendar-date";

/** A date at the start of a visit message (`昨天 1 正常`, `11月20日 1 正常`, `11-20 1 正常`). */
export interface DatePrefix {
  /** Index just after the date (and any 上午/下午 that follows it). */
  end: number;
  /** The resolved YYYY-MM-DD date; also set when it is in the future. */
  date: string | null;
  error: "invalid_date" | "future_date" | null;
  /** The date as typed. */
  text: string;
  /** `M-D` or `M/D` without a year: the same text could be list numbers (`11-20 正常`, `1/3 正常`). */
  couldBeNumbers: boolean;
}

/** Relative day words and their offset from today. */
export const RELATIVE_DAYS: readonly (readonly [word: string, days: number])[] = [
  ["大前天", -3],
  ["前天", -2],
  ["昨天", -1],
  ["昨日", -1],
  ["今天", 0],
  ["今日", 0],
  ["明天", 1],
  ["明日", 1],
  ["后天", 2],
];

const FULL_DATE = /(\d{4}) ?[-./年] ?(\d{1,2}) ?[-./月] ?(\d{1,2})(?: ?[日号]|(?!\d))/y;
const MONTH_DAY_CHINESE = /(\d{1,2}) ?月 ?(\d{1,2})(?: ?[日号]|(?!\d))/y;
const MONTH_DAY_NUMERIC = /(\d{1,2})([-./])(\d{1,2})(?![\d.\-/~])/y;
const TIME_OF_DAY = / ?(?:上午|下午|中午|晚上|早上|傍晚|凌晨)/y;

function execAt(pattern: RegExp, text: string, index: number): RegExpExecArray | null {
  pattern.lastIndex = index;
  return pattern.exec(text);
}

/** Picks the year (last, this or next) that puts month/day closest to today. */
function resolveMonthDay(month: number, day: number, today: string): string | null {
  const parts = parseDate(today);
  if (parts === null) return null;
  const todayNumber = dayNumber(parts.year, parts.month, parts.day);
  let best: { date: string; distance: number } | null = null;
  for (const year of [parts.year - 1, parts.year, parts.year + 1]) {
    if (!isValidDate(year, month, day)) continue;
    const distance = Math.abs(dayNumber(year, month, day) - todayNumber);
    if (best === null || distance < best.distance) best = { date: formatDate(year, month, day), distance };
  }
  return best?.date ?? null;
}

function finish(
  lower: string,
  start: number,
  end: number,
  date: string | null,
  today: string,
  couldBeNumbers = false,
) {
  const time = execAt(TIME_OF_DAY, lower, end);
  const finalEnd = time === null ? end : TIME_OF_DAY.lastIndex;
  const error = date === null ? "invalid_date" : date > today ? "future_date" : null;
  return { end: finalEnd, date, error, text: lower.slice(start, end), couldBeNumbers } satisfies DatePrefix;
}

/**
 * Reads a date at `index` of a normalised, lower-cased message: 今天/昨天/前天/大前天 (and 明天/后天,
 * which are always in the future), `11月20日`, `11-20`, `11.20`, `11/20`, `2026-11-20`,
 * `2026年11月20日`. A date without a year takes the year that puts it closest to `today`, so in
 * January `12月30日` is last December. Returns null when there is no date.
 */
export function readDatePrefix(lower: string, index: number, today: string): DatePrefix | null {
  for (const [word, days] of RELATIVE_DAYS) {
    if (lower.startsWith(word, index))
      return finish(lower, index, index + word.length, addDays(today, days), today);
  }
  const full = execAt(FULL_DATE, lower, index);
  if (full !== null) {
    const [year, month, day] = [Number(full[1]), Number(full[2]), Number(full[3])];
    const date = isValidDate(year, month, day) ? formatDate(year, month, day) : null;
    return finish(lower, index, FULL_DATE.lastIndex, date, today);
  }
  const chinese = execAt(MONTH_DAY_CHINESE, lower, index);
  if (chinese !== null) {
    const date = resolveMonthDay(Number(chinese[1]), Number(chinese[2]), today);
    return finish(lower, index, MONTH_DAY_CHINESE.lastIndex, date, today);
  }
  const numeric = execAt(MONTH_DAY_NUMERIC, lower, index);
  if (numeric !== null) {
    const date = resolveMonthDay(Number(numeric[1]), Number(numeric[3]), today);
    return finish(lower, index, MONTH_DAY_NUMERIC.lastIndex, date, today, numeric[2] !== ".");
  }
  return null;
}
