/**
 * Close-out: after a period ends, which (subject, guarantor) obligations were missed, and how far
 * up the ladder each miss goes given the number of consecutive missed periods:
 * 1 → a note to the guarantor, 2 → the village leader, 3 or more → the township leader.
 *
 * Consecutive misses are computed from the visits themselves (the closed period and the two
 * before it), so the job needs no state of its own: load visits from
 * `closeOutVisitWindowStart(period)`; `consecutiveMisses` is capped at 3 ("three or more").
 * Visits count for the period of their own date, so re-running a close-out after late entries
 * gives the corrected answer (run it after the late-entry grace, or re-run it).
 */

import type { Category } from "./categories";
import { DEFAULT_TZ, formatDayNumber, type LocalDate, toDayNumber, zoneOf } from "./local-date";
import { type Period, type PeriodSpan, type PeriodUnit, periodSpanOfDay, shiftPeriodSpan } from "./periods";
import type { CadencePolicy } from "./policy";
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
  type QualifyingVisits,
  type RegionAncestry,
  type VisitInput,
  visitDaysDescending,
} from "./plan-inputs";
import { DAYS_LOOKBACK_INTERVALS } from "./plan";
import type { GuaranteeRecord, Id, SubjectRecord } from "./records";

export type EscalationRung = "guarantor" | "village_leader" | "township_leader";

/** The rung for a count of consecutive missed periods; undefined for 0 (nothing missed). */
export function escalationRung(consecutiveMisses: number): EscalationRung | undefined {
  if (consecutiveMisses <= 0) return undefined;
  if (consecutiveMisses === 1) return "guarantor";
  if (consecutiveMisses === 2) return "village_leader";
  return "township_leader";
}

export interface MissedObligation {
  subjectId: Id;
  name: string;
  category: Category;
  level: string;
  regionCode: string;
  /** The guarantor who missed it; null when the subject had no guarantor at the period's end. */
  cadreId: Id | null;
  /** The closed period's key, or for every-N-days the N-day window ending on the close-out day. */
  periodKey: string;
  required: number;
  /** Qualifying visits in the period (the guarantor's own under `each`). */
  done: number;
  /** 1, 2, or 3 meaning three or more. */
  consecutiveMisses: number;
  rung: EscalationRung;
  policy: CadencePolicy;
}

export interface CloseOutResult {
  periodKey: string;
  /**
   * Obligations checked: owed ones (subject, or subject × guarantor under `each`) for a period;
   * for `closeOutIntervals`, every every-N-days obligation not paused that day.
   */
  owed: number;
  satisfied: number;
  missed: MissedObligation[];
}

export interface CloseOutData {
  subjects: Iterable<SubjectRecord>;
  guarantees: Iterable<GuaranteeRecord>;
  visits: VisitInput;
  policies: readonly CadencePolicy[];
  regionAncestors: RegionAncestry;
}

export interface CloseOutPeriodInput extends CloseOutData {
  /** The finished period; only policies with `period === period.unit` are checked. */
  period: Period;
}

/** Earliest instant whose visits `closeOutPeriod` needs: the start of the period two before. */
export function closeOutVisitWindowStart(period: Period): Date {
  const span = periodSpanOfDay(period.unit, toDayNumber(period.startDate));
  return zoneOf(period.tz).startOfDay(shiftPeriodSpan(span, 2).startDay);
}

/**
 * Missed obligations of a finished calendar period. An obligation is owed when the subject was
 * under management from the period's start and not paused at any time in it (and, under `each`,
 * the guarantor's guarantee covered the whole period); it is missed when it had fewer qualifying
 * visits than `minCount`. Under `any` every guarantor active on the period's last day receives
 * the miss.
 */
