import { runCalendarAlert } from "./calendar-alert";
import { runCloseOut } from "./close-out";
import { runIncidentIdleReminder } from "./incident-idle-reminder";
import { runDailyPush } from "./daily-push";
import type { JobDefinition } from "./job";
import { runLeaderSummary } from "./leader-summary";
import { runMissedNotice } from "./missed-notice";
import { runReminder } from "./reminder";
import { runWeeklyReport } from "./weekly-report";

const HOUR = 3_600_000;

/**
 * The scheduled jobs (cron in BAOBAO_TZ). Catch-up windows: the morning card until 12:00, the
 * missed-visit notices and the stalled-incident reminder until 12:00, the reminder until 17:00,
 * the leader summary until 20:00 — a message later than that helps nobody — and close-out for
 * three days (a weekend outage), since misses are history, not a nudge. Notices a day's run missed
 * altogether go with the next working day's (they are built from the misses still pending then).
 */
export const JOB_TABLE: readonly JobDefinition[] = [
  { name: "daily-push", cron: "30 8 * * *", catchUpMs: 3.5 * HOUR, run: runDailyPush },
  { name: "reminder", cron: "0 15 * * *", catchUpMs: 2 * HOUR, run: runReminder },
  { name: "leader-summary", cron: "30 17 * * *", catchUpMs: 2.5 * HOUR, run: runLeaderSummary },
  { name: "close-out", cron: "30 0 * * *", catchUpMs: 72 * HOUR, run: runCloseOut },
  { name: "missed-notice", cron: "0 9 * * *", catchUpMs: 3 * HOUR, run: runMissedNotice },
  // An incident acknowledged 7 days ago with no 处理 since reminds its acknowledger, weekly.
  { name: "incident-idle-reminder", cron: "0 9 * * *", catchUpMs: 3 * HOUR, run: runIncidentIdleReminder },
  // Last week's report to township leaders: Monday 08:45, or the first working day up to
  // Wednesday (holidays); claimed per ISO week, so only the first of these slots sends.
  {
    name: "weekly-report",
    cron: "45 8 * * 1-3",
    catchUpMs: 4 * HOUR,
    run: (deps, now, opts) => runWeeklyReport(deps, now, opts),
  },
  // A missing holiday schedule (this year's, or from 1 December next year's): county admins are
  // told once per ISO week, on its first working day the job finds the gap (see calendar-alert.ts).
  { name: "calendar-alert", cron: "0 9 * * *", catchUpMs: 8 * HOUR, run: runCalendarAlert },
];

/** A job by name (CLI `push <job>`). */
export function findJob(name: string): JobDefinition | undefined {
  return JOB_TABLE.find((job) => job.name === name);
}
