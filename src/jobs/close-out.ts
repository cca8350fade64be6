import { addDays, type LocalDate, toDayNumber, zoneOf } from "../domain/local-date";
import {
  type CloseOutResult,
  closeOutIntervals,
  closeOutPeriod,
  closeOutVisitWindowStart,
  type EscalationRung,
  intervalVisitWindowStart,
  type MissedObligation,
} from "../domain/close-out-period";
import { formatCategoryLevel } from "../domain/labels";
import { PERIOD_UNITS, type Period, periodOf, periodSpanOfDay } from "../domain/periods";
import type { CadencePolicy } from "../domain/policy";
import { type CadenceData, loadCadenceData, loadPolicies } from "../planning/cadence-data";
import { localTimeOn } from "../planning/planner";
import type { MissScope, NewMissedObligation } from "../store/missed-obligation-repository";
import type { PlanCadre, PlanSubject } from "../store/plan-input-repository";
import { dayView } from "./day-view";
import { enqueueInBatches, type KeyedMessage } from "./enqueue-batches";
import type { JobDeps, JobOutcome, JobRunOptions, JobStatus } from "./job";
import { messageBody, renderText } from "./job-outcome";
import { type Claim, claimRun, underClaim } from "./job-run";

export const CLOSE_OUT_JOB = "close-out";

/** Close-out notices wait for this local time on the first working day (never at night). */
export const NOTICE_TIME = { hour: 9, minute: 0 } as const;

/** One thing to close: a calendar period that ended yesterday, or yesterday for every-N-days. */
export interface CloseOutTask {
  /** JobRun job name: `close-out:week`, `close-out:month`, …, `close-out:days`. */
  job: string;
  periodKey: string;
  unit: CadencePolicy["period"];
  period?: Period;
}

/**
 * What closes on the morning of `today`: weeks on Mondays, months on the 1st, quarters on the 1st
 * of January/April/July/October, years on 1 January — each only when some policy uses that unit —
 * and yesterday for every-N-days policies.
 */
export function closeOutTasks(
  today: LocalDate,
  policies: readonly CadencePolicy[],
  tz: string,
): CloseOutTask[] {
  const used = new Set(policies.map((p) => p.period));
  const day = toDayNumber(today);
  const yesterday = addDays(today, -1);
  const tasks: CloseOutTask[] = [];
  for (const unit of PERIOD_UNITS) {
    if (!used.has(unit) || periodSpanOfDay(unit, day).startDay !== day) continue;
    const period = periodOf(unit, yesterday, tz);
    tasks.push({ job: `${CLOSE_OUT_JOB}:${unit}`, periodKey: period.key, unit, period });
  }
  if (used.has("days")) tasks.push({ job: `${CLOSE_OUT_JOB}:days`, periodKey: yesterday, unit: "days" });
  return tasks;
}

/** A miss as recorded: one per (subject, scope), with every guarantor it concerns. */
interface MissGroup {
  subjectId: number;
  scope: MissScope;
  periodKey: string;
  unit: CadencePolicy["period"];
  consecutive: number;
  rung: EscalationRung;
  required: number;
  done: number;
  cadreIds: number[];
  miss: MissedObligation;
}

