/**
 * The jurisdiction summary: for a region subtree and an instant, the totals and the exceptions a
 * leader needs — coverage of this period's obligations (overall and per village, or per township
 * for a county), done / due / overdue counts, the named overdue list with guarantors and days
 * overdue, abnormal visits, open incidents with their age, people newly paused. No rankings: units
 * come in region-code order, people by unit, then by days overdue.
 *
 * Pure: it reads a plan (states per subject, guarantor lists) and rows the report repository
 * loaded, and can summarise many jurisdictions in one pass over the subjects (the 17:30 job).
 */
import { ANOMALY_LABELS } from "../bot/parse/anomalies";
import type { Category } from "../domain/categories";
import type { LocalDate } from "../domain/local-date";
import type { SubjectState } from "../domain/plan";
import type { CadrePlanList } from "../planning/planner";
import type { RegionTree } from "../planning/region-tree";
import type { PlanRegion, SubjectTable } from "../store/plan-input-repository";
import type { ReportIncidentRow, ReportPausedRow, ReportVisitRow } from "../store/report-repository";

export interface SummaryCounts {
  /** People with an obligation this period: done + due + overdue. */
  owed: number;
  done: number;
  due: number;
  overdue: number;
  /** Paused people (no obligation this period). */
  paused: number;
  /** Coverage of this period's obligations, whole percent rounded down; null when nobody is owed. */
  coverage: number | null;
}

/** A village (or a township, in a county's summary) with its counts. */
export interface UnitSummary extends SummaryCounts {
  regionId: number;
  code: string;
  name: string;
}

export interface OverdueEntry {
  subjectId: number;
  name: string;
  category: Category;
  level: string;
  regionId: number;
  /** The village (or township) the person belongs to, and its code. */
  unit: string;
  unitCode: string;
  /** Guarantors responsible today, by name (empty: nobody assigned). */
  guarantors: string[];
  /** Calendar days overdue (`SubjectPlan.overdueDays`); null when no guarantor list carries the person. */
  overdueDays: number | null;
}

export interface AbnormalVisitEntry {
  visitId: number;
  subjectId: number;
  name: string;
  unit: string;
  cadre: string;
  occurredAt: Date;
  /** Anomaly labels (情绪激动 …). */
  anomalies: string[];
  note: string | null;
}

export interface IncidentEntry {
  id: number;
  /** The number people use: `E12`. */
  number: string;
  severity: ReportIncidentRow["severity"];
  summary: string;
  unit: string;
  subjectName: string | null;
  reporter: string;
  createdAt: Date;
  /** Acknowledged by the summary's instant. */
  acknowledged: boolean;
  /** Whole hours since it was reported, at the summary's instant. */
  ageHours: number;
}

export interface PausedEntry {
  subjectId: number;
  name: string;
  unit: string;
  unitCode: string;
  reason: string | null;
  pausedFrom: LocalDate;
  pausedUntil: LocalDate | null;
}

/** A person owed a visit whom no active guarantor carries today. */
export interface UnassignedEntry {
  subjectId: number;
  name: string;
  unit: string;
  unitCode: string;
}

export interface JurisdictionSummary {
  region: Pick<PlanRegion, "id" | "code" | "name" | "level">;
  date: LocalDate;
  /** The instant the figures are as of. */
  at: Date;
  totals: SummaryCounts;
  /** `village` for a township or village, `township` for a county and above. */
  unitLevel: "village" | "township";
  units: UnitSummary[];
  overdue: OverdueEntry[];
  abnormalVisits: AbnormalVisitEntry[];
  openIncidents: IncidentEntry[];
  newlyPaused: PausedEntry[];
  /** People owed a visit with no active guarantor today, by unit then id. */
  unassigned: UnassignedEntry[];
}

export interface SummaryInput {
  date: LocalDate;
  at: Date;
  regions: RegionTree;
  subjects: SubjectTable;
  states: readonly SubjectState[];
  lists: readonly CadrePlanList[];
  /** Abnormal visits to report (already filtered to the window). */
  abnormalVisits: readonly ReportVisitRow[];
  /** Incidents that may be open at `at` (others are ignored). */
  incidents: readonly ReportIncidentRow[];
  newlyPaused: readonly ReportPausedRow[];
  /** Positions in `subjects` of people owed a visit with no active guarantor (`DailyPlan.unassigned`). */
  unassigned?: readonly number[];
}

