/** Highest list number accepted; the daily card never gets near it, so more is a typo. */
export const MAX_LIST_NUMBER = 999;

/** Most people one message may name by number (after expanding ranges). */
export const MAX_TARGET_NUMBERS = 50;

/** A list number read at some index. */
export interface ListNumber {
  value: number;
  start: number;
  end: number;
}

/** A list of numbers, or why the numbers typed cannot be used. */
export type NumberListResult =
  | { ok: true; numbers: number[]; end: number }
  | { ok: false; error: "invalid_number" | "range_too_large"; text: string; end: number };

const CHINESE_NUMERAL = /([一二三四五六七八九]?)十([一二三四五六七八九]?)|([一二三四五六七八九])/y;
const DIGITS = /\d+/y;
const DIGIT_VALUES = "一二三四五六七八九";
const LIST_JOINERS = ["和", "及", "与", "跟", "/"];
const RANGE_WORDS = ["-", "~", "到", "至"];

const digitValue = (ch: string | undefined): number => (ch ? DIGIT_VALUES.indexOf(ch) + 1 : 0);

/** Reads a Chinese numeral from 一 to 九十九 (一, 十, 十二, 二十, 二十三) at `index`. */
export function readChineseNumeral(lower: string, index: number): { value: number; end: number } | null {
  CHINESE_NUMERAL.lastIndex = index;
  const match = CHINESE_NUMERAL.exec(lower);
  if (match === null) return null;
  const value =
    match[3] !== undefined
      ? digitValue(match[3])
      : (match[1] ? digitValue(match[1]) : 1) * 10 + digitValue(match[2]);
  return { value, end: CHINESE_NUMERAL.lastIndex };
}

const skipSpaces = (lower: string, index: number): number => (lower[index] === " " ? index + 1 : index);

/**
 * Reads one list number at `index`: digits or a Chinese numeral, optionally as 第N, N号, N个.
 * Circled digits were already turned into digits by `normalise`. The number must end at a space,
 * the end, a range or list word, or a word that `isWordAt` recognises (`1正常`, `一电话正常`), so
 * that `3天没吃药` and `一切正常` are not numbers.
 */
export function readListNumber(
  lower: string,
  index: number,
  isWordAt: (lower: string, index: number) => boolean,
): ListNumber | null {
  let i = index;
  if (lower[i] === "第") i += 1;
  let value: number;
  DIGITS.lastIndex = i;
  const digits = DIGITS.exec(lower);
  if (digits !== null) {
    // Long digit runs (phone numbers, ID numbers) are kept as an out-of-range value.
    value = digits[0].length > 6 ? Number.MAX_SAFE_INTEGER : Number(digits[0]);
    i = DIGITS.lastIndex;
  } else {
    const numeral = readChineseNumeral(lower, i);
    if (numeral === null) return null;
    value = numeral.value;
    i = numeral.end;
  }
  if (lower[i] === "号" || lower[i] === "个" || lower[i] === "位") i += 1;
  const next = lower[i];
  const bounded =
    next === undefined ||
    next === " " ||
    RANGE_WORDS.includes(next) ||
    LIST_JOINERS.includes(next) ||
    isWordAt(lower, i);
  return bounded ? { value, start: index, end: i } : null;
}

/**
 * Reads the list numbers at the start of a visit: `1`, `13`, `1 3`, `1、3` (already `1 3`),
 * `1,3`, `1和3`, `1/3`, ranges `1-3`, `1~3`, `1到3`, `一到三`, and mixtures (`1 3 5-7`). Numbers are
 * de-duplicated in the order typed; a range typed backwards (`3-1`) means the same as `1-3`.
 * Returns null when no number starts at `index`.
 */
export function readNumberList(
  lower: string,
  index: number,
  isWordAt: (lower: string, index: number) => boolean,
): NumberListResult | null {
  const numbers: number[] = [];
  let i = index;
  let end = index;
  for (;;) {
    const first = readListNumber(lower, i, isWordAt);
    if (first === null) break;
    let last = first;
    const afterFirst = skipSpaces(lower, first.end);
    const rangeWord = lower[afterFirst];
    if (rangeWord !== undefined && RANGE_WORDS.includes(rangeWord)) {
      const second = readListNumber(lower, skipSpaces(lower, afterFirst + 1), isWordAt);
      if (second !== null) last = second;
    }
    const values = last === first ? [first.value] : [first.value, last.value];
    for (const value of values) {
      if (value < 1 || value > MAX_LIST_NUMBER) {
        return {
          ok: false,
          error: "invalid_number",
          text: lower.slice(first.start, last.end),
          end: last.end,
        };
      }
    }
    const low = Math.min(first.value, last.value);
    const high = Math.max(first.value, last.value);
    if (high - low + 1 > MAX_TARGET_NUMBERS) {
      return { ok: false, error: "range_too_large", text: lower.slice(first.start, last.end), end: last.end };
    }
    for (const value of range(low, high)) if (!numbers.includes(value)) numbers.push(value);
    if (numbers.length > MAX_TARGET_NUMBERS) {
      return { ok: false, error: "range_too_large", text: lower.slice(index, last.end), end: last.end };
    }
    end = last.end;
    // Another item may follow after a space or a joiner: 1 3, 1和3.
    let next = skipSpaces(lower, end);
    const joiner = lower[next];
    if (joiner !== undefined && LIST_JOINERS.includes(joiner)) next = skipSpaces(lower, next + 1);
    if (next === end || readListNumber(lower, next, isWordAt) === null) break;
    i = next;
  }
  return numbers.length === 0 ? null : { ok: true, numbers, end };
}

function range(low: number, high: number): number[] {
  const values: number[] = [];
  for (let value = low; value <= high; value += 1) values.push(value);
  return values;
}