export function closeOutPeriod(input: CloseOutPeriodInput): CloseOutResult {
  const { period } = input;
  const unit: PeriodUnit = period.unit;
  const zone = zoneOf(period.tz);
  const closed = periodSpanOfDay(unit, toDayNumber(period.startDate));
  const spans: PeriodSpan[] = [closed, shiftPeriodSpan(closed, 1), shiftPeriodSpan(closed, 2)];
  const policyOf = createSubjectPolicyLookup(input.policies, input.regionAncestors);
  // Close-out counts every visit dated in the periods, however late it was entered.
  const indexed = indexInputs(input.subjects, input.visits, input.guarantees, zone, Number.POSITIVE_INFINITY);
  const result: CloseOutResult = { periodKey: closed.key, owed: 0, satisfied: 0, missed: [] };
  const scratch = createQualifyingVisits();
  const subjectOwes = [false, false, false];

  for (let position = 0; position < indexed.subjects.length; position++) {
    const subject = indexed.subjects[position] as SubjectRecord;
    if (subject.status === "closed") continue;
    const policy = policyOf(subject);
    if (!policy || policy.period !== unit) continue;
    const pause = pauseSpanOf(subject);
    const managedFrom = managedFromDay(subject);
    spans.forEach((span, i) => {
      subjectOwes[i] = managedFrom <= span.startDay && !pauseOverlaps(pause, span.startDay, span.endDay);
    });
    if (!subjectOwes[0]) continue;
    const visits = collectQualifyingVisits(scratch, indexed.visits, position, policy);
    const atEnd = guarantorsOn(indexed.guarantees, position, closed.endDay);

    if (policy.rule === "each" && atEnd.length > 0) {
      for (const guarantor of atEnd) {
        // A guarantor owes the period only when their guarantee covered all of it.
        if (guarantor.startDay > closed.startDay || guarantor.endDay < closed.endDay) continue;
        result.owed++;
        const { streak, done } = periodStreak(visits, spans, subjectOwes, policy.minCount, guarantor);
        if (streak === 0) result.satisfied++;
        else result.missed.push(missedEntry(subject, policy, guarantor.cadreId, closed.key, streak, done));
      }
    } else {
      result.owed++;
      const { streak, done } = periodStreak(visits, spans, subjectOwes, policy.minCount, null);
      if (streak === 0) {
        result.satisfied++;
        continue;
      }
      if (atEnd.length === 0)
        result.missed.push(missedEntry(subject, policy, null, closed.key, streak, done));
      for (const guarantor of atEnd) {
        result.missed.push(missedEntry(subject, policy, guarantor.cadreId, closed.key, streak, done));
      }
    }
  }
  return result;
}

/**
 * Consecutive misses ending with `spans[0]` (0 when it was met), counting back at most two more
 * periods; and the qualifying visits in `spans[0]`.
 */
function periodStreak(
  visits: QualifyingVisits,
  spans: readonly PeriodSpan[],
  subjectOwes: readonly boolean[],
  minCount: number,
  guarantor: GuaranteeSpan | null,
): { streak: number; done: number } {
  let streak = 0;
  let done = 0;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i] as PeriodSpan;
    const count = countVisitsIn(visits, guarantor?.cadreId ?? null, span.startDay, span.endDay);
    if (i === 0) done = count;
    const owed =
      (subjectOwes[i] ?? false) &&
      (guarantor === null || (guarantor.startDay <= span.startDay && guarantor.endDay >= span.endDay));
    if (!owed || count >= minCount) break;
    streak++;
  }
  return { streak, done };
}

function missedEntry(
  subject: SubjectRecord,
  policy: CadencePolicy,
  cadreId: Id | null,
  periodKey: string,
  streak: number,
  done: number,
): MissedObligation {
  const consecutiveMisses = Math.min(streak, 3);
  return {
    subjectId: subject.id,
    name: subject.name,
    category: subject.category,
    level: subject.level,
    regionCode: subject.regionCode,
    cadreId,
    periodKey,
    required: policy.minCount,
    done,
    consecutiveMisses,
    rung: escalationRung(consecutiveMisses) ?? "guarantor",
    policy,
  };
}

export interface CloseOutIntervalsInput extends CloseOutData {
  /** The civil day that just ended. */
  date: LocalDate;
  tz?: string;
  /** Instant from which `visits` is complete; default `intervalVisitWindowStart`. */
  visitsFrom?: Date;
}

/** Earliest instant whose visits `closeOutIntervals` needs (3 intervals before `date`). */
export function intervalVisitWindowStart(
  date: LocalDate,
  policies: readonly CadencePolicy[],
  tz: string = DEFAULT_TZ,
): Date {
  const day = toDayNumber(date);
  let start = day;
  for (const policy of policies) {
    if (policy.period === "days") {
      start = Math.min(start, day - DAYS_LOOKBACK_INTERVALS * Math.max(1, policy.intervalDays ?? 1));
    }
  }
  return zoneOf(tz).startOfDay(start);
}

/**
 * Missed every-N-days obligations, run once per day for the day that just ended (`date`).
 * An obligation is missed on its due date (the minCount-th latest qualifying visit + N, see
 * plan.ts) and again every further N days without a visit: the k-th such day is k consecutive
 * misses. With no anchor in view (no visit since the window start and no known start of
 * management) it is reported as 3+ misses every N days.
 */
