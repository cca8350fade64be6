import type { Calendar, DayInfo } from "../domain/calendar";
import { type LocalDate, toDayNumber, zoneOf } from "../domain/local-date";
import {
  computePlan,
  type PlanItem,
  type PlanResult,
  type PlanWarning,
  planVisitWindowStart,
} from "../domain/plan";
import type { Logger } from "../logger";
import type { PlanCadre, PlanSubject, ReadProgress } from "../store/plan-input-repository";
import { type CadenceData, loadCadenceData, loadPolicies, type PlanningRepos } from "./cadence-data";
import { loadCalendar } from "./calendar-settings";
import type { RegionTree } from "./region-tree";

/** Local time of the morning card; a plan for another day than today is computed as of then. */
export const DAILY_PUSH_TIME = { hour: 8, minute: 30 } as const;

/** One guarantor's numbered list for the day. */
export interface CadrePlanList {
  cadre: PlanCadre;
  items: PlanItem[];
}

export interface DailyPlan {
  date: LocalDate;
  /** The instant the plan was computed for (visits after it do not count). */
  at: Date;
  workday: boolean;
  day: DayInfo;
  calendar: Calendar;
  result: PlanResult;
  /** The loaded subjects, in the order of `result.subjects`. */
  subjects: readonly PlanSubject[];
  regions: RegionTree;
  cadres: ReadonlyMap<number, PlanCadre>;
  /** Active cadres with something due, by cadre id; items numbered 1..n, most urgent first. */
  lists: CadrePlanList[];
  warnings: PlanWarning[];
  timings: CadenceData["timings"] & { compute: number };
}

export type PlanRequest = { now: Date; date?: LocalDate };

export interface Planner {
  /**
   * The plan of a day: today's as of `now`, another day's as of its morning push time
   * (`DAILY_PUSH_TIME`, so `plan --date` shows the card that day would have had).
   */
  planForDate(request: PlanRequest): Promise<DailyPlan>;
  /**
   * One cadre's list for the day (`任务`), reading only the people they guarantee that day: the
   * same items and numbers as in the full plan. `lists` holds at most that cadre's list;
   * `result.summary` counts only their people.
   */
  planForCadre(cadreId: number, request: PlanRequest): Promise<DailyPlan>;
  /** The calendar with the operator's overrides (read fresh each time). */
  calendar(): Promise<Calendar>;
}

export interface PlannerDeps {
  repos: PlanningRepos;
  tz: string;
  logger?: Pick<Logger, "warn">;
  onProgress?: ReadProgress;
}

/** The instant a plan for `date` is computed as of (see `Planner.planForDate`). */
export function planInstant(request: PlanRequest, tz: string): { date: LocalDate; at: Date } {
  const zone = zoneOf(tz);
  const today = zone.localDateAt(request.now);
  const date = request.date ?? today;
  if (date === today) return { date, at: request.now };
  return { date, at: localTimeOn(date, DAILY_PUSH_TIME.hour, DAILY_PUSH_TIME.minute, tz) };
}

/** The instant of a local wall-clock time on a civil date (zones without DST at that hour). */
export function localTimeOn(date: LocalDate, hour: number, minute: number, tz: string): Date {
  const start = zoneOf(tz).startOfDay(toDayNumber(date));
  return new Date(start.getTime() + (hour * 60 + minute) * 60_000);
}

/** Creates the planner over the store. */
export function createPlanner(deps: PlannerDeps): Planner {
  const { repos, tz } = deps;

  async function plan(request: PlanRequest, guarantorId?: number): Promise<DailyPlan> {
    const { date, at } = planInstant(request, tz);
    const policies = await loadPolicies(repos);
    const visitsFrom = planVisitWindowStart(at, policies, tz);
    const data = await loadCadenceData(
      repos,
      tz,
      { visitsFrom, visitsTo: at, guaranteesFrom: zoneOf(tz).localDateAt(visitsFrom), guaranteesTo: date },
      { policies, onProgress: deps.onProgress, guarantorId },
    );
    const started = performance.now();
    const result = computePlan({
      now: at,
      calendar: data.calendar,
      subjects: data.subjects,
      guarantees: data.guarantees,
      visits: data.visits,
      policies: data.policies,
      regionAncestors: data.regions.ancestry,
      visitsFrom,
    });
    const compute = performance.now() - started;
    // Lists of cadres no longer active are dropped (their guarantees are not loaded either).
    const lists: CadrePlanList[] = [];
    for (const [cadreId, items] of result.byCadre) {
      const cadre = data.cadres.get(cadreId as number);
      if (cadre) lists.push({ cadre, items });
    }
    lists.sort((a, b) => a.cadre.id - b.cadre.id);
    for (const warning of result.warnings) {
      if (warning.code === "calendar.schedule_missing") deps.logger?.warn({ warning }, warning.message);
    }
    return {
      date,
      at,
      workday: result.workday,
      day: data.calendar.describeDay(date),
      calendar: data.calendar,
      result,
      subjects: data.subjects,
      regions: data.regions,
      cadres: data.cadres,
      lists,
      warnings: result.warnings,
      timings: { ...data.timings, compute },
    };
  }

  return {
    calendar: () => loadCalendar(repos.settings, tz),
    planForDate: (request) => plan(request),
    planForCadre: async (cadreId, request) => {
      const full = await plan(request, cadreId);
      return { ...full, lists: full.lists.filter((l) => l.cadre.id === cadreId) };
    },
  };
}
