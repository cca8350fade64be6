import { pendingImageBody } from "../channels/app-channel";
import { zoneOf } from "../domain/local-date";
import { periodKeyOf } from "../domain/periods";
import { dayView } from "./day-view";
import { hasContent } from "../reports/jurisdiction-summary";
import { buildReport, previousWeek, type Report } from "../reports/report";
import {
  CLEAR_UP_ITEMS_SHOWN,
  hasClearUpItems,
  loadWeeklyClearUp,
  STALE_ACK_DAYS,
  type WeeklyClearUp,
} from "../reports/weekly-clear-up";
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

/** Incident summaries are quoted up to this many characters when the incident names nobody. */
const SUMMARY_QUOTE = 20;

function clip(text: string, max: number): string {
  const chars = [...text.replace(/\s+/g, " ").trim()];
  return chars.length > max ? `${chars.slice(0, max).join("")}…` : chars.join("");
}

/** The 周周清 section's view: each list's first CLEAR_UP_ITEMS_SHOWN, the rest counted; null when empty. */
function clearUpView(clearUp: WeeklyClearUp | null) {
  if (!clearUp || !hasClearUpItems(clearUp)) return null;
  const shown = <T>(items: readonly T[]) => ({
    total: items.length,
    items: items.slice(0, CLEAR_UP_ITEMS_SHOWN),
    more: Math.max(0, items.length - CLEAR_UP_ITEMS_SHOWN) || null,
  });
  const incidents = shown(clearUp.incidents);
  const grave = shown(clearUp.grave);
  const missed = shown(clearUp.missed);
  return {
    asOf: monthDay(clearUp.date),
    staleDays: STALE_ACK_DAYS,
    incidentTotal: incidents.total || null,
    incidentItems: incidents.items.map((i) => ({
      number: i.number,
      who: i.person ?? clip(i.summary, SUMMARY_QUOTE),
      unit: i.unit,
      ageDays: i.ageDays,
      acknowledger: i.acknowledger,
    })),
    incidentMore: incidents.more,
    graveTotal: grave.total || null,
    graveItems: grave.items.map((g) => ({
      name: g.name,
      unit: g.unit,
      date: monthDay(g.date),
      cadre: g.cadre,
      anomalies: g.anomalies.join("、"),
      days: g.days,
    })),
    graveMore: grave.more,
    missedTotal: missed.total || null,
    missedItems: missed.items.map((m) => ({
      name: m.name,
      unit: m.unit,
      from: monthDay(m.from),
      to: monthDay(m.to),
    })),
    missedMore: missed.more,
  };
}

/** The text that goes with the chart, with the 周周清 section when anything is still open. */
export function weeklyReportText(
  deps: Pick<JobDeps, "templates">,
  report: Report,
  clearUp: WeeklyClearUp | null = null,
): string {
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
    clearUp: clearUpView(clearUp),
  });
}

/**
 * Monday morning (or the first working day of Monday–Wednesday after a holiday or an outage):
 * each township leader gets last week's report of their jurisdiction as a text and the chart of
 * coverage and incidents per day (an image, uploaded by the outbox at delivery); the text ends
 * with 周周清, what is still open in the jurisdiction (weekly-clear-up.ts). Claimed per ISO
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
      // 周周清: what is still open now, not only last week.
      const clearUp = await loadWeeklyClearUp(deps.store, deps.tz, region, now);
      if (
        !hasContent(report.summary) &&
        report.visitCounts.total === 0 &&
        report.incidents.length === 0 &&
        !hasClearUpItems(clearUp)
      )
        continue;
      reports++;
      const text = weeklyReportText(deps, report, clearUp);
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
