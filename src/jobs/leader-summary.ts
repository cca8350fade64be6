import { hasContent } from "../reports/jurisdiction-summary";
import { loadSummaries } from "../reports/load-summary";
import { renderLeaderSummary } from "../reports/render-summary";
import { hasWecomAccount } from "../domain/wecom-account";
import type { PlanCadre } from "../store/plan-input-repository";
import { enqueueInBatches, type KeyedMessage } from "./enqueue-batches";
import type { JobDeps, JobOutcome, JobRunOptions } from "./job";
import { messageBody, planWarnings } from "./job-outcome";
import { startWorkdayJob, underClaim } from "./job-run";

export const LEADER_SUMMARY_JOB = "leader-summary";

/** Roles that receive the evening summary for their jurisdiction (scope region subtree). */
export const SUMMARY_ROLES = ["township_leader", "village_leader", "county_admin"] as const;

/**
 * Cadres with one of `roles`, active, who can be messaged: a leader imported without a WeCom
 * account (`pending:<mobile>`) gets nothing until `roster match-wecom` binds one.
 */
export function cadresWithRoles(cadres: Iterable<PlanCadre>, roles: readonly string[]): PlanCadre[] {
  return [...cadres].filter((c) => hasWecomAccount(c.userid) && c.roles.some((role) => roles.includes(role)));
}

/**
 * The evening summary slot: on a working day, to each village and township leader and county
 * administrator the summary of their own jurisdiction (coverage overall and per village, done /
 * due / overdue, the named overdue list, abnormal visits today, open incidents with their age,
 * new pauses; no rankings), 1:1. One plan of the register, one pass for every jurisdiction.
 * Leaders whose jurisdiction has nothing to report are not disturbed.
 */
export async function runLeaderSummary(
  deps: JobDeps,
  now: Date,
  opts: JobRunOptions = {},
): Promise<JobOutcome> {
  const start = await startWorkdayJob(deps, LEADER_SUMMARY_JOB, now, opts);
  if ("ended" in start) return start.ended;
  const { date, base, claim } = start;

  const compute = async () => {
    let leaders: PlanCadre[] = [];
    const { plan, summaries } = await loadSummaries(
      { repos: deps.store, planner: deps.planner, tz: deps.tz },
      now,
      date,
      (loaded) => {
        leaders = cadresWithRoles(loaded.cadres.values(), SUMMARY_ROLES);
        return new Set(leaders.map((l) => l.scopeRegionId));
      },
    );
    const entries: KeyedMessage[] = [];
    for (const leader of leaders) {
      const summary = summaries.get(leader.scopeRegionId);
      if (!summary || !hasContent(summary)) continue;
      entries.push({
        key: `summary:${date}:${leader.id}`,
        message: {
          kind: "text",
          to: leader.userid,
          text: renderLeaderSummary(deps.templates, summary, { tz: deps.tz }),
        },
      });
    }
    const outcome: JobOutcome = {
      ...base,
      status: "dry_run",
      messages: opts.quiet ? [] : entries.map((e) => ({ to: e.message.to, body: messageBody(e.message) })),
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