function groupMisses(result: CloseOutResult, unit: CadencePolicy["period"]): MissGroup[] {
  const groups = new Map<string, MissGroup>();
  for (const miss of result.missed) {
    const each = miss.policy.rule === "each" && miss.cadreId !== null;
    const scope: MissScope = each ? `cadre:${miss.cadreId as number}` : "any";
    const key = `${miss.subjectId}|${scope}|${miss.periodKey}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        subjectId: miss.subjectId as number,
        scope,
        periodKey: miss.periodKey,
        unit,
        consecutive: miss.consecutiveMisses,
        rung: miss.rung,
        required: miss.required,
        done: miss.done,
        cadreIds: [],
        miss,
      };
      groups.set(key, group);
    }
    if (miss.cadreId !== null && !group.cadreIds.includes(miss.cadreId as number)) {
      group.cadreIds.push(miss.cadreId as number);
    }
  }
  return [...groups.values()];
}

type Notice = "missed-guarantor" | "missed-village-leader" | "missed-township-leader";

/** Leaders by role and scope region, for walking a subject's region path upwards. */
function createLeaderLookup(data: CadenceData) {
  const byRole = new Map<string, Map<number, PlanCadre[]>>();
  for (const cadre of data.cadres.values()) {
    for (const role of cadre.roles) {
      let byScope = byRole.get(role);
      if (!byScope) {
        byScope = new Map();
        byRole.set(role, byScope);
      }
      const list = byScope.get(cadre.scopeRegionId);
      if (list) list.push(cadre);
      else byScope.set(cadre.scopeRegionId, [cadre]);
    }
  }
  /** Cadres with `role` whose scope covers the region; the first role in `roles` that has any. */
  return (regionId: number, roles: readonly string[]): PlanCadre[] => {
    for (const role of roles) {
      const byScope = byRole.get(role);
      if (!byScope) continue;
      const found: PlanCadre[] = [];
      for (const id of data.regions.ancestorIds(regionId)) found.push(...(byScope.get(id) ?? []));
      if (found.length > 0) return found;
    }
    return [];
  };
}

/** Who hears about a miss: rung 1 the guarantor(s), 2 village leaders, 3 township leaders (up a level when absent). */
function recipientsOf(
  group: MissGroup,
  subject: PlanSubject,
  data: CadenceData,
  leadersFor: ReturnType<typeof createLeaderLookup>,
): { notice: Notice; cadres: PlanCadre[] } {
  if (group.rung === "guarantor") {
    const guarantors = group.cadreIds
      .map((id) => data.cadres.get(id))
      .filter((c): c is PlanCadre => c !== undefined);
    if (guarantors.length > 0) return { notice: "missed-guarantor", cadres: guarantors };
    // Nobody guarantees the person: the village has to know.
  }
  if (group.rung !== "township_leader") {
    const village = leadersFor(subject.regionId, ["village_leader"]);
    if (village.length > 0) return { notice: "missed-village-leader", cadres: village };
  }
  return {
    notice: "missed-township-leader",
    cadres: leadersFor(subject.regionId, ["township_leader", "county_admin"]),
  };
}

function periodView(task: CloseOutTask, yesterday: LocalDate) {
  const p = task.period;
  if (!p) return { days: { end: dayView(yesterday) } };
  const start = dayView(p.startDate);
  if (p.unit === "week") return { week: { start, end: dayView(p.endDate) } };
  if (p.unit === "month") return { month: { year: start.year, month: start.month } };
  if (p.unit === "quarter")
    return { quarter: { year: start.year, quarter: Math.floor((start.month - 1) / 3) + 1 } };
  return { wholeYear: { year: start.year } };
}

/** The messages for some miss groups: one per (notice kind, recipient), people numbered. */
function buildNotices(
  deps: JobDeps,
  task: CloseOutTask,
  groups: readonly MissGroup[],
  data: CadenceData,
  yesterday: LocalDate,
  notBefore: Date,
): KeyedMessage[] {
  const { templates } = deps;
  const period = templates.render("missed-period", periodView(task, yesterday));
  const wanted = new Set(groups.map((g) => g.subjectId));
  const subjects = new Map<number, PlanSubject>();
  for (const subject of data.subjects) if (wanted.has(subject.id)) subjects.set(subject.id, subject);
  const leadersFor = createLeaderLookup(data);
  const byRecipient = new Map<string, { notice: Notice; cadre: PlanCadre; groups: MissGroup[] }>();
  for (const group of groups) {
    const subject = subjects.get(group.subjectId);
    if (!subject) continue;
    const { notice, cadres } = recipientsOf(group, subject, data, leadersFor);
    for (const cadre of cadres) {
      const key = `${notice}|${cadre.id}`;
      const entry = byRecipient.get(key);
      if (entry) entry.groups.push(group);
      else byRecipient.set(key, { notice, cadre, groups: [group] });
    }
  }
  const messages: KeyedMessage[] = [];
  for (const { notice, cadre, groups: own } of byRecipient.values()) {
    const items = own.map((group, index) => {
      const subject = subjects.get(group.subjectId) as PlanSubject;
      return {
        n: index + 1,
        name: subject.name,
        region: data.regions.byId.get(subject.regionId)?.name ?? "",
        label: formatCategoryLevel(subject.category, subject.level),
        required: group.required,
        done: group.done,
        streak: templates.render("missed-streak", {
          one: group.consecutive === 1,
          two: group.consecutive === 2,
          three: group.consecutive >= 3,
        }),
        guarantors: group.cadreIds
          .map((id) => data.cadres.get(id)?.name)
          .filter((name): name is string => name !== undefined)
          .join("、"),
      };
    });
    messages.push({
      key: `missed:${task.periodKey}:${task.unit}:${notice}:${cadre.id}`,
      message: { kind: "text", to: cadre.userid, text: renderText(templates, notice, { period, items }) },
      notBefore,
    });
  }
  return messages;
}

function toRows(groups: readonly MissGroup[]): NewMissedObligation[] {
  return groups.map((g) => ({
    subjectId: g.subjectId,
    scope: g.scope,
    periodKey: g.periodKey,
    period: g.unit,
    consecutive: g.consecutive,
    rung: g.rung,
  }));
}

const ROW_CHUNK = 5_000;

/**
 * Period close-out, daily at 00:30: for each period that ended yesterday (and for yesterday under
 * every-N-days policies) records each missed obligation in MissedObligation (unique per subject,
 * scope and period, so a re-run records nothing twice) and notifies by rung — 1 miss the
 * guarantor(s), 2 consecutive the village leader(s) with names, 3+ the township leader(s) — in
 * 1:1 messages held until 09:00 of the first working day. Each period is claimed on its own
 * (`close-out:week` / `2026-W48`, …). A miss that a late-entered visit has satisfied meanwhile
 * (`satisfiedAt`, set by the bot in the visit's transaction) is not notified.
 */
export async function runCloseOut(deps: JobDeps, now: Date, opts: JobRunOptions = {}): Promise<JobOutcome> {
  const { tz } = deps;
  const zone = zoneOf(tz);
  const today = opts.date ?? zone.localDateAt(opts.scheduledAt ?? now);
  const yesterday = addDays(today, -1);
  const calendar = await deps.planner.calendar();
  const policies = await loadPolicies(deps.store);
  const tasks = closeOutTasks(today, policies, tz);
  const outcome: JobOutcome = {
    job: CLOSE_OUT_JOB,
    date: today,
    workday: calendar.isWorkday(today),
    status: "nothing_due",
    enqueued: 0,
    messages: [],
    warnings: [],
    detail: {},
  };
  if (tasks.length === 0) return outcome;

  const claimed: { task: CloseOutTask; claim: { id: number } | null }[] = [];
  const runs: Record<string, unknown>[] = [];
  for (const task of tasks) {
    const claim: Claim | null = opts.dryRun ? null : await claimRun(deps, task.job, task.periodKey);
    if (claim && "skip" in claim) runs.push({ job: task.job, periodKey: task.periodKey, status: claim.skip });
    else claimed.push({ task, claim });
  }
  if (claimed.length === 0) {
    const statuses = new Set(runs.map((r) => r.status as JobStatus));
    return {
      ...outcome,
      status: statuses.has("running_elsewhere") ? "running_elsewhere" : "already_done",
      detail: { runs },
    };
  }

  const firstWorkday = calendar.isWorkday(today) ? today : calendar.addWorkdays(today, 1);
  const notBefore = localTimeOn(firstWorkday, NOTICE_TIME.hour, NOTICE_TIME.minute, tz);
  let data: Promise<CadenceData> | undefined;
  const loadData = () => {
    if (!data) {
      const starts = claimed.map(({ task }) =>
        task.period
          ? closeOutVisitWindowStart(task.period)
          : intervalVisitWindowStart(yesterday, policies, tz),
      );
      const visitsFrom = new Date(Math.min(...starts.map((d) => d.getTime())));
      data = loadCadenceData(
        deps.store,
        tz,
        {
          visitsFrom,
          // Every visit dated in the closed periods counts, however late it was entered.
          visitsTo: new Date(zone.startOfDay(toDayNumber(today)).getTime() - 1),
          guaranteesFrom: zone.localDateAt(visitsFrom),
          guaranteesTo: yesterday,
        },
        { policies },
      );
    }
    return data;
  };

  const compute = async (task: CloseOutTask) => {
    const input = await loadData();
    const result = task.period
      ? closeOutPeriod({
          ...input,
          visits: input.visits.all(),
          regionAncestors: input.regions.ancestry,
          period: task.period,
        })
      : closeOutIntervals({
          ...input,
          visits: input.visits.all(),
          regionAncestors: input.regions.ancestry,
          date: yesterday,
          tz,
        });
    return { input, result, groups: groupMisses(result, task.unit) };
  };

  let failure: unknown;
  for (const { task, claim } of claimed) {
    if (!claim) {
      const { input, result, groups } = await compute(task);
      const notices = buildNotices(deps, task, groups, input, yesterday, notBefore);
      outcome.messages.push(...notices.map((n) => ({ to: n.message.to, body: messageBody(n.message) })));
      runs.push({ job: task.job, periodKey: task.periodKey, status: "dry_run", ...counts(result, groups) });
      continue;
    }
    try {
      await underClaim(deps, claim, async () => {
        const { input, result, groups } = await compute(task);
        const rows = toRows(groups);
        let recorded = 0;
        for (let i = 0; i < rows.length; i += ROW_CHUNK) {
          recorded += await deps.store.missedObligations.recordMany(rows.slice(i, i + ROW_CHUNK), now);
        }
        // Notify only what no earlier (failed) attempt notified and no late entry has satisfied.
        const open = await deps.store.missedObligations.listByPeriodKeys(
          [...new Set(rows.map((r) => r.periodKey))],
          {
            unnotifiedOnly: true,
          },
        );
        const openKeys = new Set(open.map((r) => `${r.subjectId}|${r.scope}|${r.periodKey}`));
        const pending = groups.filter((g) => openKeys.has(`${g.subjectId}|${g.scope}|${g.periodKey}`));
        const notices = buildNotices(deps, task, pending, input, yesterday, notBefore);
        const written = await enqueueInBatches(deps, notices, now);
        const ids = open.map((r) => r.id);
        for (let i = 0; i < ids.length; i += ROW_CHUNK) {
          await deps.store.missedObligations.markNotified(ids.slice(i, i + ROW_CHUNK), now);
        }
        outcome.enqueued += written.messages;
        outcome.messages.push(...notices.map((n) => ({ to: n.message.to, body: messageBody(n.message) })));
        const summary = { ...counts(result, groups), recorded, enqueued: written.messages };
        runs.push({ job: task.job, periodKey: task.periodKey, status: "done", ...summary });
        deps.logger.info({ job: task.job, periodKey: task.periodKey, ...summary }, "period closed out");
        return { value: undefined, summary };
      });
    } catch (err) {
      runs.push({ job: task.job, periodKey: task.periodKey, status: "failed" });
      failure ??= err;
    }
  }
  if (failure) throw failure;
  return { ...outcome, status: opts.dryRun ? "dry_run" : "done", detail: { runs } };
}

function counts(result: CloseOutResult, groups: readonly MissGroup[]) {
  return { owed: result.owed, satisfied: result.satisfied, missed: groups.length };
}
