import { zoneOf } from "../domain/local-date";
import type { SubjectState } from "../domain/plan";
import type { PlanCadre } from "../store/plan-input-repository";
import type { DailyPlan } from "../planning/planner";
import { dayView } from "./day-view";
import { enqueueInBatches, type KeyedMessage } from "./enqueue-batches";
import type { JobDeps, JobOutcome, JobRunOptions } from "./job";
import { messageBody, planWarnings, scheduleWarnings, renderText } from "./job-outcome";
import { claimRun, underClaim } from "./job-run";

export const LEADER_SUMMARY_JOB = "leader-summary";

/** Roles that receive the evening summary for their jurisdiction (scope region subtree). */
export const SUMMARY_ROLES = ["township_leader", "village_leader"] as const;

/** How many overdue names a summary lists before "等N人". */
const NAMES_SHOWN = 10;

export interface JurisdictionCounts {
  done: number;
  due: number;
  overdue: number;
  paused: number;
  overdueNames: string[];
}

const COUNTED: Partial<Record<SubjectState, keyof Omit<JurisdictionCounts, "overdueNames">>> = {
  done: "done",
  due: "due",
  overdue: "overdue",
  paused: "paused",
};

/**
 * Per-state counts of the plan for each of `scopeRegionIds` (a region and its whole subtree),
 * with up to NAMES_SHOWN overdue names each. One pass over the subjects, walking each subject's
 * region path: linear in subjects × tree depth.
 */
export function countJurisdictions(
  plan: DailyPlan,
  scopeRegionIds: ReadonlySet<number>,
): Map<number, JurisdictionCounts> {
  const counts = new Map<number, JurisdictionCounts>();
  for (const id of scopeRegionIds)
    counts.set(id, { done: 0, due: 0, overdue: 0, paused: 0, overdueNames: [] });
  plan.states.forEach((state, position) => {
    const field = COUNTED[state];
    if (!field) return;
    const subject = plan.subjects[position];
    if (!subject) return;
    for (const regionId of plan.regions.ancestorIds(subject.regionId)) {
      const entry = counts.get(regionId);
      if (!entry) continue;
      entry[field]++;
      if (field === "overdue" && entry.overdueNames.length < NAMES_SHOWN)
        entry.overdueNames.push(subject.name);
    }
  });
  return counts;
}

/** Cadres with one of `roles`, active. */
export function cadresWithRoles(cadres: Iterable<PlanCadre>, roles: readonly string[]): PlanCadre[] {
  return [...cadres].filter((c) => c.roles.some((role) => roles.includes(role)));
}

/**
 * The evening summary slot: on a working day, to each township and village leader a minimal
 * summary of their jurisdiction (owed, done, due, overdue, coverage, paused, overdue names; no
 * rankings). The full summaries come with the reports issue; this keeps the slot and its keys.
 */
export async function runLeaderSummary(
  deps: JobDeps,
  now: Date,
  opts: JobRunOptions = {},
): Promise<JobOutcome> {
  const date = opts.date ?? zoneOf(deps.tz).localDateAt(opts.scheduledAt ?? now);
  const calendar = await deps.planner.calendar();
  const workday = calendar.isWorkday(date);
  const base = {
    job: LEADER_SUMMARY_JOB,
    date,
    workday,
    enqueued: 0,
    messages: [],
    warnings: scheduleWarnings(calendar, date),
    detail: {},
  };
  if (!workday) return { ...base, status: "not_workday" };
  const claim = opts.dryRun ? null : await claimRun(deps, LEADER_SUMMARY_JOB, date);
  if (claim && "skip" in claim) return { ...base, status: claim.skip };

  const compute = async () => {
    const plan = await deps.planner.planForDate({ now, date });
    const leaders = cadresWithRoles(plan.cadres.values(), SUMMARY_ROLES);
    const counts = countJurisdictions(plan, new Set(leaders.map((l) => l.scopeRegionId)));
    const entries: KeyedMessage[] = [];
    for (const leader of leaders) {
      const c = counts.get(leader.scopeRegionId);
      if (!c) continue;
      const owed = c.done + c.due + c.overdue;
      if (owed + c.paused === 0) continue;
      const text = renderText(deps.templates, "leader-summary", {
        date: dayView(date),
        region: plan.regions.byId.get(leader.scopeRegionId)?.name ?? "",
        owed,
        done: c.done,
        due: c.due,
        overdue: c.overdue,
        coverage: owed === 0 ? 100 : Math.round((c.done / owed) * 100),
        paused: c.paused,
        overdueNames: c.overdueNames.length > 0 ? c.overdueNames.join("、") : null,
        more: c.overdue > c.overdueNames.length,
        overdueTotal: c.overdue,
      });
      entries.push({
        key: `summary:${date}:${leader.id}`,
        message: { kind: "text", to: leader.userid, text },
      });
    }
    const outcome: JobOutcome = {
      ...base,
      status: "dry_run",
      messages: entries.map((e) => ({ to: e.message.to, body: messageBody(e.message) })),
      warnings: planWarnings(plan.warnings),
      detail: { leaders: entries.length },
    };
    return { entries, outcome };
  };

  if (!claim) return (await compute()).outcome;
  return underClaim(deps, claim, async () => {
    const { entries, outcome } = await compute();
    const written = await enqueueInBatches(deps, entries, now);
    const value: JobOutcome = { ...outcome, status: "done", enqueued: written.messages };
    return { value, summary: { enqueued: written.messages, ...value.detail } };
  });
}
