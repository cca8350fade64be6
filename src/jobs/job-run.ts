import type { Prisma } from "../generated/prisma/client";
import { type LocalDate, zoneOf } from "../domain/local-date";
import type { JobDeps, JobOutcome, JobRunOptions } from "./job";
import { scheduleWarnings } from "./job-outcome";

/**
 * A run left `running` this long is taken to be dead (its process crashed) and may be taken over.
 * Every job is idempotent per recipient (outbox idempotency keys, unique miss rows), so a
 * takeover of a run that was merely slow repeats no message.
 */
export const STALE_RUN_MS = 30 * 60_000;

export type Claim = { id: number } | { skip: "already_done" | "running_elsewhere" };

/**
 * Claims (job, periodKey) in JobRun before any work: the unique key makes exactly one caller win,
 * whichever instance, restart or manual run comes first. A failed or stale run is taken over.
 */
export async function claimRun(deps: JobDeps, job: string, periodKey: string): Promise<Claim> {
  const runs = deps.store.jobRuns;
  const existing = await runs.find(job, periodKey);
  if (existing?.status === "done") return { skip: "already_done" };
  const at = deps.clock();
  if (!existing) {
    const claimed = await runs.claim(job, periodKey, deps.instance, at);
    if (claimed) return claimed;
  }
  const taken = await runs.retake(job, periodKey, deps.instance, at, new Date(at.getTime() - STALE_RUN_MS));
  if (taken) return taken;
  const now = await runs.find(job, periodKey);
  return { skip: now?.status === "done" ? "already_done" : "running_elsewhere" };
}

/** Runs `work` under a claimed run, recording its summary or its error. */
export async function underClaim<T>(
  deps: JobDeps,
  claim: { id: number },
  work: () => Promise<{ value: T; summary: Prisma.InputJsonValue }>,
): Promise<T> {
  try {
    const { value, summary } = await work();
    await deps.store.jobRuns.finish(claim.id, summary, deps.clock());
    return value;
  } catch (err) {
    await deps.store.jobRuns
      .fail(claim.id, String((err as Error)?.stack ?? err).slice(0, 4000), deps.clock())
      .catch((inner: unknown) => deps.logger.error({ err: inner }, "could not record the failed job run"));
    throw err;
  }
}

/** Where a working-day job stands after its opening checks. */
export type WorkdayStart =
  | { ended: JobOutcome }
  | { date: LocalDate; base: Omit<JobOutcome, "status">; claim: { id: number } | null };

/**
 * The opening every routine working-day job shares: the local day it runs for (CLI `--date`, the
 * scheduled slot, or now), the holiday-schedule warnings, `not_workday` on a non-working day, and
 * the (job, date) claim — none for a dry run — ending with the claim's skip if another run has it.
 */
export async function startWorkdayJob(
  deps: JobDeps,
  job: string,
  now: Date,
  opts: JobRunOptions,
): Promise<WorkdayStart> {
  const date = opts.date ?? zoneOf(deps.tz).localDateAt(opts.scheduledAt ?? now);
  const calendar = await deps.planner.calendar();
  const workday = calendar.isWorkday(date);
  const base = {
    job,
    date,
    workday,
    enqueued: 0,
    messages: [],
    warnings: scheduleWarnings(calendar, date),
    detail: {},
  };
  if (!workday) return { ended: { ...base, status: "not_workday" } };
  const claim = opts.dryRun ? null : await claimRun(deps, job, date);
  if (claim && "skip" in claim) return { ended: { ...base, status: claim.skip } };
  return { date, base, claim };
}
