/**
 * The daily plan: for every subject its state in the current period, and for every guarantor the
 * numbered list of people with something outstanding, most urgent first.
 *
 * ## Input shape (what the store should load)
 * - `subjects`: every non-closed subject in scope (closed ones are reported as `closed`).
 * - `guarantees`: their guarantee rows (rows that ended before the visit window may be left out).
 * - `visits`: every visit with `occurredAt >= planVisitWindowStart(now, policies, tz)` for those
 *   subjects. With the default table that is the start of the previous quarter; for `days`
 *   cadences 3 intervals back. Best at scale as `VisitColumns` (typed arrays or plain arrays,
 *   filled from a cursor, with `status = 'active' AND outcome <> 'not_met'` done in SQL); records
 *   (flat or grouped by subject) work too and non-counting ones are skipped.
 * - `policies`: the whole policy table; `regionAncestors`: region code → chain, nearest first.
 * Cost is linear: one pass over visits (packed per subject with a counting sort), one over
 * guarantees, one over subjects, one sort per guarantor list. Measured on a shared 2-core box:
 * 1,000,000 subjects and 10,000,000 visits take about 8 s from columns, 16 s from records.
 *
 * ## States (test/domain/plan.test.ts has worked examples)
 * Period cadences (week, month, quarter, year), with `needed = minCount − qualifying visits so
 * far in the current period`:
 * - `done`: needed ≤ 0.
 * - `due-by point`: the needed-th working day counted back from the period's last day (the last
 *   day on which the quota can still be met visiting once per working day); the period's last
 *   day when the period has fewer working days than needed.
 * - `overdue` when today is past the due-by point, or when the previous period's quota was owed
 *   and missed (it carries over until the current period is done). Overdue by = calendar days
 *   (holidays included) after the due-by point (of the missed previous period, if any, else of
 *   the current one) up to and including today: the day after it is day 1. A weekly visit missed
 *   last week (due by Friday) reads "overdue 4 days" on Tuesday.
 * - `due` otherwise.
 * - A period that started before the subject came under management (`managedFrom`) or, under
 *   `each`, before the guarantor's guarantee started, is best effort: shown as due, never overdue,
 *   never missed.
 * Every-N-days cadences: the due date is the minCount-th most recent qualifying visit + N days
 * (anchored no earlier than `managedFrom`, the day after a finished pause, a new guarantee's
 * start; with no visit in the window, the window start — so overdue days are then capped).
 * `overdue` after the due date (by calendar days after it), `due` from ⌊N/2⌋ days before the due
 * date, else `done` (so an every-14-days person is off the card for the week after a visit).
 * Paused: a pause touching the current period (periods) or today (days) means no obligation.
 *
 * Qualifying visits: status active, outcome not `not_met`, `occurredAt` ≤ now, method allowed by
 * the policy (`policyAccepts`). The visit's own date decides its period (late entries count for
 * the period they happened in). Under `any` a qualifying visit by anyone counts; under `each`
 * each guarantor active today must meet minCount with their own visits.
 */

import type { Calendar, CalendarWarning } from "./calendar";
import { levelSeverity } from "./categories";
import type { Category } from "./categories";
import { formatNoPolicyWarning, formatUnassignedWarning } from "./labels";
import { DEFAULT_TZ, formatDayNumber, type LocalDate, zoneOf } from "./local-date";
import { type PeriodSpan, type PeriodUnit, periodSpanOfDay } from "./periods";
import type { CadencePolicy, PolicyPeriod } from "./policy";
import {
  collectQualifyingVisits,
  countVisitsIn,
  createQualifyingVisits,
  createSubjectPolicyLookup,
  type GuaranteeSpan,
  guarantorsOn,
  indexInputs,
  managedFromDay,
  pauseOverlaps,
  pauseSpanOf,
  type RegionAncestry,
  type VisitInput,
  visitDaysDescending,
} from "./plan-inputs";
import type { GuaranteeRecord, Id, SubjectRecord } from "./records";

/** How many intervals of history an every-N-days cadence looks back. */
export const DAYS_LOOKBACK_INTERVALS = 3;

