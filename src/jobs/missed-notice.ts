import type { Templates } from "../bot/templates";
import { addDays, formatDayNumber, type LocalDate, toDayNumber, zoneOf } from "../domain/local-date";
import { PERIOD_UNITS, type PeriodUnit, periodFromKey } from "../domain/periods";
import { type CadenceData, loadCadenceData, loadPolicies } from "../planning/cadence-data";
import { localTimeOn } from "../planning/planner";
import type { MissedObligationRow } from "../store/missed-obligation-repository";
import { CLOSE_OUT_JOB, closeOutWindowStart, computeCloseOut, NOTICE_TIME } from "./close-out";
import { type KeyedMessage, outboxRows } from "./enqueue-batches";
import type { JobDeps, JobOutcome, JobRunOptions } from "./job";
import { messageBody } from "./job-outcome";
import { startWorkdayJob, underClaim } from "./job-run";
import {
  type CloseOutTask,
  type MissGroup,
  type NoticeEntry,
  noticeRecipients,
  renderNotice,
} from "./miss-notices";

export const MISSED_NOTICE_JOB = "missed-notice";

/**
 * Misses recorded this many days before the run are still notified: the longest run of days off
 * (Spring Festival, National Day: 8–9 days) plus a weekend, so nothing recorded during a holiday
 * or an outage is lost; older ones are history for the reports.
 */
export const NOTICE_LOOKBACK_DAYS = 14;

/** The close-out task a stored miss came from; undefined for a key close-out never writes. */
export function taskOfRow(
  row: Pick<MissedObligationRow, "period" | "periodKey">,
  tz: string,
): CloseOutTask | undefined {
  if (row.period === "days") {
    // `<day − N>+<N>d`: the close-out of day D judged the N days ending on D.
    const match = /^(\d{4}-\d{2}-\d{2})\+(\d+)d$/.exec(row.periodKey);
    if (!match) return undefined;
    const day = formatDayNumber(toDayNumber(match[1] as string) + Number(match[2]));
    return { job: `${CLOSE_OUT_JOB}:days`, periodKey: day, unit: "days" };
  }
  if (!(PERIOD_UNITS as readonly string[]).includes(row.period)) return undefined;
  try {
    const period = periodFromKey(row.periodKey, tz);
    if (period.unit !== row.period) return undefined;
    return {
      job: `${CLOSE_OUT_JOB}:${period.unit}`,
      periodKey: period.key,
      unit: period.unit as PeriodUnit,
      period,
    };
  } catch {
    return undefined;
  }
}

/**
 * Groups notices so that every notice about a stored miss lands in the same transaction as that
 * miss's `notifiedAt` (a miss under `any` goes to each of its guarantors): connected components
 * of notices sharing a miss, packed into batches of about `size` notices.
 */
