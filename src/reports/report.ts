/**
 * Daily, weekly and monthly reports of one jurisdiction: the summary as of the end of the period
 * (or now, for the current one), every visit and incident of the period, and a day-by-day series
 * of coverage and incidents for the chart. Read-only; the renderers (text, JSON, Excel, PNG) take
 * the `Report` this builds.
 */
import { addDays, formatDayNumber, type LocalDate, toDayNumber, zoneOf } from "../domain/local-date";
import { periodSpanOfDay } from "../domain/periods";
import { planWarnings } from "../jobs/job-outcome";
import { createPlanner } from "../planning/planner";
import type { ReadProgress } from "../store/plan-input-repository";
import type { RegionRow } from "../store/region-repository";
import type { ReportIncidentRow, ReportVisitRow } from "../store/report-repository";
import type { Repos } from "../store/store";
import { type JurisdictionSummary, type SummaryCounts, summariseJurisdiction } from "./jurisdiction-summary";
import type { SummaryRepos } from "./load-summary";

export const REPORT_KINDS = ["daily", "weekly", "monthly"] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export const REPORT_KIND_LABELS: Readonly<Record<ReportKind, string>> = {
  daily: "日报",
  weekly: "周报",
  monthly: "月报",
};

/** Days a daily report's chart looks back (a one-day chart says nothing). */
export const DAILY_SERIES_DAYS = 7;

/** A mistake in the request (unknown region, a period that has not begun): shown as is. */
export class ReportInputError extends Error {
  readonly code = "report.invalid_input";
}

export interface ReportRequest {
  kind: ReportKind;
  /** Any day of the period. */
  date: LocalDate;
  /** Region code of the jurisdiction; default the register's single root region. */
  regionCode?: string;
}

export interface SeriesPoint extends SummaryCounts {
  date: LocalDate;
  /** Incidents reported that day. */
  incidentsReported: number;
}

export interface Report {
  kind: ReportKind;
  region: Pick<RegionRow, "id" | "code" | "name" | "level" | "path">;
  period: {
    start: LocalDate;
    end: LocalDate;
    /** The last day the figures cover (the period's end, or today for the current period). */
    asOf: LocalDate;
    /** The instant the figures are as of. */
    at: Date;
  };
  /** As of `period.at`; abnormal visits and new pauses over the whole period. */
  summary: JurisdictionSummary;
  /** Active visits that happened in the period, oldest first. */
  visits: ReportVisitRow[];
  visitCounts: { total: number; normal: number; abnormal: number; notMet: number };
  /** Incidents reported in the period or still open during it. */
  incidents: ReportIncidentRow[];
  incidentCounts: { reported: number; closed: number; open: number };
  /** One point per day: a daily report's last DAILY_SERIES_DAYS days, else the period's days so far. */
  series: SeriesPoint[];
  warnings: string[];
}

/** The period of `kind` containing `date`. */
export function reportPeriod(kind: ReportKind, date: LocalDate): { start: LocalDate; end: LocalDate } {
  if (kind === "daily") return { start: date, end: date };
  const span = periodSpanOfDay(kind === "weekly" ? "week" : "month", toDayNumber(date));
  return { start: formatDayNumber(span.startDay), end: formatDayNumber(span.endDay) };
}

/** The previous ISO week's Monday…Sunday for a day. */
export function previousWeek(date: LocalDate): { start: LocalDate; end: LocalDate } {
  const { start } = reportPeriod("weekly", date);
  return reportPeriod("weekly", addDays(start, -7));
}

/** The jurisdiction a report is for: the region with `code`, else the only root region. */
async function resolveRegion(
  regions: Repos["regions"],
  listRoots: () => Promise<RegionRow[]>,
  code?: string,
): Promise<RegionRow> {
  if (code !== undefined) {
    const region = await regions.findByCode(code);
    if (!region) throw new ReportInputError(`找不到地区编码：${code}`);
    return region;
  }
  const roots = await listRoots();
  if (roots.length === 1 && roots[0]) return roots[0];
  if (roots.length === 0) throw new ReportInputError("数据库中还没有地区，请先导入台账。");
  throw new ReportInputError(
    `有多个顶级地区（${roots.map((r) => `${r.name} ${r.code}`).join("、")}），请用 --region 指定地区编码。`,
  );
}

export interface BuildReportDeps {
  repos: SummaryRepos & Pick<Repos, "regions">;
  tz: string;
  onProgress?: ReadProgress;
  /** Called before each day's plan of the series (progress display). */
  onDay?: (done: number, total: number) => void;
}