export function closeOutIntervals(input: CloseOutIntervalsInput): CloseOutResult {
  const tz = input.tz ?? DEFAULT_TZ;
  const zone = zoneOf(tz);
  const day = toDayNumber(input.date);
  const windowStartDay = zone.dayNumberAt(
    input.visitsFrom ?? intervalVisitWindowStart(input.date, input.policies, tz),
  );
  const endOfDayMs = zone.startOfDay(day + 1).getTime() - 1;
  const policyOf = createSubjectPolicyLookup(input.policies, input.regionAncestors);
  const indexed = indexInputs(input.subjects, input.visits, input.guarantees, zone, endOfDayMs);
  const result: CloseOutResult = { periodKey: input.date, owed: 0, satisfied: 0, missed: [] };
  const scratch = createQualifyingVisits();

  for (let position = 0; position < indexed.subjects.length; position++) {
    const subject = indexed.subjects[position] as SubjectRecord;
    if (subject.status === "closed") continue;
    const policy = policyOf(subject);
    if (policy?.period !== "days") continue;
    const interval = Math.max(1, policy.intervalDays ?? 1);
    const pause = pauseSpanOf(subject);
    if (pause && pause.startDay <= day && pause.endDay >= day) continue;
    const floorDay = Math.max(
      managedFromDay(subject),
      pause && pause.endDay < day ? pause.endDay + 1 : Number.NEGATIVE_INFINITY,
    );
    const visits = collectQualifyingVisits(scratch, indexed.visits, position, policy);
    const active = guarantorsOn(indexed.guarantees, position, day);
    const windowKey = intervalWindowKey(day, interval);
    const judge = (cadreId: Id | null, floor: number) =>
      intervalStreak(
        visitDaysDescending(visits, cadreId),
        policy.minCount,
        interval,
        day,
        floor,
        windowStartDay,
      );

    if (policy.rule === "each" && active.length > 0) {
      for (const guarantor of active) {
        result.owed++;
        const { streak, done } = judge(guarantor.cadreId, Math.max(floorDay, guarantor.startDay));
        if (streak === 0) result.satisfied++;
        else result.missed.push(missedEntry(subject, policy, guarantor.cadreId, windowKey, streak, done));
      }
    } else {
      result.owed++;
      const { streak, done } = judge(null, floorDay);
      if (streak === 0) {
        result.satisfied++;
        continue;
      }
      if (active.length === 0)
        result.missed.push(missedEntry(subject, policy, null, windowKey, streak, done));
      for (const guarantor of active) {
        result.missed.push(missedEntry(subject, policy, guarantor.cadreId, windowKey, streak, done));
      }
    }
  }
  return result;
}

/** The key of the every-N-days window ending on day number `day`: `<day − N>+<N>d`. */
export function intervalWindowKey(day: number, interval: number): string {
  return `${formatDayNumber(day - interval)}+${interval}d`;
}

/** A closed period, or every-N-days window, as close-out keys its misses; days inclusive. */
export interface MissWindow {
  key: string;
  startDay: number;
  endDay: number;
}

/**
 * The closed periods whose misses a visit dated `date` counts toward under `policy`, seen on
 * `today`: for a calendar policy the visit's own period once it has ended; for every-N-days each
 * window ending before today that contains the date (close-out of day D judges the visits of
 * the N days ending on D). Empty for a visit dated today. Used to settle stored misses when a
 * visit is entered late, withdrawn or corrected.
 */
export function closedMissWindows(
  policy: Pick<CadencePolicy, "period" | "intervalDays">,
  date: LocalDate,
  today: LocalDate,
): MissWindow[] {
  const day = toDayNumber(date);
  const todayDay = toDayNumber(today);
  if (day >= todayDay) return [];
  if (policy.period !== "days") {
    const span = periodSpanOfDay(policy.period, day);
    return span.endDay < todayDay ? [{ key: span.key, startDay: span.startDay, endDay: span.endDay }] : [];
  }
  const interval = Math.max(1, policy.intervalDays ?? 1);
  const windows: MissWindow[] = [];
  for (let end = day; end < day + interval && end < todayDay; end++) {
    windows.push({ key: intervalWindowKey(end, interval), startDay: end - interval + 1, endDay: end });
  }
  return windows;
}

/** Which miss (0 = none) the day that just ended is for one every-N-days obligation. */
function intervalStreak(
  days: readonly number[],
  minCount: number,
  interval: number,
  day: number,
  floorDay: number,
  windowStartDay: number,
): { streak: number; done: number } {
  const kth = days[minCount - 1];
  let done = 0;
  for (const visitDay of days) if (visitDay > day - interval) done++;
  let anchor: number | undefined;
  if (kth !== undefined) anchor = Math.max(kth, floorDay);
  else if (floorDay >= windowStartDay) anchor = floorDay;
  if (anchor === undefined) {
    // No anchor in view: fire every N days on a fixed grid, as three or more misses.
    return { streak: ((day % interval) + interval) % interval === 0 ? 3 : 0, done };
  }
  const dueBy = anchor + interval;
  if (day < dueBy) return { streak: 0, done };
  const late = day - dueBy;
  return { streak: late % interval === 0 ? late / interval + 1 : 0, done };
}
