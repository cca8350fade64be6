import { addDays, type LocalDate, toDayNumber, zoneOf } from "../domain/local-date";
import {
  type CloseOutResult,
  closeOutIntervals,
  closeOutPeriod,
  closeOutVisitWindowStart,
  intervalVisitWindowStart,
} from "../domain/close-out-period";
import { PERIOD_UNITS, periodOf, periodSpanOfDay } from "../domain/periods";
import type { CadencePolicy } from "../domain/policy";
import { type CadenceData, loadCadenceData, loadPolicies } from "../planning/cadence-data";
import type { MissScope, NewMissedObligation } from "../store/missed-obligation-repository";
import type { JobDeps, JobOutcome, JobRunOptions, JobStatus } from "./job";
import { messageBody } from "./job-outcome";
import { type Claim, claimRun, underClaim } from "./job-run";
import { type CloseOutTask, type MissGroup, noticeRecipients, renderNotice } from "./miss-notices";

export const CLOSE_OUT_JOB = "close-out";

/** Missed-visit notices go out at this local time on a working day (never at night). */
export const NOTICE_TIME = { hour: 9, minute: 0 } as const;

export type { CloseOutTask };

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

/** The misses of a close-out result, one per (subject, scope), with every guarantor it concerns. */
export function groupMisses(result: CloseOutResult, unit: CadencePolicy["period"]): MissGroup[] {
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
      };
      groups.set(key, group);
    }
    if (miss.cadreId !== null && !group.cadreIds.includes(miss.cadreId as number)) {
      group.cadreIds.push(miss.cadreId as number);
    }
  }
  // Guarantees arrive in no particular order: list guarantors the same way every time.
  for (const group of groups.values()) group.cadreIds.sort((x, y) => x - y);
  return [...groups.values()];
}

/** Earliest instant whose visits closing `task` needs. */
export function closeOutWindowStart(
  task: CloseOutTask,
  policies: readonly CadencePolicy[],
  tz: string,
): Date {
  return task.period
    ? closeOutVisitWindowStart(task.period)
    : intervalVisitWindowStart(task.periodKey, policies, tz);
}

/** Closes one task over loaded data (every-N-days: the day `task.periodKey`). */
export function computeCloseOut(task: CloseOutTask, input: CadenceData, tz: string) {
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
        date: task.periodKey,
        tz,
      });
  return { result, groups: groupMisses(result, task.unit) };
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
 * scope and period, so a re-run records nothing twice), with its consecutive count and rung.
 * It sends nothing: the notices are built at 09:00 by the missed-notice job from the misses still
 * open then, so a late entry in between (`satisfiedAt`, set in the visit's transaction) means no
 * notice. Each period is claimed on its own (`close-out:week` / `2026-W48`, …). A dry run shows
 * the notices as they would be built now.
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

  let data: Promise<CadenceData> | undefined;
  const loadData = () => {
    if (!data) {
      const starts = claimed.map(({ task }) => closeOutWindowStart(task, policies, tz));
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

  let failure: unknown;
  for (const { task, claim } of claimed) {
    if (!claim) {
      const input = await loadData();
      const { result, groups } = computeCloseOut(task, input, tz);
      const notices = noticeRecipients(task, groups, input).map((entry) =>
        renderNotice(deps.templates, entry, input),
      );
      outcome.messages.push(...notices.map((n) => ({ to: n.message.to, body: messageBody(n.message) })));
      runs.push({ job: task.job, periodKey: task.periodKey, status: "dry_run", ...counts(result, groups) });
      continue;
    }
    try {
      await underClaim(deps, claim, async () => {
        const { result, groups } = computeCloseOut(task, await loadData(), tz);
        const rows = toRows(groups);
        let recorded = 0;
        for (let i = 0; i < rows.length; i += ROW_CHUNK) {
          recorded += await deps.store.missedObligations.recordMany(rows.slice(i, i + ROW_CHUNK), now);
        }
        const summary = { ...counts(result, groups), recorded };
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