/** Builds the report for `request` as of `now`. */
export async function buildReport(deps: BuildReportDeps, now: Date, request: ReportRequest): Promise<Report> {
  const { repos, tz } = deps;
  const zone = zoneOf(tz);
  const today = zone.localDateAt(now);
  const region = await resolveRegion(
    repos.regions,
    async () =>
      (await repos.planInputs.listRegions()).filter((r) => r.parentId === null).map((r) => ({ ...r })),
    request.regionCode,
  );
  const { start, end } = reportPeriod(request.kind, request.date);
  if (toDayNumber(start) > toDayNumber(today)) {
    throw new ReportInputError(`${start} 起的${REPORT_KIND_LABELS[request.kind]}周期尚未开始。`);
  }
  const asOf = toDayNumber(end) < toDayNumber(today) ? end : today;
  const endOfDay = (date: LocalDate) =>
    date === today ? now : new Date(zone.startOfDay(toDayNumber(date) + 1).getTime() - 1);
  const at = endOfDay(asOf);
  const periodStartAt = zone.startOfDay(toDayNumber(start));

  const seriesStart = request.kind === "daily" ? addDays(asOf, -(DAILY_SERIES_DAYS - 1)) : start;
  const seriesStartAt = zone.startOfDay(toDayNumber(seriesStart));
  const visits = await repos.reports.listVisits(region.path, periodStartAt, at);
  const incidentsAll = await repos.reports.listIncidents(region.path, seriesStartAt, at);
  const newlyPaused = await repos.reports.listNewlyPaused(region.path, {
    fromDate: start,
    toDate: asOf,
    fromAt: periodStartAt,
    toAt: at,
  });

  const planner = createPlanner({ repos, tz, onProgress: deps.onProgress });
  const days: LocalDate[] = [];
  for (let d = toDayNumber(seriesStart); d <= toDayNumber(asOf); d++) days.push(formatDayNumber(d));
  const series: SeriesPoint[] = [];
  let summary: JurisdictionSummary | undefined;
  let warnings: string[] = [];
  for (const [i, day] of days.entries()) {
    deps.onDay?.(i, days.length);
    const dayAt = endOfDay(day);
    const plan = await planner.planForRegion(region.path, { now, date: day, at: dayAt });
    const last = day === asOf;
    const daySummary = summariseJurisdiction(
      {
        ...plan,
        date: day,
        at: dayAt,
        abnormalVisits: last ? visits.filter((v) => v.outcome === "abnormal") : [],
        incidents: last ? incidentsAll : [],
        newlyPaused: last ? newlyPaused : [],
      },
      region.id,
    );
    const dayStart = zone.startOfDay(toDayNumber(day)).getTime();
    const dayEnd = zone.startOfDay(toDayNumber(day) + 1).getTime();
    series.push({
      date: day,
      ...daySummary.totals,
      incidentsReported: incidentsAll.filter(
        (x) => x.createdAt.getTime() >= dayStart && x.createdAt.getTime() < dayEnd,
      ).length,
    });
    if (last) {
      summary = daySummary;
      warnings = planWarnings(plan.warnings);
    }
  }
  deps.onDay?.(days.length, days.length);
  if (!summary) throw new Error("report series produced no summary");

  const startMs = periodStartAt.getTime();
  const incidents = incidentsAll.filter(
    (x) => x.createdAt.getTime() >= startMs || x.closedAt === null || x.closedAt.getTime() >= startMs,
  );
  const atMs = at.getTime();
  return {
    kind: request.kind,
    region: { id: region.id, code: region.code, name: region.name, level: region.level, path: region.path },
    period: { start, end, asOf, at },
    summary,
    visits,
    visitCounts: {
      total: visits.length,
      normal: visits.filter((v) => v.outcome === "normal").length,
      abnormal: visits.filter((v) => v.outcome === "abnormal").length,
      notMet: visits.filter((v) => v.outcome === "not_met").length,
    },
    incidents,
    incidentCounts: {
      reported: incidents.filter((x) => x.createdAt.getTime() >= startMs).length,
      // A withdrawn incident (its visit withdrawn before anybody acted) was never handled to a close.
      closed: incidents.filter(
        (x) =>
          x.status !== "withdrawn" &&
          x.closedAt !== null &&
          x.closedAt.getTime() >= startMs &&
          x.closedAt.getTime() <= atMs,
      ).length,
      open: summary.openIncidents.length,
    },
    series,
    warnings,
  };
}
