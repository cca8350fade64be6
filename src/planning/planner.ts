import type { Calendar, DayInfo } from "../domain/calendar";
import {
  formatNoPolicyWarning,
  formatNoWecomAccountWarning,
  formatUnassignedWarning,
} from "../domain/labels";
import { hasWecomAccount } from "../domain/wecom-account";
import { type LocalDate, toDayNumber, zoneOf } from "../domain/local-date";
import {
  computePlan,
  numberItems,
  type PlanItem,
  type PlanWarning,
  planVisitWindowStart,
  type SubjectPlan,
  type SubjectState,
} from "../domain/plan";
import type { Id } from "../domain/records";
import type { Logger } from "../logger";
import {
  type PlanCadre,
  type ReadProgress,
  type SubjectTable,
  visitGroup,
} from "../store/plan-input-repository";
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
  /** The loaded subjects (in columns; `at(i)` gives a record). */
  subjects: SubjectTable;
  /** Each subject's state, in the order of `subjects`. */
  states: readonly SubjectState[];
  summary: Record<SubjectState, number>;
  /** The domain's record per subject, in the order of `subjects`: only with `{ detail: true }`. */
  details?: readonly SubjectPlan[];
  regions: RegionTree;
  cadres: ReadonlyMap<number, PlanCadre>;
  /** Active cadres with something due, by cadre id; items numbered 1..n, most urgent first. */
  lists: CadrePlanList[];
  warnings: PlanWarning[];
  /** Positions in `subjects` of the people owed a visit who have no active guarantor today. */
  unassigned: readonly number[];
  /** Milliseconds: each read (they overlap), the whole load, the computation. */
  timings: CadenceData["timings"] & { load: number; compute: number };
}

export type PlanRequest = {
  now: Date;
  date?: LocalDate;
  /**
   * The instant to compute the plan as of, overriding the default (reports: the end of a past
   * day). Must lie on `date` when both are given.
   */
  at?: Date;
};

export interface PlanOptions {
  /** Keep the domain's record per subject (`DailyPlan.details`): tests and small views. */
  detail?: boolean;
}

export interface Planner {
  /**
   * The plan of a day: today's as of `now`, another day's as of its morning push time
   * (`DAILY_PUSH_TIME`, so `plan --date` shows the card that day would have had).
   */
  planForDate(request: PlanRequest, opts?: PlanOptions): Promise<DailyPlan>;
  /**
   * One cadre's list for the day (`任务`), reading only the people they guarantee that day: the
   * same items and numbers as in the full plan. `lists` holds at most that cadre's list;
   * `summary` counts only their people.
   */
  planForCadre(cadreId: number, request: PlanRequest, opts?: PlanOptions): Promise<DailyPlan>;
  /**
   * The plan of one jurisdiction: only the people registered in the region subtree `regionPath`
   * (`Region.path`, e.g. `/1/4/`), with their guarantees, visits and guarantors. States and
   * items are the same as in the full plan; `lists` holds the guarantors' items for these people.
   */
  planForRegion(regionPath: string, request: PlanRequest, opts?: PlanOptions): Promise<DailyPlan>;
  /** The calendar with the operator's overrides (read fresh each time). */
  calendar(): Promise<Calendar>;
}

export interface PlannerDeps {
  repos: PlanningRepos;
  tz: string;
  logger?: Pick<Logger, "warn">;
  onProgress?: ReadProgress;
  /**
   * Subject ids per domain call (default: the store's visit groups, SUBJECT_GROUP_SPAN). The
   * domain keeps a record per person while it runs; computing a province a slice at a time
   * bounds that memory, and the cadres' lists are merged after.
   */
  sliceSpan?: number;
}

/** The instant a plan for `date` is computed as of (see `Planner.planForDate`). */
export function planInstant(request: PlanRequest, tz: string): { date: LocalDate; at: Date } {
  const zone = zoneOf(tz);
  const today = zone.localDateAt(request.now);
  const date = request.date ?? (request.at ? zone.localDateAt(request.at) : today);
  if (request.at) return { date, at: request.at };
  if (date === today) return { date, at: request.now };
  return { date, at: localTimeOn(date, DAILY_PUSH_TIME.hour, DAILY_PUSH_TIME.minute, tz) };
}

