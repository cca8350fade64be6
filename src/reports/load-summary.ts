import type { Calendar } from "../domain/calendar";
import { addDays, type LocalDate, toDayNumber, zoneOf } from "../domain/local-date";
import type { PlanningRepos } from "../planning/cadence-data";
import { createPlanner, type DailyPlan, localTimeOn, type Planner } from "../planning/planner";
import type { ReportRepository } from "../store/report-repository";
import type { Repos } from "../store/store";
import { type JurisdictionSummary, summariseJurisdictions } from "./jurisdiction-summary";

/** The repositories a summary reads (all read-only). */
export type SummaryRepos = PlanningRepos & Pick<Repos, "reports">;

/** The evening summary is computed as of this local time on days other than today. */
export const SUMMARY_TIME = { hour: 17, minute: 30 } as const;

/** What a daily summary covers. */
export interface DailyWindow {
  date: LocalDate;
  /** The instant the figures are as of. */
  at: Date;
  /** Local midnight starting `date`: abnormal visits made or recorded since count as today's. */
  dayStart: Date;
  /** Pauses that began after the previous working day count as new (a Monday covers the weekend). */
  pausedSince: LocalDate;
  /** Local midnight starting `pausedSince`: pauses recorded since count as new too. */
  pausedSinceAt: Date;
}

/**
 * The daily window for `date`: as of `now` when it is today, else as of 17:30 that day (the
 * summary a leader would have received).
 */
export function dailyWindow(calendar: Calendar, tz: string, now: Date, date?: LocalDate): DailyWindow {
  const zone = zoneOf(tz);
  const today = zone.localDateAt(now);
  const day = date ?? today;
  const at = day === today ? now : localTimeOn(day, SUMMARY_TIME.hour, SUMMARY_TIME.minute, tz);
  const pausedSince = addDays(calendar.addWorkdays(day, -1), 1);
  return {
    date: day,
    at,
    dayStart: zone.startOfDay(toDayNumber(day)),
    pausedSince,
    pausedSinceAt: zone.startOfDay(toDayNumber(pausedSince)),
  };
}

/** Loads the rows a summary reads besides the plan, for one subtree and one window. */
async function loadRows(reports: ReportRepository, regionPath: string, window: DailyWindow) {
  // One after another: inside a transaction the repositories share one connection.
  const abnormalVisits = await reports.listVisits(regionPath, window.dayStart, window.at, {
    outcome: "abnormal",
    recordedToo: true,
  });
  const incidents = await reports.listIncidents(regionPath, window.at, window.at);
  const newlyPaused = await reports.listNewlyPaused(regionPath, {
    fromDate: window.pausedSince,
    toDate: window.date,
    fromAt: window.pausedSinceAt,
    toAt: window.at,
  });
  return { abnormalVisits, incidents, newlyPaused };
}

/**
 * Summaries of several jurisdictions from one plan of the whole register (the 17:30 job): one
 * pass over the subjects, one query each for abnormal visits, incidents and pauses.
 */
export async function loadSummaries(
  deps: { repos: Pick<Repos, "reports">; planner: Planner; tz: string },
  now: Date,
  date: LocalDate,
  /** The jurisdictions (region ids) to summarise, chosen from the plan (e.g. its leaders' scopes). */
  scopes: (plan: DailyPlan) => Iterable<number>,
): Promise<{ plan: DailyPlan; window: DailyWindow; summaries: Map<number, JurisdictionSummary> }> {
  const calendar = await deps.planner.calendar();
  const window = dailyWindow(calendar, deps.tz, now, date);
  const plan = await deps.planner.planForDate({ now, date, at: window.at });
  const rows = await loadRows(deps.repos.reports, "/", window);
  const summaries = summariseJurisdictions({ ...plan, ...window, ...rows }, scopes(plan));
  return { plan, window, summaries };
}

/**
 * One jurisdiction's summary as of `now` (`统计`, `逾期`): a plan of that subtree only, so a
 * township leader's question never computes the province. Reads through `repos` (callers inside a
 * transaction pass the transaction's repositories).
 */
export async function loadRegionSummary(
  repos: SummaryRepos,
  tz: string,
  region: { id: number; path: string },
  now: Date,
): Promise<{ plan: DailyPlan; summary: JurisdictionSummary }> {
  const planner = createPlanner({ repos, tz });
  const calendar = await planner.calendar();
  const window = dailyWindow(calendar, tz, now);
  const plan = await planner.planForRegion(region.path, { now, at: window.at });
  const rows = await loadRows(repos.reports, region.path, window);
  const summary = summariseJurisdictions({ ...plan, ...window, ...rows }, [region.id]).get(region.id);
  if (!summary) throw new Error(`region ${region.id} not found in the region tree`);
  return { plan, summary };
}