export interface PlanInput {
  now: Date;
  /** Defaults to the calendar's zone; must equal it when given. */
  tz?: string;
  calendar: Calendar;
  subjects: Iterable<SubjectRecord>;
  guarantees: Iterable<GuaranteeRecord>;
  visits: VisitInput;
  policies: readonly CadencePolicy[];
  regionAncestors: RegionAncestry;
  /** Instant from which `visits` is complete; default `planVisitWindowStart(now, policies, tz)`. */
  visitsFrom?: Date;
  /**
   * Keep the record per subject in `PlanResult.subjects` (default true). Without, `subjects` is
   * empty and only `states` is filled: a province then keeps no per-person object while it runs.
   */
  records?: boolean;
  /**
   * Append the guarantors' items to this map instead of a new one, neither sorted nor numbered:
   * for a caller computing a province a slice at a time, which sorts each list with
   * `compareItems` and numbers it once at the end. `PlanResult.byCadre` is then this map.
   */
  collectInto?: Map<Id, PlanItem[]>;
}

export type ObligationState = "done" | "due" | "overdue";
export type SubjectState = ObligationState | "paused" | "closed" | "no_policy";

/** The period (or every-N-days window) an obligation belongs to. */
export interface ObligationWindow {
  unit: PolicyPeriod;
  /** `2026-W48`, `2026-11`, `2026-Q4`, `2026`, or `2026-11-20+14d` for every-N-days. */
  key: string;
  startDate: LocalDate;
  endDate: LocalDate;
}

/** One guarantor's own obligation (rule `each`). */
export interface GuarantorObligation {
  cadreId: Id;
  state: ObligationState;
  done: number;
  /** Calendar days overdue (see `SubjectPlan.overdueDays`). */
  overdueDays: number;
  dueBy: LocalDate;
  window: ObligationWindow;
}

export interface SubjectPlan {
  subjectId: Id;
  name: string;
  category: Category;
  level: string;
  regionCode: string;
  state: SubjectState;
  policy?: CadencePolicy;
  window?: ObligationWindow;
  /** Qualifying visits needed per period (per guarantor under `each`). */
  required: number;
  /** Qualifying visits so far (under `each`: the fewest of any guarantor). */
  done: number;
  /**
   * Calendar days overdue, holidays included: today − `dueBy` (the day after the due-by day is
   * day 1); 0 unless `overdue`. Every `逾期N天` shows this figure.
   */
  overdueDays: number;
  /** Last day to be on time. */
  dueBy?: LocalDate;
  /** Guarantors responsible today. */
  cadreIds: readonly Id[];
  /** Per-guarantor obligations, only under rule `each` (empty otherwise). */
  guarantors: readonly GuarantorObligation[];
}

/** One numbered line of a guarantor's daily card. */
export interface PlanItem {
  /** 1..n within the guarantor's list. */
  number: number;
  subjectId: Id;
  name: string;
  category: Category;
  level: string;
  state: "due" | "overdue";
  /** Calendar days overdue (see `SubjectPlan.overdueDays`). */
  overdueDays: number;
  window: ObligationWindow;
  dueBy: LocalDate;
  required: number;
  /** Qualifying visits so far that count for this guarantor. */
  done: number;
  /** Level severity (ordering key, see categories.ts). */
  severity: number;
}

export type PlanWarning =
  | CalendarWarning
  | { code: "plan.no_policy"; count: number; subjectIds: Id[]; message: string }
  | { code: "plan.unassigned"; count: number; subjectIds: Id[]; message: string }
  /** Guarantors with people due who have no WeCom account yet (`pending:<mobile>`): see the planner. */
  | { code: "plan.no_wecom_account"; count: number; cadreIds: Id[]; names: string[]; message: string };

export interface PlanResult {
  today: LocalDate;
  /** Whether today is a working day (routine pushes only on working days). */
  workday: boolean;
  /** The record per subject, in input order (empty with `records: false`). */
  subjects: SubjectPlan[];
  /** Each subject's state, in input order. */
  states: SubjectState[];
  /** Guarantor id → numbered list (only guarantors with something outstanding). */
  byCadre: Map<Id, PlanItem[]>;
  summary: Record<SubjectState, number>;
  warnings: PlanWarning[];
  /** Positions (input order) of the people owed a visit who have no active guarantor today. */
  unassigned: number[];
}

