import type { PlanItem } from "../domain/plan";
import type { NewCadreList } from "../store/cadre-list-repository";
import { collectGarbage } from "./collect-garbage";
import { buildDailyCard } from "./daily-card";
import { enqueueInBatches, type KeyedMessage } from "./enqueue-batches";
import type { CadrePlanList } from "../planning/planner";
import type { JobDeps, JobOutcome, JobRunOptions, ShownMessage } from "./job";
import { startWorkdayJob, underClaim } from "./job-run";
import { messageBody, pushableLists } from "./job-outcome";

export const DAILY_PUSH_JOB = "daily-push";

/** From this many items (a county or more) the push collects its garbage itself. */
const LARGE_PLAN_ITEMS = 50_000;
/** Cards between two collections in a large push (~0.1 s each; a province makes about eight). */
const CARDS_PER_COLLECTION = 25_000;

/** The plan's lists and warnings only: the rest of the plan is unreachable once this returns. */
async function planLists(deps: JobDeps, now: Date, date: string) {
  const { lists, warnings } = await deps.planner.planForDate({ now, date });
  return { lists, warnings };
}

/** The list a card numbers, as stored for replies (`1 正常` → subject of item 1). */
export function cadreListOf(cadreId: number, date: string, items: readonly PlanItem[]): NewCadreList {
  return {
    cadreId,
    kind: "daily",
    date,
    items: items.map((item) => ({ n: item.number, subjectId: item.subjectId as number, name: item.name })),
  };
}

/**
 * The morning card: on a working day, one card to every cadre with someone due or overdue and
 * nothing to anyone else (nor to a cadre without a WeCom account: counted in the warnings). Claimed as (daily-push, date) first; each card is enqueued under
 * `daily:<date>:<cadreId>` in the same transaction that stores the cadre's numbered list.
 */
export async function runDailyPush(deps: JobDeps, now: Date, opts: JobRunOptions = {}): Promise<JobOutcome> {
  const start = await startWorkdayJob(deps, DAILY_PUSH_JOB, now, opts);
  if ("ended" in start) return start.ended;
  const { date, base, claim } = start;

  // Only the lists are kept: the rest of the plan (a record per person) is garbage from here,
  // and each list once its card is built (a province's items need not outlive their batch).
  const compute = async () => {
    const plan = await planLists(deps, now, date);
    const { lists: planned, skipped, warnings } = pushableLists(plan.lists, plan.warnings);
    const lists: (CadrePlanList | undefined)[] = planned;
    const count = planned.length;
    const items = planned.reduce((n, l) => n + l.items.length, 0);
    // A large plan: the rest of it is garbage now, and building the cards makes more; collect
    // before the first card and every CARDS_PER_COLLECTION cards (see collectGarbage).
    const large = items >= LARGE_PLAN_ITEMS;
    if (large) collectGarbage();
    const messages: ShownMessage[] = [];
    const entryOf = (index: number): KeyedMessage => {
      const list = lists[index];
      if (!list) throw new Error(`第 ${index} 张每日卡片重复生成`);
      lists[index] = undefined;
      if (large && index > 0 && index % CARDS_PER_COLLECTION === 0) collectGarbage();
      const message = buildDailyCard(deps.templates, {
        to: list.cadre.userid,
        cadreId: list.cadre.id,
        date,
        items: list.items,
      });
      if (!opts.quiet) messages.push({ to: message.to, body: messageBody(message) });
      return {
        key: `daily:${date}:${list.cadre.id}`,
        message,
        list: cadreListOf(list.cadre.id, date, list.items),
      };
    };
    const outcome: JobOutcome = {
      ...base,
      status: "dry_run",
      messages,
      warnings,
      detail: { cadres: count, items, ...(skipped > 0 ? { withoutWecomAccount: skipped } : {}) },
    };
    return { entries: { count, build: entryOf }, outcome };
  };

  if (!claim) {
    // A dry run renders every card (and shows them unless quiet), storing nothing.
    const { entries, outcome } = await compute();
    for (let i = 0; i < entries.count; i++) entries.build(i);
    return outcome;
  }
  return underClaim(deps, claim, async () => {
    const { entries, outcome } = await compute();
    // Cards are rendered a batch at a time as they are enqueued.
    const written = await enqueueInBatches(deps, entries, now);
    const value: JobOutcome = {
      ...outcome,
      status: "done",
      enqueued: written.messages,
      detail: { ...outcome.detail, outboxRows: written.rows },
    };
    deps.logger.info({ job: DAILY_PUSH_JOB, date, enqueued: written.messages }, "daily cards enqueued");
    return { value, summary: { enqueued: written.messages, ...value.detail, warnings: value.warnings } };
  });
}
