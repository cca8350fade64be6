import { z } from "zod";
import { type Calendar, type CalendarOverride, createCalendar } from "../domain/calendar";
import { calendarOverrideSchema } from "../domain/schemas";
import type { SettingRepository } from "../store/setting-repository";

/** The Setting row holding operator calendar rulings. */
export const CALENDAR_SETTING_KEY = "calendar.overrides";

/**
 * What the setting holds: per-date rulings, and the years whose complete official schedule the
 * operator has entered (no missing-schedule warning for them). A bare array of rulings is accepted.
 *
 *   {"overrides":[{"date":"2027-01-01","workday":false,"note":"元旦"}],"scheduledYears":[2027]}
 */
export interface CalendarSettings {
  overrides: CalendarOverride[];
  scheduledYears: number[];
}

const settingsSchema = z.union([
  z.array(calendarOverrideSchema).transform((overrides) => ({ overrides, scheduledYears: [] as number[] })),
  z.object({
    overrides: z.array(calendarOverrideSchema).default([]),
    scheduledYears: z.array(z.number().int().min(2000).max(2100)).default([]),
  }),
]);

/** A calendar setting that cannot be used; the message is for operators. */
export class CalendarSettingsError extends Error {
  readonly code = "calendar_settings_invalid";
  constructor(message: string) {
    super(message);
    this.name = "CalendarSettingsError";
  }
}

/** Validates the stored setting (null → no overrides). */
export function parseCalendarSettings(value: unknown): CalendarSettings {
  if (value === null || value === undefined) return { overrides: [], scheduledYears: [] };
  const parsed = settingsSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "（根）"}：${i.message}`);
    throw new CalendarSettingsError(`系统设置 ${CALENDAR_SETTING_KEY} 格式有误：${issues.join("；")}`);
  }
  return {
    overrides: parsed.data.overrides.map((o) => ({ date: o.date, workday: o.workday, note: o.note ?? null })),
    scheduledYears: parsed.data.scheduledYears,
  };
}

/** The working-day calendar in `tz` with the operator's rulings from the settings table. */
export async function loadCalendar(settings: Pick<SettingRepository, "get">, tz: string): Promise<Calendar> {
  const parsed = parseCalendarSettings(await settings.get(CALENDAR_SETTING_KEY));
  try {
    return createCalendar({ tz, overrides: parsed.overrides, scheduledYears: parsed.scheduledYears });
  } catch (err) {
    throw new CalendarSettingsError(
      `系统设置 ${CALENDAR_SETTING_KEY} 有矛盾：${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
