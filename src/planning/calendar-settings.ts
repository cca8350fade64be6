import { z } from "zod";
import {
  type Calendar,
  type CalendarOverride,
  createCalendar,
  type LibraryRuling,
  libraryRulings,
  libraryScheduleYears,
} from "../domain/calendar";
import { toDayNumber, ymdOf } from "../domain/local-date";
import type { HolidayNotice } from "../domain/parse-holiday-notice";
import { calendarOverrideSchema } from "../domain/schemas";
import type { AuditEntry } from "../store/audit-repository";
import type { Repos, Store } from "../store/store";
import type { SettingRepository } from "../store/setting-repository";

/** The Setting row holding operator calendar rulings. */
export const CALENDAR_SETTING_KEY = "calendar.overrides";

/** An override as stored: `notice` is the year of the State Council notice it was imported from. */
export interface StoredOverride extends CalendarOverride {
  note: string | null;
  /** Null for the operator's own ruling (`calendar set`). */
  notice: number | null;
}

/**
 * What the setting holds: per-date rulings, and the years whose complete official schedule has
 * been entered (an imported notice, or `calendar set <year> --complete`): no missing-schedule
 * warning for them. A bare array of rulings is accepted. Written by `baobao calendar`.
 *
 *   {"overrides":[{"date":"2027-01-01","workday":false,"note":"元旦","notice":2027}],"scheduledYears":[2027]}
 */
export interface CalendarSettings {
  overrides: StoredOverride[];
  scheduledYears: number[];
}

const yearSchema = z.number().int().min(2000).max(2100);
const storedOverrideSchema = calendarOverrideSchema.extend({ notice: yearSchema.nullish() });

