/**
 * The weekly nudge for acknowledged incidents that stall: an incident acknowledged (收到) and
 * neither progressed (处理) nor closed for STALE_ACK_DAYS days reminds the one who acknowledged
 * it, 1:1, and again every further week until it is closed or progressed.
 *
 * A daily job on working days (09:00), not the ladder tick: the tick is for emergencies and runs
 * every 30 seconds regardless of the calendar; this is routine, so it follows the working-day
 * calendar like the other routine pushes (a reminder falling on a weekend or a holiday goes out
 * on the next working day), is claimed per day in JobRun, can dry-run and be run from the CLI.
 *
 * Once a week: the reminders of one stall are numbered by whole weeks since its last activity
 * (the acknowledgement or the latest 处理), and each has the idempotency key
 * `incident:<id>:idle:<day of last activity>:w<weeks>` — the same on every day, run and instance
 * of that week, so restarts and several instances never send it twice, and a new 处理 starts a
 * new count.
 */
import { type LocalDate, toDayNumber, zoneOf } from "../domain/local-date";
import { STALE_ACK_DAYS } from "../reports/weekly-clear-up";
import type { AcknowledgedOpenIncident } from "../store/incident-repository";
import { outboxRows } from "./enqueue-batches";
import type { JobDeps, JobOutcome, JobRunOptions } from "./job";
import { renderText } from "./job-outcome";
import { startWorkdayJob, underClaim } from "./job-run";

export const INCIDENT_IDLE_JOB = "incident-idle-reminder";

/** One reminder due today. */
export interface IdleReminder {
  incidentId: number;
  key: string;
  to: { id: number; userid: string; name: string };
  subjectName: string | null;
  /** Days since the acknowledgement. */
  acknowledgedDays: number;
  /** Days since the latest 处理, when there was one (else null: nothing since 收到). */
  idleDays: number | null;
  /** Whole weeks without activity: 1 for the first reminder, 2 for the second… */
  weeks: number;
}

/**
 * The reminders due on `today` (pure): each open acknowledged incident whose last activity —
 * the acknowledgement or the latest 处理 — lies STALE_ACK_DAYS or more calendar days back, for
 * an acknowledger still active. Whether one was already sent this week is the outbox key's job.
 */
export function idleReminders(
  incidents: readonly AcknowledgedOpenIncident[],
  today: LocalDate,
  tz: string,
): IdleReminder[] {
  const zone = zoneOf(tz);
  const day = toDayNumber(today);
  return incidents.flatMap((incident): IdleReminder[] => {
    const to = incident.acknowledger;
    if (!to?.active) return [];
    const last =
      incident.lastProgressAt && incident.lastProgressAt > incident.acknowledgedAt
        ? incident.lastProgressAt
        : incident.acknowledgedAt;
    const lastDay = zone.dayNumberAt(last);
    const idle = day - lastDay;
    const weeks = Math.floor(idle / STALE_ACK_DAYS);
    if (weeks < 1) return [];
    return [
      {
        incidentId: incident.id,
        key: `incident:${incident.id}:idle:${zone.localDateAt(last)}:w${weeks}`,
        to: { id: to.id, userid: to.userid, name: to.name },
        subjectName: incident.subjectName,
        acknowledgedDays: day - zone.dayNumberAt(incident.acknowledgedAt),
        idleDays: incident.lastProgressAt ? idle : null,
        weeks,
      },
    ];
  });
}

/**
 * Runs the reminder for the day: finds the due reminders, and enqueues each (routine priority)
 * with an `escalated` incident event and an audit entry in the same transaction, only when its
 * key is new.
 */
export async function runIncidentIdleReminder(
  deps: JobDeps,
  now: Date,
  opts: JobRunOptions = {},
): Promise<JobOutcome> {
  const start = await startWorkdayJob(deps, INCIDENT_IDLE_JOB, now, opts);
  if ("ended" in start) return start.ended;
  const { date, base, claim } = start;
  const zone = zoneOf(deps.tz);
  const channel = deps.channel ?? "app";

  const compute = async () => {
    const acknowledgedBefore = zone.startOfDay(toDayNumber(date) - STALE_ACK_DAYS + 1);
    const open = await deps.store.incidents.listAcknowledgedOpen("/", acknowledgedBefore);
    return idleReminders(open, date, deps.tz).map((reminder) => ({
      reminder,
      text: renderText(deps.templates, "incident-idle-reminder", {
        number: reminder.incidentId,
        subject: reminder.subjectName,
        acknowledgedDays: reminder.acknowledgedDays,
        idleDays: reminder.idleDays,
      }),
    }));
  };
  const shown = (entries: Awaited<ReturnType<typeof compute>>) =>
    opts.quiet ? [] : entries.map((e) => ({ to: e.reminder.to.userid, body: e.text }));

  if (!claim) {
    const entries = await compute();
    return { ...base, status: "dry_run", messages: shown(entries), detail: { due: entries.length } };
  }
  return underClaim(deps, claim, async () => {
    const entries = await compute();
    let enqueued = 0;
    for (const { reminder, text } of entries) {
      const rows = outboxRows(
        channel,
        { key: reminder.key, message: { kind: "text", to: reminder.to.userid, text } },
        now,
      );
      const fresh = await deps.store.transaction(async (repos) => {
        const created = await repos.outbox.enqueueMany(rows);
        if (!created.has(`${reminder.key}#1`)) return false;
        await repos.incidents.addEvent(
          reminder.incidentId,
          "escalated",
          reminder.to.id,
          `已收到${reminder.acknowledgedDays}天未结案，提醒收到人（第${reminder.weeks}周）`,
          now,
        );
        await repos.audit.record({
          actor: "system",
          action: "incident.idle_reminder",
          entity: "Incident",
          entityId: reminder.incidentId,
          detail: { to: reminder.to.id, weeks: reminder.weeks, key: reminder.key },
          at: now,
        });
        return true;
      });
      if (fresh) enqueued++;
    }
    if (enqueued > 0) deps.wake?.();
    const value: JobOutcome = {
      ...base,
      status: "done",
      enqueued,
      messages: shown(entries),
      detail: { due: entries.length },
    };
    return { value, summary: { due: entries.length, enqueued } };
  });
}
