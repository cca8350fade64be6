/** Small pure helpers for YYYY-MM-DD calendar dates (no time zone, no clock). */

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Formats a year, month (1–12) and day as YYYY-MM-DD. */
export function formatDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** True when the year, month and day name a real calendar day (2月30日 does not). */
export function isValidDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Parses YYYY-MM-DD into its parts, or null when it is not a real date. */
export function parseDate(text: string): { year: number; month: number; day: number } | null {
  const match = DATE_PATTERN.exec(text);
  if (match === null) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return isValidDate(year, month, day) ? { year, month, day } : null;
}

/** Days since 1970-01-01 of a valid date (for comparisons and distances). */
export function dayNumber(year: number, month: number, day: number): number {
  return Math.round(Date.UTC(year, month - 1, day) / 86_400_000);
}

/** The date `days` days after (or before, when negative) a valid YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const parts = parseDate(date);
  if (parts === null) return date;
  const shifted = new Date(Date.UTC(parts.year, parts.month - 1, parts.day + days));
  return formatDate(shifted.getUTCFullYear(), shifted.getUTCMonth() + 1, shifted.getUTCDate());
}