const settingsSchema = z.union([
  z.array(storedOverrideSchema).transform((overrides) => ({ overrides, scheduledYears: [] as number[] })),
  z.object({
    overrides: z.array(storedOverrideSchema).default([]),
    scheduledYears: z.array(yearSchema).default([]),
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
    overrides: parsed.data.overrides.map((o) => ({
      date: o.date,
      workday: o.workday,
      note: o.note ?? null,
      notice: o.notice ?? null,
    })),
    scheduledYears: parsed.data.scheduledYears,
  };
}

/** Builds the calendar of `settings` (a contradiction is an operator error). */
export function calendarOf(settings: CalendarSettings, tz: string): Calendar {
  try {
    return createCalendar({ tz, overrides: settings.overrides, scheduledYears: settings.scheduledYears });
  } catch (err) {
    throw new CalendarSettingsError(
      `系统设置 ${CALENDAR_SETTING_KEY} 有矛盾：${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** The working-day calendar in `tz` with the operator's rulings from the settings table. */
export async function loadCalendar(settings: Pick<SettingRepository, "get">, tz: string): Promise<Calendar> {
  return calendarOf(parseCalendarSettings(await settings.get(CALENDAR_SETTING_KEY)), tz);
}

/** The setting as stored (sorted by date; optional fields left out when empty). */
export function calendarSettingsJson(settings: CalendarSettings) {
  return {
    overrides: [...settings.overrides]
      .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))
      .map((o) => ({
        date: o.date,
        workday: o.workday,
        ...(o.note ? { note: o.note } : {}),
        ...(o.notice !== null ? { notice: o.notice } : {}),
      })),
    scheduledYears: [...new Set(settings.scheduledYears)].sort((a, b) => a - b),
  };
}

const yearOf = (date: string) => ymdOf(toDayNumber(date)).year;

/** The rulings a notice brings: days off named after the holiday, make-up days `…调休上班`. */
export function noticeOverrides(notice: HolidayNotice): StoredOverride[] {
  return notice.holidays.flatMap((h) => [
    ...h.daysOff.map((date) => ({ date, workday: false, note: h.name.slice(0, 50), notice: notice.year })),
    ...h.workdays.map((date) => ({
      date,
      workday: true,
      note: `${h.name}调休上班`.slice(0, 50),
      notice: notice.year,
    })),
  ]);
}

export interface NoticeChange {
  settings: CalendarSettings;
  added: StoredOverride[];
  /** Rulings the notice replaced: an earlier import of the same year, or other rulings of its dates. */
  replaced: StoredOverride[];
}

/**
 * The settings with `notice` imported: an earlier import of the same year goes, every date the
 * notice names gets its ruling (replacing an operator's ruling of that date), the operator's
 * rulings of other dates stay, and the year counts as scheduled.
 */
export function withNotice(settings: CalendarSettings, notice: HolidayNotice): NoticeChange {
  const added = noticeOverrides(notice);
  const dates = new Set(added.map((o) => o.date));
  const replaced = settings.overrides.filter((o) => o.notice === notice.year || dates.has(o.date));
  const kept = settings.overrides.filter((o) => !(o.notice === notice.year || dates.has(o.date)));
  return {
    settings: {
      overrides: [...kept, ...added],
      scheduledYears: [...new Set([...settings.scheduledYears, notice.year])],
    },
    added,
    replaced,
  };
}

/** The settings with the operator's ruling of one date (replacing any other ruling of it). */
export function withOverride(
  settings: CalendarSettings,
  ruling: { date: string; workday: boolean; note: string | null },
): { settings: CalendarSettings; replaced: StoredOverride | null } {
  const replaced = settings.overrides.find((o) => o.date === ruling.date) ?? null;
  return {
    settings: {
      overrides: [...settings.overrides.filter((o) => o.date !== ruling.date), { ...ruling, notice: null }],
      scheduledYears: settings.scheduledYears,
    },
    replaced,
  };
}

/** The settings without the ruling of `date` (null when there is none). */
export function withoutOverride(
  settings: CalendarSettings,
  date: string,
): { settings: CalendarSettings; removed: StoredOverride } | null {
  const removed = settings.overrides.find((o) => o.date === date);
  if (!removed) return null;
  return {
    settings: {
      overrides: settings.overrides.filter((o) => o.date !== date),
      scheduledYears: settings.scheduledYears,
    },
    removed,
  };
}

/** The settings with `year` marked as completely entered, or no longer. */
export function withYearComplete(
  settings: CalendarSettings,
  year: number,
  complete: boolean,
): CalendarSettings {
  const others = settings.scheduledYears.filter((y) => y !== year);
  return { overrides: settings.overrides, scheduledYears: complete ? [...others, year] : others };
}

/** Where a listed ruling comes from. */
export type RulingSource = "library" | "operator" | "notice";

export interface YearRuling {
  date: string;
  workday: boolean;
  name: string | null;
  source: RulingSource;
  /** Set when the ruling replaces a different one of the library for this date. */
  overrides?: LibraryRuling;
}

export interface YearCalendar {
  year: number;
  /** library: chinese-days has it; entered: a notice was imported or the year marked complete. */
  schedule: "library" | "entered" | "missing";
  /** The rulings in effect in that year, by date: library ones unless an override replaces them. */
  rulings: YearRuling[];
  /** Years of the notices whose rulings are among them. */
  notices: number[];
}

/** The year's working-day calendar as `calendar list` shows it. */
export function yearCalendar(settings: CalendarSettings, year: number): YearCalendar {
  const library = new Map(libraryRulings(year).map((r) => [r.date, r]));
  const rulings = new Map<string, YearRuling>();
  for (const [date, r] of library)
    rulings.set(date, { date, workday: r.workday, name: r.name, source: "library" });
  const notices = new Set<number>();
  for (const o of settings.overrides) {
    if (yearOf(o.date) !== year) continue;
    const lib = library.get(o.date);
    const ruling: YearRuling = {
      date: o.date,
      workday: o.workday,
      name: o.note,
      source: o.notice !== null ? "notice" : "operator",
    };
    if (lib && lib.workday !== o.workday) ruling.overrides = lib;
    if (o.notice !== null) notices.add(o.notice);
    rulings.set(o.date, ruling);
  }
  const schedule = libraryScheduleYears().includes(year)
    ? "library"
    : settings.scheduledYears.includes(year)
      ? "entered"
      : "missing";
  return {
    year,
    schedule,
    rulings: [...rulings.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)),
    notices: [...notices].sort((a, b) => a - b),
  };
}

/**
 * Dates where the notice and chinese-days disagree, for a notice of a year the library covers
 * (empty otherwise): a day the notice names differently, or a library ruling of that year the
 * notice does not name. `null` = no ruling (an ordinary day by its weekday).
 */
export function noticeDifferences(
  notice: HolidayNotice,
): { date: string; notice: boolean | null; library: boolean | null }[] {
  const libraryYears = new Set(libraryScheduleYears());
  if (!libraryYears.has(notice.year)) return [];
  const fromNotice = new Map(noticeOverrides(notice).map((o) => [o.date, o.workday]));
  const fromLibrary = new Map<string, boolean>();
  for (const year of new Set([notice.year, ...[...fromNotice.keys()].map(yearOf)])) {
    for (const r of libraryRulings(year)) fromLibrary.set(r.date, r.workday);
  }
  const dates = new Set([...fromNotice.keys(), ...libraryRulings(notice.year).map((r) => r.date)]);
  return [...dates]
    .sort()
    .filter((date) => libraryYears.has(yearOf(date)))
    .map((date) => ({ date, notice: fromNotice.get(date) ?? null, library: fromLibrary.get(date) ?? null }))
    .filter((d) => d.notice !== d.library);
}

/** An audited change of the calendar setting. */
export interface CalendarChange<T> {
  settings: CalendarSettings;
  result: T;
  audit: { action: string; detail: AuditEntry["detail"] };
}

/**
 * Changes the calendar setting in one transaction: the setting is locked (two operators cannot
 * lose each other's change), read, changed by `change` (which may throw to change nothing),
 * checked (a contradiction stores nothing), written, and audited under `actor`.
 */
export async function changeCalendarSettings<T>(
  store: Pick<Store, "transaction">,
  actor: string,
  at: Date,
  change: (current: CalendarSettings) => CalendarChange<T>,
): Promise<T> {
  return store.transaction(async (repos: Repos) => {
    await repos.settings.lock(CALENDAR_SETTING_KEY);
    const current = parseCalendarSettings(await repos.settings.get(CALENDAR_SETTING_KEY));
    const next = change(current);
    calendarOf(next.settings, "UTC");
    await repos.settings.set(CALENDAR_SETTING_KEY, calendarSettingsJson(next.settings));
    await repos.audit.record({
      actor,
      action: next.audit.action,
      entity: "Setting",
      entityId: CALENDAR_SETTING_KEY,
      detail: next.audit.detail,
      at,
    });
    return next.result;
  });
}
