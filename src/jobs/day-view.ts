import { WEEKDAY_LABELS } from "../domain/labels";
import { isoWeekdayOf, type LocalDate, toDayNumber, ymdOf } from "../domain/local-date";

/** A date as templates print it: `{{month}}月{{day}}日（{{weekday}}）`. */
export interface DayView {
  iso: LocalDate;
  year: number;
  month: number;
  day: number;
  weekday: string;
}

export function dayView(date: LocalDate): DayView {
  const dayNumber = toDayNumber(date);
  const { year, month, day } = ymdOf(dayNumber);
  return { iso: date, year, month, day, weekday: WEEKDAY_LABELS[isoWeekdayOf(dayNumber) - 1] ?? "" };
}
