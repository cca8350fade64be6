import cron, { type ScheduledTask } from "node-cron";
import type { Logger } from "../logger";
import type { JobDefinition, JobDeps, JobOutcome } from "./job";

/** How often the scheduler looks for slots missed while down (or runs that failed). */
export const CATCH_UP_SWEEP_CRON = "*/10 * * * *";

const MINUTE = 60_000;

export interface SchedulerOptions {
  jobs: readonly JobDefinition[];
  /** IANA time zone the cron expressions are read in (config.tz). */
  tz: string;
  now: () => Date;
  deps: JobDeps;
  logger: Pick<Logger, "info" | "warn" | "error">;
}

export interface TickResult {
  job: string;
  scheduledAt: Date;
  outcome?: JobOutcome;
  error?: string;
}

export interface Scheduler {
  /**
   * Schedules every job on node-cron (time zone `tz`) plus a catch-up sweep every 10 minutes, and
   * runs the catch-up once right away (slots missed while the server was down).
   */
  start(): Promise<void>;
  /** Stops the cron tasks and waits for runs in progress. */
  stop(): Promise<void>;
  /**
   * Runs, for every job (or the one named), each slot in (at − catchUpMs, at] — oldest first.
   * Slots already run (JobRun) stop at their claim, so calling this again is cheap and harmless.
   */
  tick(at: Date, only?: string): Promise<TickResult[]>;
}

/** Cron slots of `matcher` in (from, to], minute by minute. */
export function slotsBetween(matcher: Pick<ScheduledTask, "match">, from: Date, to: Date): Date[] {
  const slots: Date[] = [];
  const first = Math.floor(from.getTime() / MINUTE) * MINUTE + MINUTE;
  const last = Math.floor(to.getTime() / MINUTE) * MINUTE;
  for (let t = first; t <= last; t += MINUTE) {
    const at = new Date(t);
    if (matcher.match(at)) slots.push(at);
  }
  return slots;
}

/**
 * The job scheduler. Coordination between instances is the JobRun unique key alone: every
 * instance fires every slot, the first claim of (job, period) wins, the others stop there — and
 * the same key also stops a restart or a manual run from repeating a period, which an advisory
 * lock (held only while a run lasts) could not.
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const { jobs, tz, deps, logger } = options;
  // Matchers only (never started): node-cron's own parser and time-zone handling for the sweep.
  const matchers = new Map<string, ScheduledTask>();
  for (const job of jobs) {
    matchers.set(
      job.name,
      cron.createTask(job.cron, () => undefined, { timezone: tz, name: `match:${job.name}` }),
    );
  }
  const tasks: ScheduledTask[] = [];
  // One run per job at a time in this process (node-cron's noOverlap covers only its own fires).
  const inFlight = new Map<string, Promise<TickResult[]>>();
  let stopped = false;
  let starting: Promise<unknown> = Promise.resolve();

  async function tickJob(job: JobDefinition, at: Date): Promise<TickResult[]> {
    const matcher = matchers.get(job.name);
    if (!matcher) return [];
    const results: TickResult[] = [];
    for (const slot of slotsBetween(matcher, new Date(at.getTime() - job.catchUpMs), at)) {
      if (stopped) break;
      try {
        const outcome = await job.run(deps, at, { scheduledAt: slot, quiet: true });
        if (outcome.status === "done") {
          logger.info(
            { job: job.name, slot: slot.toISOString(), enqueued: outcome.enqueued },
            "scheduled job ran",
          );
          // Missing holiday schedules, people without policy or guarantor: once per run.
          for (const warning of outcome.warnings) logger.warn({ job: job.name }, warning);
        }
        results.push({ job: job.name, scheduledAt: slot, outcome });
      } catch (err) {
        logger.error({ err, job: job.name, slot: slot.toISOString() }, "scheduled job failed");
        results.push({ job: job.name, scheduledAt: slot, error: String((err as Error)?.message ?? err) });
      }
    }
    return results;
  }

  function runExclusive(job: JobDefinition, at: Date): Promise<TickResult[]> {
    const running = inFlight.get(job.name);
    if (running) return running.then(() => []);
    const run = tickJob(job, at).finally(() => inFlight.delete(job.name));
    inFlight.set(job.name, run);
    return run;
  }

  async function tick(at: Date, only?: string): Promise<TickResult[]> {
    const results: TickResult[] = [];
    for (const job of jobs) {
      if (stopped) break;
      if (only && job.name !== only) continue;
      results.push(...(await runExclusive(job, at)));
    }
    return results;
  }

  return {
    tick,
    async start() {
      for (const job of jobs) {
        tasks.push(
          cron.schedule(job.cron, () => runExclusive(job, options.now()), {
            timezone: tz,
            name: job.name,
            noOverlap: true,
          }),
        );
      }
      tasks.push(
        cron.schedule(CATCH_UP_SWEEP_CRON, () => tick(options.now()), {
          timezone: tz,
          name: "catch-up",
          noOverlap: true,
        }),
      );
      logger.info({ jobs: jobs.map((j) => `${j.name} ${j.cron}`), tz }, "scheduler started");
      starting = tick(options.now());
      await starting;
    },
    async stop() {
      stopped = true;
      for (const task of tasks.splice(0)) await task.destroy();
      for (const matcher of matchers.values()) await matcher.destroy();
      matchers.clear();
      await Promise.allSettled([starting, ...inFlight.values()]);
    },
  };
}
