import type { LocalDate } from "../domain/local-date";
import type { Templates } from "../bot/templates";
import type { Logger } from "../logger";
import type { Planner } from "../planning/planner";
import type { Store } from "../store/store";

/** What every job needs; built once in main.ts (or by the CLI). */
export interface JobDeps {
  store: Store;
  planner: Planner;
  templates: Templates;
  tz: string;
  logger: Pick<Logger, "info" | "warn" | "error">;
  /** This process, as recorded in JobRun.instance. */
  instance: string;
  /** The clock for bookkeeping (JobRun times, stale runs); a run's own time is its `now`. */
  clock: () => Date;
  /** Outbox channel; default "app". */
  channel?: string;
  /** Recipients per enqueue transaction; default 200. */
  batchSize?: number;
  /** Enqueue transactions in parallel; default 1 (the embedded database runs one at a time). */
  enqueueConcurrency?: number;
  /** Nudges the outbox worker after messages were committed. */
  wake?: () => void;
}

export interface JobRunOptions {
  /** Compute and return the messages; store and send nothing, claim nothing. */
  dryRun?: boolean;
  /** The schedule slot being run (catch-up); decides the day. Default `now`. */
  scheduledAt?: Date;
  /** The local day to run for (CLI `--date`); wins over `scheduledAt`. */
  date?: LocalDate;
  /** Leave `JobOutcome.messages` empty (the scheduler: a province's cards need not stay in memory). */
  quiet?: boolean;
}

/**
 * - `done`: this call ran the job (and enqueued what it reports);
 * - `dry_run`: computed only;
 * - `not_workday`: routine pushes skip non-working days (nothing claimed);
 * - `already_done`: a run for this period exists (another instance, a restart, a manual run);
 * - `running_elsewhere`: another instance is running it now;
 * - `nothing_due`: no period ended that this job closes (close-out on an ordinary day without
 *   every-N-days policies).
 */
export type JobStatus =
  | "done"
  | "dry_run"
  | "not_workday"
  | "already_done"
  | "running_elsewhere"
  | "nothing_due";

/** One message as the CLI shows it: recipient userid and the text. */
export interface ShownMessage {
  to: string;
  body: string;
}

export interface JobOutcome {
  job: string;
  /** The local day the run is for. */
  date: LocalDate;
  workday: boolean;
  status: JobStatus;
  /** Messages newly enqueued by this call (0 for dry runs and repeats). */
  enqueued: number;
  /** What was (dry run: would be) sent, one entry per recipient message before splitting. */
  messages: ShownMessage[];
  /** Operator warnings (missing holiday schedule, people without policy or guarantor). */
  warnings: string[];
  detail: Record<string, unknown>;
}

/** A scheduled job: a row of the scheduler's table. */
export interface JobDefinition {
  name: string;
  /** node-cron expression, read in the configured time zone. */
  cron: string;
  /** How long after a slot a run missed while the server was down is still made up. */
  catchUpMs: number;
  run(deps: JobDeps, now: Date, opts?: JobRunOptions): Promise<JobOutcome>;
}