/** The instant of a local wall-clock time on a civil date (zones without DST at that hour). */
export function localTimeOn(date: LocalDate, hour: number, minute: number, tz: string): Date {
  const start = zoneOf(tz).startOfDay(toDayNumber(date));
  return new Date(start.getTime() + (hour * 60 + minute) * 60_000);
}

/** Years whose missing holiday schedule this process has logged already. */
const warnedYears = new Set<number>();

/** Creates the planner over the store. */
export function createPlanner(deps: PlannerDeps): Planner {
  const { repos, tz } = deps;

  async function plan(
    request: PlanRequest,
    scope: { guarantorId?: number; regionPath?: string },
    opts: PlanOptions = {},
  ): Promise<DailyPlan> {
    const { date, at } = planInstant(request, tz);
    const policies = await loadPolicies(repos);
    const visitsFrom = planVisitWindowStart(at, policies, tz);
    const loadStarted = performance.now();
    const data = await loadCadenceData(
      repos,
      tz,
      { visitsFrom, visitsTo: at, guaranteesFrom: zoneOf(tz).localDateAt(visitsFrom), guaranteesTo: date },
      { policies, onProgress: deps.onProgress, ...scope },
    );
    const started = performance.now();
    const load = started - loadStarted;
    const computed = computeInSlices(
      data,
      at,
      visitsFrom,
      deps.sliceSpan ?? data.visits.groupSpan,
      !!opts.detail,
    );
    const compute = performance.now() - started;
    // Lists of cadres no longer active are dropped (their guarantees are not loaded either).
    const lists: CadrePlanList[] = [];
    for (const [cadreId, items] of computed.byCadre) {
      const cadre = data.cadres.get(cadreId as number);
      if (cadre) lists.push({ cadre, items });
    }
    lists.sort((a, b) => a.cadre.id - b.cadre.id);
    const unreachable = lists.filter((l) => !hasWecomAccount(l.cadre.userid));
    if (unreachable.length > 0) {
      const names = unreachable.slice(0, 20).map((l) => l.cadre.name);
      computed.warnings.push({
        code: "plan.no_wecom_account",
        count: unreachable.length,
        cadreIds: unreachable.slice(0, 20).map((l) => l.cadre.id),
        names,
        message: formatNoWecomAccountWarning(unreachable.length, names),
      });
    }
    for (const warning of computed.warnings) {
      // Loud, but once per process and year: `任务` computes a plan per message.
      if (warning.code !== "calendar.schedule_missing" || warnedYears.has(warning.year)) continue;
      warnedYears.add(warning.year);
      deps.logger?.warn({ code: warning.code, year: warning.year }, warning.message);
    }
    return {
      date,
      at,
      workday: data.calendar.isWorkday(date),
      day: data.calendar.describeDay(date),
      calendar: data.calendar,
      subjects: data.subjects,
      states: computed.states,
      summary: computed.summary,
      ...(computed.details ? { details: computed.details } : {}),
      regions: data.regions,
      cadres: data.cadres,
      lists,
      warnings: computed.warnings,
      unassigned: computed.unassigned,
      timings: { ...data.timings, load, compute },
    };
  }

  return {
    calendar: () => loadCalendar(repos.settings, tz),
    planForDate: (request, opts) => plan(request, {}, opts),
    planForCadre: async (cadreId, request, opts) => {
      const full = await plan(request, { guarantorId: cadreId }, opts);
      return { ...full, lists: full.lists.filter((l) => l.cadre.id === cadreId) };
    },
    planForRegion: (regionPath, request, opts) => plan(request, { regionPath }, opts),
  };
}

interface Computed {
  states: SubjectState[];
  summary: Record<SubjectState, number>;
  details?: SubjectPlan[];
  byCadre: Map<Id, PlanItem[]>;
  warnings: PlanWarning[];
  unassigned: number[];
}

/**
 * `computePlan` over slices of the subjects (subject id ranges of `span`), merged: states and
 * summary add up, every slice appends its items to one map (a guarantor's people are spread
 * over the slices), each cadre's list is sorted with the domain's urgency order and numbered
 * once at the end, and warnings are combined. A slice gets its own visit group and guarantees
 * (all visits when `span` differs from the visit groups': the domain skips other people's).
 * Without `detail` the domain keeps no record per person, so a slice leaves only its items.
 */
