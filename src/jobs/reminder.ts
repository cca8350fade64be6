import { toDayNumber, zoneOf } from "../domain/local-date";
import { describePlanItem } from "./daily-card";
import { enqueueInBatches, type KeyedMessage } from "./enqueue-batches";
import type { JobDeps, JobOutcome, JobRunOptions } from "./job";
import { messageBody, pushableLists, renderText } from "./job-outcome";
import { startWorkdayJob, underClaim } from "./job-run";

export const REMINDER_JOB = "reminder";

/**
 * The afternoon reminder: on a working day, one short message to each cadre who still has
 * overdue people and has recorded no visit today; at most one a day (`reminder:<date>:<cadreId>`).
 * People are numbered as on the cadre's list of the day, so `1 正常` keeps working.
 */
export async function runReminder(deps: JobDeps, now: Date, opts: JobRunOptions = {}): Promise<JobOutcome> {
  const zone = zoneOf(deps.tz);
  const start = await startWorkdayJob(deps, REMINDER_JOB, now, opts);
  if ("ended" in start) return start.ended;
  const { date, base, claim } = start;

  const compute = async () => {
    const plan = await deps.planner.planForDate({ now, date });
    const dayStart = zone.startOfDay(toDayNumber(date));
    const touched = await deps.store.planInputs.cadresWithVisitsBetween(dayStart, plan.at);
    const pushable = pushableLists(plan.lists, plan.warnings);
    const behind = pushable.lists
      .map((list) => ({ list, overdue: list.items.filter((item) => item.state === "overdue") }))
      .filter((entry) => entry.overdue.length > 0 && !touched.has(entry.list.cadre.id));
    const numbering = await deps.store.cadreLists.latestForDate(
      date,
      behind.map((entry) => entry.list.cadre.id),
    );
    const entries: KeyedMessage[] = behind.map(({ list, overdue }) => {
      const numbers = new Map((numbering.get(list.cadre.id) ?? []).map((item) => [item.subjectId, item.n]));
      const items = overdue.map((item) => ({
        n: numbers.get(item.subjectId as number) ?? null,
        name: item.name,
        state: describePlanItem(deps.templates, item).state,
      }));
      const text = renderText(deps.templates, "reminder", {
        count: items.length,
        items,
        example: items.find((item) => item.n !== null)?.n ?? items[0]?.name ?? "1",
      });
      return {
        key: `reminder:${date}:${list.cadre.id}`,
        message: { kind: "text", to: list.cadre.userid, text },
      };
    });
    const outcome: JobOutcome = {
      ...base,
      status: "dry_run",
      messages: entries.map((e) => ({ to: e.message.to, body: messageBody(e.message) })),
      warnings: pushable.warnings,
      detail: { cadresBehind: entries.length, visitedToday: touched.size },
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
