import type { Report, ReportKind } from "./report";
import { REPORT_KIND_LABELS } from "./report";

/**
 * `report --json`: a stable document for scripts (documented in README). Dates are `YYYY-MM-DD`
 * in BAOBAO_TZ, instants ISO 8601 UTC, percentages whole numbers rounded down (null when nobody
 * is owed). No ID numbers, no visit notes.
 */
export interface ReportJson {
  kind: ReportKind;
  title: string;
  region: { code: string; name: string; level: string };
  period: { start: string; end: string; asOf: string; at: string };
  totals: CountsJson;
  /** `village` (a township's or village's report) or `township` (a county's and above). */
  unitLevel: "village" | "township";
  units: (CountsJson & { code: string; name: string })[];
  overdue: {
    subjectId: number;
    name: string;
    unit: string;
    unitCode: string;
    category: string;
    level: string;
    guarantors: string[];
    /** Calendar days overdue, holidays included (the day after the due-by day is 1). */
    overdueDays: number | null;
  }[];
  abnormalVisits: {
    visitId: number;
    subjectId: number;
    name: string;
    unit: string;
    cadre: string;
    occurredAt: string;
    anomalies: string[];
  }[];
  openIncidents: {
    number: string;
    severity: string;
    summary: string;
    unit: string;
    reportedAt: string;
    ageHours: number;
    acknowledged: boolean;
  }[];
  newlyPaused: {
    subjectId: number;
    name: string;
    unit: string;
    reason: string | null;
    pausedFrom: string;
    pausedUntil: string | null;
  }[];
  visits: { total: number; normal: number; abnormal: number; notMet: number };
  incidents: { reported: number; closed: number; open: number };
  series: (CountsJson & { date: string; incidentsReported: number })[];
  warnings: string[];
}

interface CountsJson {
  owed: number;
  done: number;
  due: number;
  overdue: number;
  paused: number;
  coverage: number | null;
}

function counts(c: CountsJson): CountsJson {
  return {
    owed: c.owed,
    done: c.done,
    due: c.due,
    overdue: c.overdue,
    paused: c.paused,
    coverage: c.coverage,
  };
}

export function reportJson(report: Report): ReportJson {
  const { summary } = report;
  return {
    kind: report.kind,
    title: `${report.region.name}${REPORT_KIND_LABELS[report.kind]}`,
    region: { code: report.region.code, name: report.region.name, level: report.region.level },
    period: {
      start: report.period.start,
      end: report.period.end,
      asOf: report.period.asOf,
      at: report.period.at.toISOString(),
    },
    totals: counts(summary.totals),
    unitLevel: summary.unitLevel,
    units: summary.units.map((u) => ({ code: u.code, name: u.name, ...counts(u) })),
    overdue: summary.overdue.map((o) => ({
      subjectId: o.subjectId,
      name: o.name,
      unit: o.unit,
      unitCode: o.unitCode,
      category: o.category,
      level: o.level,
      guarantors: o.guarantors,
      overdueDays: o.overdueDays,
    })),
    abnormalVisits: summary.abnormalVisits.map((v) => ({
      visitId: v.visitId,
      subjectId: v.subjectId,
      name: v.name,
      unit: v.unit,
      cadre: v.cadre,
      occurredAt: v.occurredAt.toISOString(),
      anomalies: v.anomalies,
    })),
    openIncidents: summary.openIncidents.map((i) => ({
      number: i.number,
      severity: i.severity,
      summary: i.summary,
      unit: i.unit,
      reportedAt: i.createdAt.toISOString(),
      ageHours: i.ageHours,
      acknowledged: i.acknowledged,
    })),
    newlyPaused: summary.newlyPaused.map((p) => ({
      subjectId: p.subjectId,
      name: p.name,
      unit: p.unit,
      reason: p.reason,
      pausedFrom: p.pausedFrom,
      pausedUntil: p.pausedUntil,
    })),
    visits: report.visitCounts,
    incidents: report.incidentCounts,
    series: report.series.map((p) => ({
      date: p.date,
      ...counts(p),
      incidentsReported: p.incidentsReported,
    })),
    warnings: report.warnings,
  };
}