/** How many subject ids a warning lists at most. */
const WARNING_SAMPLE = 20;

/**
 * The earliest instant whose visits the plan needs: the start of the previous period of the
 * longest period cadence, or 3 intervals back for every-N-days cadences. Load visits from here.
 */
export function planVisitWindowStart(
  now: Date,
  policies: readonly CadencePolicy[],
  tz: string = DEFAULT_TZ,
): Date {
  const zone = zoneOf(tz);
  const today = zone.dayNumberAt(now);
  let start = today;
  for (const policy of policies) {
    if (policy.period === "days") {
      start = Math.min(start, today - DAYS_LOOKBACK_INTERVALS * Math.max(1, policy.intervalDays ?? 1));
    } else {
      const current = periodSpanOfDay(policy.period, today);
      start = Math.min(start, periodSpanOfDay(policy.period, current.startDay - 1).startDay);
    }
  }
  return zone.startOfDay(start);
}

/**
 * The last day to be on time in `span` with `needed` visits still to make: the `needed`-th
 * working day counted back from the period's end (one visit per working day at most); the
 * period's last day when it has fewer working days than that.
 */
export function periodDueByDay(
  span: PeriodSpan,
  needed: number,
  calendar: Pick<Calendar, "isWorkdayNumber">,
): number {
  let day = span.endDay + 1;
  let remaining = needed;
  while (remaining > 0 && day > span.startDay) {
    day--;
    if (calendar.isWorkdayNumber(day)) remaining--;
  }
  return remaining > 0 ? span.endDay : day;
}

interface Judgement {
  state: ObligationState;
  overdueDays: number;
  dueByDay: number;
}

interface UnitContext {
  cur: PeriodSpan;
  prev: PeriodSpan;
  curWindow: ObligationWindow;
  /** Due-by day in the current / previous period for `needed` more visits (cached). */
  dueByCur(needed: number): number;
  dueByPrev(needed: number): number;
}

const STATE_RANK: Record<ObligationState, number> = { done: 0, due: 1, overdue: 2 };

// Shared empty lists for the common case (a million subjects, mostly without `each` rules).
const NO_IDS: readonly Id[] = Object.freeze([]);
const NO_GUARANTORS: readonly GuarantorObligation[] = Object.freeze([]);

