import { scheduleOutlook } from "../domain/calendar";
import { toDayNumber, ymdOf, zoneOf } from "../domain/local-date";
import { periodKeyOf } from "../domain/periods";
import { enqueueInBatches, type KeyedMessage } from "./enqueue-batches";
import type { JobDeps, JobOutcome, JobRunOptions, ShownMessage } from "./job";
import { messageBody, renderText } from "./job-outcome";
import { claimRun, underClaim } from "./job-run";
import { cadresWithRoles } from "./leader-summary";

export const CALENDAR_ALERT_JOB = "calendar-alert";

/** Who hears that a year's holiday schedule is missing: the county administrators. */
export const CALENDAR_ALERT_ROLES = ["county_admin"] as const;

/**
 * While a needed year's holiday schedule is missing — the day's own year, or from 1 December the
 * next — each county administrator gets one WeCom message a week saying so and how to fix it
 * (`npx baobao calendar import 通知.txt`). Claimed per ISO week, and only in a week that has
 * something to say, so the first working day of the week that finds the gap sends, later runs
 * that week repeat nothing, and once the notice is imported (or the year marked complete) nothing
 * is sent at all. Each message has its own key (`calendar-alert:<week>:<cadre>`).
 */
export async function runCalendarAlert(
  deps: JobDeps,
  now: Date,
  opts: JobRunOptions = {},
): Promise<JobOutcome> {
  const date = opts.date ?? zoneOf(deps.tz).localDateAt(opts.scheduledAt ?? now);
  const calendar = await deps.planner.calendar();
  const workday = calendar.isWorkday(date);
  const missing = scheduleOutlook(calendar, [date]);
  const week = periodKeyOf("week", date, deps.tz);
  const base = {
    job: CALENDAR_ALERT_JOB,
    date,
    workday,
    enqueued: 0,
    messages: [] as ShownMessage[],
    warnings: missing.map((w) => w.message),
    detail: { week, years: missing.map((w) => w.year) } as Record<string, unknown>,
  };
  if (missing.length === 0) return { ...base, status: "nothing_due" };
  if (!workday) return { ...base, status: "not_workday" };
  const admins = cadresWithRoles(await deps.store.planInputs.listCadres(), CALENDAR_ALERT_ROLES);
  if (admins.length === 0) {
    deps.logger.warn({ years: base.detail.years }, "holiday schedule missing and no county admin to tell");
    return { ...base, status: "nothing_due", detail: { ...base.detail, admins: 0 } };
  }
  const claim = opts.dryRun ? null : await claimRun(deps, CALENDAR_ALERT_JOB, week);
  if (claim && "skip" in claim) return { ...base, status: claim.skip };

  const thisYear = ymdOf(toDayNumber(date)).year;
  const first = missing[0]?.year as number;
  const text = renderText(deps.templates, "calendar-missing", {
    years: missing.map((w) => `${w.year}年`).join("、"),
    upcoming: first > thisYear,
    noticeYear: first,
  });
  const entries: KeyedMessage[] = admins.map((admin) => ({
    key: `calendar-alert:${week}:${admin.id}`,
    message: { kind: "text", to: admin.userid, text },
  }));
  const shown = opts.quiet ? [] : entries.map((e) => ({ to: e.message.to, body: messageBody(e.message) }));
  if (!claim)
    return { ...base, status: "dry_run", messages: shown, detail: { ...base.detail, admins: admins.length } };
  return underClaim(deps, claim, async () => {
    const written = await enqueueInBatches(deps, entries, now);
    const value: JobOutcome = {
      ...base,
      status: "done",
      enqueued: written.messages,
      messages: shown,
      detail: { ...base.detail, admins: admins.length },
    };
    return { value, summary: { enqueued: written.messages, week, years: missing.map((w) => w.year) } };
  });
}