const HOUR = 3_600_000;

/** Whole percent, rounded down (100% only when everyone is done); null when nobody is owed. */
export function coveragePercent(done: number, owed: number): number | null {
  return owed === 0 ? null : Math.floor((done * 100) / owed);
}

function emptyCounts(): SummaryCounts {
  return { owed: 0, done: 0, due: 0, overdue: 0, paused: 0, coverage: null };
}

function finish(c: SummaryCounts): void {
  c.owed = c.done + c.due + c.overdue;
  c.coverage = coveragePercent(c.done, c.owed);
}

function unitLevelOf(level: PlanRegion["level"]): "village" | "township" {
  return level === "province" || level === "city" || level === "county" ? "township" : "village";
}

interface Aggregate {
  summary: JurisdictionSummary;
  units: Map<number, UnitSummary>;
}

/**
 * Summaries for each region id of `scopes` (its whole subtree), in one pass over the subjects.
 * Unknown region ids are left out of the result.
 */
export function summariseJurisdictions(
  input: SummaryInput,
  scopes: Iterable<number>,
): Map<number, JurisdictionSummary> {
  const { regions } = input;
  const aggregates = new Map<number, Aggregate>();
  for (const id of scopes) {
    const region = regions.byId.get(id);
    if (!region || aggregates.has(id)) continue;
    aggregates.set(id, {
      summary: {
        region: { id: region.id, code: region.code, name: region.name, level: region.level },
        date: input.date,
        at: input.at,
        totals: emptyCounts(),
        unitLevel: unitLevelOf(region.level),
        units: [],
        overdue: [],
        abnormalVisits: [],
        openIncidents: [],
        newlyPaused: [],
        unassigned: [],
      },
      units: new Map(),
    });
  }
  if (aggregates.size === 0) return new Map();

  // The unit (village / township) of a region: its nearest ancestor at that level, else itself.
  const unitCache = new Map<string, PlanRegion | undefined>();
  const unitOf = (regionId: number, level: "village" | "township"): PlanRegion | undefined => {
    const key = `${level}:${regionId}`;
    if (unitCache.has(key)) return unitCache.get(key);
    const ids = regions.ancestorIds(regionId);
    let unit: PlanRegion | undefined;
    for (const id of ids) {
      const r = regions.byId.get(id);
      if (r?.level === level) {
        unit = r;
        break;
      }
    }
    unit ??= regions.byId.get(regionId);
    unitCache.set(key, unit);
    return unit;
  };
  const scopesOf = (regionId: number): Aggregate[] => {
    const found: Aggregate[] = [];
    for (const id of regions.ancestorIds(regionId)) {
      const agg = aggregates.get(id);
      if (agg) found.push(agg);
    }
    return found;
  };

  // Overdue detail from the guarantors' lists: days overdue (the most any guarantor shows) and
  // every guarantor carrying the person today.
  const overdueInfo = new Map<number, { days: number; guarantors: Set<string> }>();
  for (const list of input.lists) {
    for (const item of list.items) {
      const id = item.subjectId as number;
      let info = overdueInfo.get(id);
      if (!info) {
        info = { days: 0, guarantors: new Set() };
        overdueInfo.set(id, info);
      }
      info.guarantors.add(list.cadre.name);
      if (item.state === "overdue") info.days = Math.max(info.days, item.overdueDays);
    }
  }

  input.states.forEach((state, position) => {
    if (state !== "done" && state !== "due" && state !== "overdue" && state !== "paused") return;
    if (position >= input.subjects.length) return;
    const regionId = input.subjects.regionId(position);
    for (const agg of scopesOf(regionId)) {
      const { summary } = agg;
      summary.totals[state]++;
      const unitRegion = unitOf(regionId, summary.unitLevel);
      if (unitRegion) {
        let unit = agg.units.get(unitRegion.id);
        if (!unit) {
          unit = { regionId: unitRegion.id, code: unitRegion.code, name: unitRegion.name, ...emptyCounts() };
          agg.units.set(unitRegion.id, unit);
        }
        unit[state]++;
      }
      if (state === "overdue") {
        const subject = input.subjects.at(position);
        const info = overdueInfo.get(subject.id);
        summary.overdue.push({
          subjectId: subject.id,
          name: subject.name,
          category: subject.category,
          level: subject.level,
          regionId: subject.regionId,
          unit: unitRegion?.name ?? "",
          unitCode: unitRegion?.code ?? "",
          guarantors: info ? [...info.guarantors] : [],
          overdueDays: info ? info.days : null,
        });
      }
    }
  });

  const unitName = (agg: Aggregate, regionId: number) => unitOf(regionId, agg.summary.unitLevel)?.name ?? "";
  for (const visit of input.abnormalVisits) {
    for (const agg of scopesOf(visit.regionId)) {
      agg.summary.abnormalVisits.push({
        visitId: visit.id,
        subjectId: visit.subjectId,
        name: visit.subjectName,
        unit: unitName(agg, visit.regionId),
        cadre: visit.cadreName,
        occurredAt: visit.occurredAt,
        anomalies: visit.anomalies.map((code) => ANOMALY_LABELS[code as keyof typeof ANOMALY_LABELS] ?? code),
        note: visit.note,
      });
    }
  }
  const at = input.at.getTime();
  for (const incident of input.incidents) {
    const open =
      incident.createdAt.getTime() <= at && (incident.closedAt === null || incident.closedAt.getTime() > at);
    if (!open) continue;
    for (const agg of scopesOf(incident.regionId)) {
      agg.summary.openIncidents.push({
        id: incident.id,
        number: `E${incident.id}`,
        severity: incident.severity,
        summary: incident.summary,
        unit: unitName(agg, incident.regionId),
        subjectName: incident.subjectName,
        reporter: incident.reporterName,
        createdAt: incident.createdAt,
        acknowledged: incident.acknowledgedAt !== null && incident.acknowledgedAt.getTime() <= at,
        ageHours: Math.max(0, Math.floor((at - incident.createdAt.getTime()) / HOUR)),
      });
    }
  }
  for (const paused of input.newlyPaused) {
    for (const agg of scopesOf(paused.regionId)) {
      agg.summary.newlyPaused.push({
        subjectId: paused.subjectId,
        name: paused.name,
        unit: unitName(agg, paused.regionId),
        unitCode: unitOf(paused.regionId, agg.summary.unitLevel)?.code ?? "",
        reason: paused.reason,
        pausedFrom: paused.pausedFrom,
        pausedUntil: paused.pausedUntil,
      });
    }
  }

  for (const position of input.unassigned ?? []) {
    if (position >= input.subjects.length) continue;
    const subject = input.subjects.at(position);
    for (const agg of scopesOf(subject.regionId)) {
      const unit = unitOf(subject.regionId, agg.summary.unitLevel);
      agg.summary.unassigned.push({
        subjectId: subject.id,
        name: subject.name,
        unit: unit?.name ?? "",
        unitCode: unit?.code ?? "",
      });
    }
  }

  const result = new Map<number, JurisdictionSummary>();
  for (const [id, agg] of aggregates) {
    const { summary } = agg;
    finish(summary.totals);
    summary.units = [...agg.units.values()].sort((a, b) => compareCodes(a.code, b.code));
    for (const unit of summary.units) finish(unit);
    summary.overdue.sort(
      (a, b) =>
        compareCodes(a.unitCode, b.unitCode) ||
        (b.overdueDays ?? 0) - (a.overdueDays ?? 0) ||
        a.subjectId - b.subjectId,
    );
    summary.abnormalVisits.sort(
      (a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.visitId - b.visitId,
    );
    summary.newlyPaused.sort((a, b) => compareCodes(a.unitCode, b.unitCode) || a.subjectId - b.subjectId);
    summary.unassigned.sort((a, b) => compareCodes(a.unitCode, b.unitCode) || a.subjectId - b.subjectId);
    result.set(id, summary);
  }
  return result;
}

function compareCodes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One jurisdiction's summary (an empty one when the region is unknown to the tree). */
export function summariseJurisdiction(input: SummaryInput, regionId: number): JurisdictionSummary {
  const summary = summariseJurisdictions(input, [regionId]).get(regionId);
  if (!summary) throw new Error(`region ${regionId} is not in the plan's region tree`);
  return summary;
}

/** Whether a summary has anything to say (someone owed or paused, an incident, an anomaly). */
export function hasContent(summary: JurisdictionSummary): boolean {
  return (
    summary.totals.owed + summary.totals.paused > 0 ||
    summary.openIncidents.length > 0 ||
    summary.abnormalVisits.length > 0 ||
    summary.newlyPaused.length > 0
  );
}
