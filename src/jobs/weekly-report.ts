import { pendingImageBody } from "../channels/app-channel";
import { zoneOf } from "../domain/local-date";
import { periodKeyOf } from "../domain/periods";
import { dayView } from "./day-view";
import { hasContent } from "../reports/jurisdiction-summary";
import { buildReport, previousWeek, type Report } from "../reports/report";
import { renderChartPng } from "../reports/report-chart";
import type { EnqueueInput } from "../store/outbox-repository";
import { outboxRows } from "./enqueue-batches";
import type { JobDeps, JobOutcome, JobRunOptions, ShownMessage } from "./job";
import { renderText, scheduleWarnings } from "./job-outcome";
import { claimRun, underClaim } from "./job-run";
import { cadresWithRoles } from "./leader-summary";

export const WEEKLY_REPORT_JOB = "weekly-report";

/** Who gets the weekly report: township leaders, for their own jurisdiction. */
export const WEEKLY_REPORT_ROLES = ["township_leader"] as const;

/** Renders the chart PNG (tests may swap in a font or size; default: the report chart). */
export type ChartRenderer = (report: Report) => Buffer;

function monthDay(date: string): string {
  const v = dayView(date);
  return `${v.month}月${v.day}日`;
}

/** The text that goes with the chart. */
export function weeklyReportText(deps: Pick<JobDeps, "templates">, report: Report): string {
  const { totals } = report.summary;
  return renderText(deps.templates, "weekly-report", {
    region: report.region.name,
    from: monthDay(report.period.start),
    to: monthDay(report.period.end),
    owed: totals.owed,
    done: totals.done,
    due: totals.due,
    overdue: totals.overdue,
    coverage: totals.coverage,
    visits: report.visitCounts.total,
    abnormal: report.visitCounts.abnormal,
    notMet: report.visitCounts.notMet,
    reported: report.incidentCounts.reported,
    closed: report.incidentCounts.closed,
    open: report.incidentCounts.open,
  });
}

/**
 * Monday morning (or the first working day of Monday–Wednesday after a holiday or an outage):
 * each township leader gets last week's report of their jurisdiction as a text and the chart of
 * coverage and incidents per day (an image, uploaded by the outbox at delivery). Claimed per ISO
 * week, so it goes out once whichever day or instance runs it; each message has its own key
 * (`weekly:<week>:<leader>:text|image`), so a run taken over after a crash repeats nothing.
 */
export async function runWeeklyReport(
  deps: JobDeps,
  now: Date,
  opts: JobRunOptions = {},
  renderChart: ChartRenderer = (report) => renderChartPng(report),
): Promise<JobOutcome> {
  const date = opts.date ?? zoneOf(deps.tz).localDateAt(opts.scheduledAt ?? now);
  const calendar = await deps.planner.calendar();
  const workday = calendar.isWorkday(date);
  const week = previousWeek(date);
  const weekKey = periodKeyOf("week", week.start);
  const base = {
    job: WEEKLY_REPORT_JOB,
    date,
    workday,
    enqueued: 0,
    messages: [] as ShownMessage[],
    warnings: scheduleWarnings(calendar, date),
    detail: { week: weekKey, from: week.start, to: week.end } as Record<string, unknown>,
  };
  if (!workday) return { ...base, status: "not_workday" };
  const claim = opts.dryRun ? null : await claimRun(deps, WEEKLY_REPORT_JOB, weekKey);
  if (claim && "skip" in claim) return { ...base, status: claim.skip };

  const channel = deps.channel ?? "app";
  const work = async (enqueue: boolean) => {
    const leaders = cadresWithRoles(await deps.store.planInputs.listCadres(), WEEKLY_REPORT_ROLES);
    const byScope = new Map<number, typeof leaders>();
    for (const leader of leaders)
      byScope.set(leader.scopeRegionId, [...(byScope.get(leader.scopeRegionId) ?? []), leader]);
    const messages: ShownMessage[] = [];
    const warnings = new Set<string>();
    let enqueued = 0;
    let reports = 0;
    for (const [scopeId, group] of byScope) {
      const region = await deps.store.regions.findById(scopeId);
      if (!region) continue;
      const report = await buildReport({ repos: deps.store, tz: deps.tz }, now, {
        kind: "weekly",
        date: week.start,
        regionCode: region.code,
      });
      for (const w of report.warnings) warnings.add(w);
      if (!hasContent(report.summary) && report.visitCounts.total === 0 && report.incidents.length === 0)
        continue;
      reports++;
      const text = weeklyReportText(deps, report);
      const png = renderChart(report);
      const filename = `${region.code}-${weekKey}.png`;
      for (const leader of group) {
        const key = `weekly:${weekKey}:${leader.id}`;
        if (!opts.quiet) {
          messages.push({ to: leader.userid, body: text });
          messages.push({ to: leader.userid, body: `[图片] ${filename}（${png.length} 字节）` });
        }
        if (!enqueue) continue;
        const rows: EnqueueInput[] = [
          ...outboxRows(
            channel,
            { key: `${key}:text`, message: { kind: "text", to: leader.userid, text } },
            now,
          ),
          {
            channel,
            recipient: leader.userid,
            recipientKind: "user",
            body: pendingImageBody(filename, png) as unknown as EnqueueInput["body"],
            idempotencyKey: `${key}:image`,
            at: now,
          },
        ];
        const created = await deps.store.transaction((repos) => repos.outbox.enqueueMany(rows));
        if (created.has(`${key}:image`)) enqueued++;
      }
    }
    if (enqueued > 0) deps.wake?.();
    return { messages, warnings: [...warnings], enqueued, reports };
  };

  if (!claim) {
    const result = await work(false);
    return {
      ...base,
      status: "dry_run",
      messages: result.messages,
      warnings: [...base.warnings, ...result.warnings],
      detail: { ...base.detail, reports: result.reports },
    };
  }
  return underClaim(deps, claim, async () => {
    const result = await work(true);
    const value: JobOutcome = {
      ...base,
      status: "done",
      enqueued: result.enqueued,
      messages: result.messages,
      warnings: [...base.warnings, ...result.warnings],
      detail: { ...base.detail, reports: result.reports, leaders: result.enqueued },
    };
    return { value, summary: { enqueued: result.enqueued, week: weekKey, reports: result.reports } };
  });
}