export function noticeBatches(entries: readonly NoticeEntry[], size: number): NoticeEntry[][] {
  const parent = new Map<number, number>();
  const find = (id: number): number => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root) as number;
    for (let at = id; at !== root; ) {
      const next = parent.get(at) as number;
      parent.set(at, root);
      at = next;
    }
    return root;
  };
  const rowsOf = (entry: NoticeEntry) => entry.groups.map((g) => g.rowId as number);
  for (const entry of entries) {
    const ids = rowsOf(entry);
    for (const id of ids) if (!parent.has(id)) parent.set(id, id);
    for (const id of ids.slice(1)) parent.set(find(id), find(ids[0] as number));
  }
  const components = new Map<number, NoticeEntry[]>();
  for (const entry of entries) {
    const root = find(rowsOf(entry)[0] as number);
    const list = components.get(root);
    if (list) list.push(entry);
    else components.set(root, [entry]);
  }
  const batches: NoticeEntry[][] = [];
  let current: NoticeEntry[] = [];
  for (const component of components.values()) {
    if (current.length > 0 && current.length + component.length > size) {
      batches.push(current);
      current = [];
    }
    current.push(...component);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** The notices still to build from the pending misses, recomputed against today's visits. */
interface PendingNotices {
  entries: NoticeEntry[];
  data: CadenceData | undefined;
  pending: number;
  /** Pending misses the visits no longer show as missed (settled another way than a late entry). */
  settled: number;
  /** Still missed but nobody to tell (no guarantor, no leader above). */
  unaddressed: number;
}

async function findPendingNotices(
  deps: JobDeps,
  now: Date,
  since: Date,
  yesterday: LocalDate,
): Promise<PendingNotices> {
  const { tz } = deps;
  const zone = zoneOf(tz);
  const pending = await deps.store.missedObligations.listPending(since);
  const tasks = new Map<string, CloseOutTask>();
  for (const row of pending) {
    const task = taskOfRow(row, tz);
    if (task) tasks.set(`${task.unit}|${task.periodKey}`, task);
  }
  if (tasks.size === 0)
    return { entries: [], data: undefined, pending: pending.length, settled: pending.length, unaddressed: 0 };
  const policies = await loadPolicies(deps.store);
  const starts = [...tasks.values()].map((task) => closeOutWindowStart(task, policies, tz).getTime());
  const visitsFrom = new Date(Math.min(...starts));
  const scoped = await loadCadenceData(
    deps.store,
    tz,
    { visitsFrom, visitsTo: now, guaranteesFrom: zone.localDateAt(visitsFrom), guaranteesTo: yesterday },
    { policies, subjectIds: [...new Set(pending.map((row) => row.subjectId))] },
  );
  // Village and township leaders hear too, not only these people's guarantors.
  const data: CadenceData = {
    ...scoped,
    cadres: new Map((await deps.store.planInputs.listCadres()).map((c) => [c.id, c])),
  };
  const rowOf = new Map(pending.map((row) => [`${row.subjectId}|${row.scope}|${row.periodKey}`, row]));
  const entries: NoticeEntry[] = [];
  let stillMissed = 0;
  const addressed = new Set<number>();
  for (const task of tasks.values()) {
    // The streak, the visits done and the guarantors as they stand now, late entries included.
    const open: MissGroup[] = [];
    for (const group of computeCloseOut(task, data, tz).groups) {
      const row = rowOf.get(`${group.subjectId}|${group.scope}|${group.periodKey}`);
      if (row && row.period === task.unit) open.push({ ...group, rowId: row.id });
    }
    stillMissed += open.length;
    const own = noticeRecipients(task, open, data);
    for (const entry of own) for (const group of entry.groups) addressed.add(group.rowId as number);
    entries.push(...own);
  }
  return {
    entries,
    data,
    pending: pending.length,
    settled: pending.length - stillMissed,
    unaddressed: stillMissed - addressed.size,
  };
}

/** Stores one batch of notices with the misses they are about, in one transaction. */
async function sendBatch(
  deps: JobDeps,
  templates: Templates,
  batch: readonly NoticeEntry[],
  data: CadenceData,
  now: Date,
  notBefore: Date,
): Promise<KeyedMessage[]> {
  const channel = deps.channel ?? "app";
  const ids = [...new Set(batch.flatMap((entry) => entry.groups.map((g) => g.rowId as number)))];
  return deps.store.transaction(
    async (repos) => {
      // Only what is still pending now: a late entry committed since the read is left out.
      const claimed = new Set(await repos.missedObligations.claimForNotice(ids, now));
      const messages: KeyedMessage[] = [];
      const streaks = new Map<string, number[]>();
      for (const entry of batch) {
        const groups = entry.groups.filter((g) => claimed.has(g.rowId as number));
        if (groups.length === 0) continue;
        messages.push(renderNotice(templates, { ...entry, groups }, data, notBefore));
        for (const g of groups) {
          const key = `${g.consecutive}|${g.rung}`;
          streaks.set(key, [...(streaks.get(key) ?? []), g.rowId as number]);
        }
      }
      for (const [key, rowIds] of streaks) {
        const [consecutive, rung] = key.split("|") as [string, string];
        await repos.missedObligations.restateStreak(rowIds, Number(consecutive), rung);
      }
      const created = await repos.outbox.enqueueMany(messages.flatMap((m) => outboxRows(channel, m, now)));
      return messages.filter((m) => created.has(`${m.key}#1`));
    },
    { timeoutMs: 120_000 },
  );
}

/**
 * Missed-visit notices, 09:00 on working days: built now from the misses close-out recorded (in
 * the last NOTICE_LOOKBACK_DAYS days) that are neither notified nor satisfied by a late entry,
 * with the streak, the visits done and the guarantors recomputed from today's visits — so a late
 * entry for the period before lowers the rung — and sent by rung (1 miss the guarantor(s), 2 the
 * village leader(s) with names, 3+ the township leader(s)), one message per period and recipient.
 * Claimed per day (`missed-notice` / date); each miss is marked notified in the transaction that
 * enqueues its notices, so a crash or a second instance sends nothing twice and loses nothing.
 */
export async function runMissedNotice(
  deps: JobDeps,
  now: Date,
  opts: JobRunOptions = {},
): Promise<JobOutcome> {
  const start = await startWorkdayJob(deps, MISSED_NOTICE_JOB, now, opts);
  if ("ended" in start) return start.ended;
  const { date, base, claim } = start;
  const zone = zoneOf(deps.tz);
  const notBefore = localTimeOn(date, NOTICE_TIME.hour, NOTICE_TIME.minute, deps.tz);
  const since = zone.startOfDay(toDayNumber(date) - NOTICE_LOOKBACK_DAYS);
  const shown = (messages: readonly KeyedMessage[]) =>
    opts.quiet ? [] : messages.map((m) => ({ to: m.message.to, body: messageBody(m.message) }));

  const compute = () => findPendingNotices(deps, now, since, addDays(date, -1));
  if (!claim) {
    const found = await compute();
    const messages = found.data
      ? found.entries.map((entry) =>
          renderNotice(deps.templates, entry, found.data as CadenceData, notBefore),
        )
      : [];
    const detail = { pending: found.pending, settled: found.settled, unaddressed: found.unaddressed };
    return { ...base, status: "dry_run", messages: shown(messages), detail };
  }
  return underClaim(deps, claim, async () => {
    const found = await compute();
    const sent: KeyedMessage[] = [];
    if (found.data) {
      for (const batch of noticeBatches(found.entries, Math.max(1, deps.batchSize ?? 500))) {
        sent.push(...(await sendBatch(deps, deps.templates, batch, found.data, now, notBefore)));
      }
    }
    if (sent.length > 0) deps.wake?.();
    const detail = { pending: found.pending, settled: found.settled, unaddressed: found.unaddressed };
    const value: JobOutcome = {
      ...base,
      status: "done",
      enqueued: sent.length,
      messages: shown(sent),
      detail,
    };
    return { value, summary: { enqueued: sent.length, ...detail } };
  });
}