function computeInSlices(
  data: CadenceData,
  at: Date,
  visitsFrom: Date,
  span: number,
  detail: boolean,
): Computed {
  const { subjects } = data;
  // Subjects come sorted by id: a slice is a run of equal ⌊id / span⌋.
  const ranges: { key: number; start: number; end: number }[] = [];
  for (let i = 0; i < subjects.length; i++) {
    const key = Math.floor(subjects.id(i) / span);
    const last = ranges[ranges.length - 1];
    if (last && last.key === key) last.end = i + 1;
    else ranges.push({ key, start: i, end: i + 1 });
  }
  if (ranges.length === 0) ranges.push({ key: 0, start: 0, end: 0 });
  const slices = ranges.length;
  const sliceIndex = new Map(ranges.map((r, k) => [r.key, k]));
  const sliceOf = (subjectId: number) => sliceIndex.get(Math.floor(subjectId / span)) ?? -1;
  const guarantees = slices === 1 ? [data.guarantees] : data.guarantees.partition(slices, sliceOf);
  const grouped = slices > 1 && span === data.visits.groupSpan;
  // Sliced along the visit groups, each slice reads (and then releases) its own group; otherwise
  // every slice reads all visits (the domain skips other people's).
  const whole = grouped ? undefined : data.visits.all();
  const computed: Computed = {
    states: new Array<SubjectState>(subjects.length),
    summary: { done: 0, due: 0, overdue: 0, paused: 0, closed: 0, no_policy: 0 },
    byCadre: new Map<Id, PlanItem[]>(),
    warnings: [],
    unassigned: [],
  };
  if (detail) computed.details = [];
  const counted = new Map<string, { count: number; subjectIds: Id[] }>();
  const calendarYears = new Set<number>();
  for (let k = 0; k < slices; k++) {
    const { key, start: offset, end } = ranges[k] as { key: number; start: number; end: number };
    const result = computePlan({
      now: at,
      calendar: data.calendar,
      // Records for this slice only: they are garbage once it is computed.
      subjects: subjects.slice(offset, end),
      guarantees: guarantees[k] ?? [],
      visits: whole ?? visitGroup(data.visits, key),
      policies: data.policies,
      regionAncestors: data.regions.ancestry,
      visitsFrom,
      records: detail,
      collectInto: computed.byCadre,
    });
    if (grouped) data.visits.release(key);
    for (let i = 0; i < result.states.length; i++) {
      computed.states[offset + i] = result.states[i] as SubjectState;
    }
    for (const position of result.unassigned) computed.unassigned.push(offset + position);
    if (computed.details) for (const subjectPlan of result.subjects) computed.details.push(subjectPlan);
    for (const state of Object.keys(result.summary) as SubjectState[]) {
      computed.summary[state] += result.summary[state];
    }
    for (const warning of result.warnings) {
      if (warning.code === "plan.no_wecom_account") continue; // added by the planner, per plan
      if (warning.code === "calendar.schedule_missing") {
        if (!calendarYears.has(warning.year)) computed.warnings.push(warning);
        calendarYears.add(warning.year);
        continue;
      }
      const entry = counted.get(warning.code) ?? { count: 0, subjectIds: [] };
      entry.count += warning.count;
      entry.subjectIds.push(...warning.subjectIds.slice(0, Math.max(0, 20 - entry.subjectIds.length)));
      counted.set(warning.code, entry);
    }
  }
  for (const items of computed.byCadre.values()) numberItems(items);
  const noPolicy = counted.get("plan.no_policy");
  if (noPolicy) {
    computed.warnings.push({
      code: "plan.no_policy",
      ...noPolicy,
      message: formatNoPolicyWarning(noPolicy.count),
    });
  }
  const unassigned = counted.get("plan.unassigned");
  if (unassigned) {
    computed.warnings.push({
      code: "plan.unassigned",
      ...unassigned,
      message: formatUnassignedWarning(unassigned.count),
    });
  }
  return computed;
}