/** Computes the plan. Pure: same input, same output. */
export function computePlan(input: PlanInput): PlanResult {
  const { now, calendar } = input;
  const tz = input.tz ?? calendar.tz;
  if (tz !== calendar.tz)
    throw new RangeError(`plan time zone ${tz} differs from the calendar's ${calendar.tz}`);
  const zone = zoneOf(tz);
  const nowMs = now.getTime();
  const today = zone.dayNumberAt(nowMs);
  const windowStartDay = zone.dayNumberAt(input.visitsFrom ?? planVisitWindowStart(now, input.policies, tz));

  const policyOf = createSubjectPolicyLookup(input.policies, input.regionAncestors);
  const indexed = indexInputs(input.subjects, input.visits, input.guarantees, zone, nowMs);
  const subjectList = indexed.subjects;

  const dateCache = new Map<number, LocalDate>();
  const dateOf = (day: number): LocalDate => {
    let date = dateCache.get(day);
    if (date === undefined) {
      date = formatDayNumber(day);
      dateCache.set(day, date);
    }
    return date;
  };
  // Overdue figures are calendar days (what `逾期N天` says): the day after the due-by day is day 1.
  const daysAfter = (dueByDay: number) => Math.max(0, today - dueByDay);

  // Calendar range the plan relied on, for schedule warnings.
  let rangeStart = today;
  let rangeEnd = today;

  const units = new Map<PeriodUnit, UnitContext>();
  const unitContext = (unit: PeriodUnit): UnitContext => {
    const existing = units.get(unit);
    if (existing) return existing;
    const cur = periodSpanOfDay(unit, today);
    const prev = periodSpanOfDay(unit, cur.startDay - 1);
    rangeStart = Math.min(rangeStart, prev.startDay);
    rangeEnd = Math.max(rangeEnd, cur.endDay);
    const dueBy = (span: PeriodSpan, cache: number[], needed: number): number => {
      const cached = cache[needed];
      if (cached !== undefined) return cached;
      const result = periodDueByDay(span, needed, calendar);
      cache[needed] = result;
      return result;
    };
    const curCache: number[] = [];
    const prevCache: number[] = [];
    const context: UnitContext = {
      cur,
      prev,
      curWindow: { unit, key: cur.key, startDate: dateOf(cur.startDay), endDate: dateOf(cur.endDay) },
      dueByCur: (needed) => dueBy(cur, curCache, needed),
      dueByPrev: (needed) => dueBy(prev, prevCache, needed),
    };
    units.set(unit, context);
    return context;
  };

  function judgePeriodic(
    unit: UnitContext,
    required: number,
    curCount: number,
    prevCount: number,
    bestEffort: boolean,
    prevOwed: boolean,
  ): Judgement {
    if (curCount >= required) return { state: "done", overdueDays: 0, dueByDay: unit.cur.endDay };
    const dueByDay = bestEffort ? unit.cur.endDay : unit.dueByCur(required - curCount);
    let overdue = -1;
    if (today > dueByDay) overdue = daysAfter(dueByDay);
    if (prevOwed && prevCount < required) {
      overdue = Math.max(overdue, daysAfter(unit.dueByPrev(required - prevCount)));
    }
    return overdue >= 0
      ? { state: "overdue", overdueDays: overdue, dueByDay }
      : { state: "due", overdueDays: 0, dueByDay };
  }

  /** `days`: qualifying visit days, most recent first. */
  function judgeDays(
    days: readonly number[],
    required: number,
    interval: number,
    floorDay: number,
  ): Judgement & { anchorDay: number; done: number } {
    const kth = days[required - 1];
    const anchorDay = Math.max(kth ?? windowStartDay, floorDay);
    const dueByDay = anchorDay + interval;
    rangeStart = Math.min(rangeStart, dueByDay);
    rangeEnd = Math.max(rangeEnd, dueByDay);
    let done = 0;
    for (const day of days) if (day > today - interval) done++;
    if (today > dueByDay) {
      return { state: "overdue", overdueDays: daysAfter(dueByDay), dueByDay, anchorDay, done };
    }
    const state = today >= dueByDay - Math.floor(interval / 2) ? "due" : "done";
    return { state, overdueDays: 0, dueByDay, anchorDay, done };
  }

  // Many subjects share an anchor day: one window object per (anchor, interval).
  const daysWindows = new Map<number, Map<number, ObligationWindow>>();
  const daysWindow = (anchorDay: number, interval: number): ObligationWindow => {
    let byAnchor = daysWindows.get(interval);
    if (!byAnchor) {
      byAnchor = new Map();
      daysWindows.set(interval, byAnchor);
    }
    let window = byAnchor.get(anchorDay);
    if (!window) {
      window = {
        unit: "days",
        key: `${dateOf(anchorDay)}+${interval}d`,
        startDate: dateOf(anchorDay + 1),
        endDate: dateOf(anchorDay + interval),
      };
      byAnchor.set(anchorDay, window);
    }
    return window;
  };

  const scratch = createQualifyingVisits();
  const keepRecords = input.records ?? true;
  const subjects: SubjectPlan[] = [];
  const states: SubjectState[] = new Array<SubjectState>(subjectList.length);
  const byCadre = input.collectInto ?? new Map<Id, PlanItem[]>();
  const summary: Record<SubjectState, number> = {
    done: 0,
    due: 0,
    overdue: 0,
    paused: 0,
    closed: 0,
    no_policy: 0,
  };
  const noPolicy: Id[] = [];
  const unassigned: Id[] = [];
  const unassignedPositions: number[] = [];
  let noPolicyCount = 0;
  let unassignedCount = 0;

  const addItem = (cadreId: Id, item: PlanItem) => {
    const list = byCadre.get(cadreId);
    if (list) list.push(item);
    else byCadre.set(cadreId, [item]);
  };

  // The previous subject's record: its state is final once the next one starts.
  let previous: SubjectPlan | undefined;
  for (let position = 0; position < subjectList.length; position++) {
    if (previous) states[position - 1] = previous.state;
    const subject = subjectList[position] as SubjectRecord;
    const plan: SubjectPlan = {
      subjectId: subject.id,
      name: subject.name,
      category: subject.category,
      level: subject.level,
      regionCode: subject.regionCode,
      state: "closed",
      required: 0,
      done: 0,
      overdueDays: 0,
      cadreIds: NO_IDS,
      guarantors: NO_GUARANTORS,
    };
    previous = plan;
    if (keepRecords) subjects.push(plan);
    if (subject.status === "closed") {
      summary.closed++;
      continue;
    }
    const active: GuaranteeSpan[] = guarantorsOn(indexed.guarantees, position, today);
    if (active.length > 0) plan.cadreIds = active.map((g) => g.cadreId);
    const policy = policyOf(subject);
    if (!policy) {
      plan.state = "no_policy";
      summary.no_policy++;
      noPolicyCount++;
      if (noPolicy.length < WARNING_SAMPLE) noPolicy.push(subject.id);
      continue;
    }
    plan.policy = policy;
    plan.required = policy.minCount;
    const pause = pauseSpanOf(subject);
    const managedFrom = managedFromDay(subject);
    const perGuarantor = policy.rule === "each" && active.length > 0;
    const visits = collectQualifyingVisits(scratch, indexed.visits, position, policy);

    // Judgement for the subject as a whole, or per guarantor.
    let judgements: { cadreId: Id | null; judgement: Judgement; done: number; window: ObligationWindow }[];

    if (policy.period === "days") {
      const interval = Math.max(1, policy.intervalDays ?? 1);
      if (pause && pause.startDay <= today && pause.endDay >= today) {
        plan.state = "paused";
        summary.paused++;
        continue;
      }
      const floorDay = Math.max(
        managedFrom,
        pause && pause.endDay < today ? pause.endDay + 1 : Number.NEGATIVE_INFINITY,
      );
      if (perGuarantor) {
        judgements = active.map((g) => {
          const own = visitDaysDescending(visits, g.cadreId);
          const j = judgeDays(own, policy.minCount, interval, Math.max(floorDay, g.startDay));
          return {
            cadreId: g.cadreId,
            judgement: j,
            done: j.done,
            window: daysWindow(j.anchorDay, interval),
          };
        });
      } else {
        const j = judgeDays(visitDaysDescending(visits, null), policy.minCount, interval, floorDay);
        judgements = [
          { cadreId: null, judgement: j, done: j.done, window: daysWindow(j.anchorDay, interval) },
        ];
      }
    } else {
      const unit = unitContext(policy.period);
      const { cur, prev } = unit;
      if (pauseOverlaps(pause, cur.startDay, cur.endDay)) {
        plan.state = "paused";
        plan.window = unit.curWindow;
        summary.paused++;
        continue;
      }
      const bestEffort = managedFrom > cur.startDay;
      const prevOwed = managedFrom <= prev.startDay && !pauseOverlaps(pause, prev.startDay, prev.endDay);
      if (perGuarantor) {
        judgements = active.map((g) => {
          const curCount = countVisitsIn(visits, g.cadreId, cur.startDay, cur.endDay);
          const prevCount = countVisitsIn(visits, g.cadreId, prev.startDay, prev.endDay);
          const owedPrev = prevOwed && g.startDay <= prev.startDay && g.endDay >= prev.endDay;
          const j = judgePeriodic(
            unit,
            policy.minCount,
            curCount,
            prevCount,
            bestEffort || g.startDay > cur.startDay,
            owedPrev,
          );
          return { cadreId: g.cadreId, judgement: j, done: curCount, window: unit.curWindow };
        });
      } else {
        const curCount = countVisitsIn(visits, null, cur.startDay, cur.endDay);
        const prevCount = countVisitsIn(visits, null, prev.startDay, prev.endDay);
        const j = judgePeriodic(unit, policy.minCount, curCount, prevCount, bestEffort, prevOwed);
        judgements = [{ cadreId: null, judgement: j, done: curCount, window: unit.curWindow }];
      }
    }

    // Subject state: the worst judgement; dueBy the earliest outstanding one.
    let worst = judgements[0];
    let fewest = Number.POSITIVE_INFINITY;
    for (const entry of judgements) {
      fewest = Math.min(fewest, entry.done);
      if (!worst) continue;
      const a = entry.judgement;
      const b = worst.judgement;
      const more =
        STATE_RANK[a.state] !== STATE_RANK[b.state]
          ? STATE_RANK[a.state] > STATE_RANK[b.state]
          : a.overdueDays !== b.overdueDays
            ? a.overdueDays > b.overdueDays
            : a.dueByDay < b.dueByDay;
      if (more) worst = entry;
    }
    if (!worst) continue; // unreachable: there is always at least one judgement
    plan.state = worst.judgement.state;
    plan.overdueDays = worst.judgement.overdueDays;
    plan.dueBy = dateOf(worst.judgement.dueByDay);
    plan.window = worst.window;
    plan.done = Number.isFinite(fewest) ? fewest : 0;
    summary[plan.state]++;
    if (active.length === 0) {
      unassignedCount++;
      unassignedPositions.push(position);
      if (unassigned.length < WARNING_SAMPLE) unassigned.push(subject.id);
    }

    const severity = levelSeverity(subject.category, subject.level);
    const guarantors: GuarantorObligation[] = perGuarantor ? [] : (NO_GUARANTORS as GuarantorObligation[]);
    for (const entry of judgements) {
      const j = entry.judgement;
      if (entry.cadreId !== null) {
        guarantors.push({
          cadreId: entry.cadreId,
          state: j.state,
          done: entry.done,
          overdueDays: j.overdueDays,
          dueBy: dateOf(j.dueByDay),
          window: entry.window,
        });
      }
      if (j.state === "done") continue;
      const recipients = entry.cadreId === null ? plan.cadreIds : [entry.cadreId];
      for (const cadreId of recipients) {
        addItem(cadreId, {
          number: 0,
          subjectId: subject.id,
          name: subject.name,
          category: subject.category,
          level: subject.level,
          state: j.state,
          overdueDays: j.overdueDays,
          window: entry.window,
          dueBy: dateOf(j.dueByDay),
          required: policy.minCount,
          done: entry.done,
          severity,
        });
      }
    }
    if (perGuarantor) plan.guarantors = guarantors;
  }
  if (previous) states[subjectList.length - 1] = previous.state;

  if (!input.collectInto) {
    for (const list of byCadre.values()) numberItems(list);
  }

  const warnings: PlanWarning[] = calendar.scheduleWarnings(dateOf(rangeStart), dateOf(rangeEnd));
  if (noPolicyCount > 0) {
    warnings.push({
      code: "plan.no_policy",
      count: noPolicyCount,
      subjectIds: noPolicy,
      message: formatNoPolicyWarning(noPolicyCount),
    });
  }
  if (unassignedCount > 0) {
    warnings.push({
      code: "plan.unassigned",
      count: unassignedCount,
      subjectIds: unassigned,
      message: formatUnassignedWarning(unassignedCount),
    });
  }

  return {
    today: dateOf(today),
    workday: calendar.isWorkdayNumber(today),
    subjects,
    states,
    byCadre,
    summary,
    warnings,
    unassigned: unassignedPositions,
  };
}

/** Sorts one guarantor's items by urgency (`compareItems`) and numbers them 1..n. */
export function numberItems(items: PlanItem[]): void {
  items.sort(compareItems);
  for (let i = 0; i < items.length; i++) (items[i] as PlanItem).number = i + 1;
}

const collator = new Intl.Collator("zh-Hans-CN");

/**
 * Urgency order: overdue before due, more overdue days first, then more severe level,
 * then the earlier period end, then name (pinyin order), then id.
 */
export function compareItems(a: PlanItem, b: PlanItem): number {
  const urgencyA = a.state === "overdue" ? a.overdueDays + 1 : 0;
  const urgencyB = b.state === "overdue" ? b.overdueDays + 1 : 0;
  if (urgencyA !== urgencyB) return urgencyB - urgencyA;
  if (a.severity !== b.severity) return b.severity - a.severity;
  if (a.window.endDate !== b.window.endDate) return a.window.endDate < b.window.endDate ? -1 : 1;
  const byName = collator.compare(a.name, b.name);
  if (byName !== 0) return byName;
  return String(a.subjectId) < String(b.subjectId) ? -1 : String(a.subjectId) > String(b.subjectId) ? 1 : 0;
}
