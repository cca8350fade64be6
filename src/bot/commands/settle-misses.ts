import { closedMissWindows } from "../../domain/close-out-period";
import { type LocalDate, toDayNumber, zoneOf } from "../../domain/local-date";
import { policyAccepts, resolvePolicy } from "../../domain/policy";
import type { Repos } from "../../store/store";

/** What changed in the stored misses. */
export interface SettledMisses {
  /** Misses marked satisfied. */
  satisfied: number;
  /** Misses opened again. */
  reopened: number;
}

/**
 * Brings a subject's stored misses (MissedObligation, written by close-out) in line with its
 * visits after a visit dated `date` was recorded late, withdrawn or corrected, inside the
 * caller's transaction:
 * - `removedVisitId` (withdrawn or superseded): the misses it satisfied are opened again;
 * - then every open miss of the closed periods the date counts toward (the visit's own period;
 *   for every-N-days the windows close-out judged that contain the date) is marked satisfied
 *   when the period now has the policy's minimum of qualifying visits — the subject's visits by
 *   anyone for scope `any`, the guarantor's own for `cadre:<id>` — by `visitId` when it is one
 *   of them, else by the latest of them.
 * Qualifying is what close-out counts: active, not `not_met`, a method the policy accepts.
 * A visit dated today touches nothing (no closed period holds it).
 */
export async function settleMisses(
  repos: Repos,
  input: {
    subjectId: number;
    date: LocalDate;
    now: Date;
    tz: string;
    visitId?: number;
    removedVisitId?: number;
  },
): Promise<SettledMisses> {
  const result: SettledMisses = { satisfied: 0, reopened: 0 };
  const zone = zoneOf(input.tz);
  const today = zone.localDateAt(input.now);
  if (toDayNumber(input.date) >= toDayNumber(today)) return result;
  if (input.removedVisitId !== undefined) {
    result.reopened = await repos.missedObligations.clearSatisfied(input.removedVisitId);
  }
  const pc = await repos.conversation.policyContext(input.subjectId);
  const policy = pc ? resolvePolicy(pc.policies, pc.subject, pc.ancestors) : undefined;
  if (!policy) return result;
  const windows = closedMissWindows(policy, input.date, today);
  if (windows.length === 0) return result;
  const open = (
    await repos.missedObligations.listForSubjectPeriods(
      input.subjectId,
      windows.map((w) => w.key),
    )
  ).filter((row) => row.satisfiedAt === null);
  if (open.length === 0) return result;

  const from = Math.min(...windows.map((w) => w.startDay));
  const to = Math.max(...windows.map((w) => w.endDay));
  const visits = (
    await repos.missedObligations.listCountingVisits(
      input.subjectId,
      zone.startOfDay(from),
      zone.startOfDay(to + 1),
    )
  )
    .filter((v) => policyAccepts(policy.method, v.method) && v.occurredAt <= input.now)
    .map((v) => ({ ...v, day: zone.dayNumberAt(v.occurredAt) }));

  for (const row of open) {
    const window = windows.find((w) => w.key === row.periodKey);
    if (!window) continue;
    const cadreId = row.scope.startsWith("cadre:") ? Number(row.scope.slice("cadre:".length)) : null;
    const counting = visits.filter(
      (v) =>
        v.day >= window.startDay && v.day <= window.endDay && (cadreId === null || v.cadreId === cadreId),
    );
    if (counting.length < policy.minCount) continue;
    const by = counting.find((v) => v.id === input.visitId) ?? counting[counting.length - 1]!;
    result.satisfied += await repos.missedObligations.markSatisfied(
      { subjectId: input.subjectId, periodKey: row.periodKey, scopes: [row.scope] },
      by.id,
      input.now,
    );
  }
  return result;
}
