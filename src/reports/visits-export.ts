import { ANOMALY_LABELS } from "../bot/parse/anomalies";
import { CATEGORY_FULL_LABELS, LEVEL_LABELS, VISIT_METHOD_LABELS } from "../domain/labels";
import { formatDayNumber, type LocalDate, toDayNumber, zoneOf } from "../domain/local-date";
import { periodSpanOfDay } from "../domain/periods";
import { periodDueByDay, type SubjectPlan } from "../domain/plan";
import type { Calendar } from "../domain/calendar";
import type { Planner } from "../planning/planner";
import { buildRegionTree } from "../planning/region-tree";
import { regionPlaces } from "../register/region-places";
import type { PlanRegion } from "../store/plan-input-repository";
import type { ExportVisit } from "../store/register-export-repository";
import type { Repos } from "../store/store";
import {
  addStreamedSheet,
  localTime,
  OUTCOME_LABELS,
  openWorkbookFile,
  type SheetColumn,
} from "./xlsx-cells";

/** The platform's columns, in order (register.md). */
export const VISIT_EXPORT_COLUMNS: readonly SheetColumn[] = [
  { header: "序号", width: 6 },
  { header: "所属村（社区）", width: 16 },
  { header: "所属网格", width: 12 },
  { header: "人员类别", width: 22 },
  { header: "姓名", width: 10 },
  { header: "公民身份号码（打码）", width: 22, text: true },
  { header: "管理等级", width: 10 },
  { header: "走访时间", width: 17, text: true },
  { header: "走访方式", width: 10 },
  { header: "走访人", width: 10 },
  { header: "走访人电话", width: 14, text: true },
  { header: "见到本人", width: 9 },
  { header: "走访情况", width: 9 },
  { header: "情况描述", width: 36 },
  { header: "是否上报事件", width: 12 },
  { header: "下次应访日期", width: 13, text: true },
  { header: "登记方式", width: 9 },
  { header: "登记时间", width: 17, text: true },
];

export const VISITS_SHEET_NAME = "走访记录";

/** How a visit was entered (登记方式). */
export const ENTRY_LABELS = { message: "消息", card: "卡片", late: "补登", other: "其他" } as const;

const VISIT_PAGE_SIZE = 2000;

export interface VisitsExportRequest {
  file: string;
  from: LocalDate;
  to: LocalDate;
  /** The subtree to export; absent: every region. */
  root: PlanRegion | null;
  now: Date;
  onProgress?: (rows: number) => void;
}

export interface VisitsExportResult {
  title: string;
  rows: number;
  /** The instant 下次应访日期 was computed as of. */
  nextDueAsOf: Date;
}

export interface VisitsExportDeps {
  repos: Pick<Repos, "planInputs" | "registerExport" | "visits" | "incidents">;
  planner: Pick<Planner, "planForRegion">;
  tz: string;
}

/**
 * The visits of [from, to] for the county or provincial platform: a merged title row
 * (`示范镇特殊人群走访记录（2026-11-01至2026-11-30）`), then one row per active visit (withdrawn
 * and superseded records are left out), oldest first, times in `tz`, ID numbers masked.
 * 下次应访日期 is the person's next due date from the planner as of the end of the range (or now,
 * when the range reaches today): the due-by day of an open obligation, or, when the current one is
 * met, the next period's due-by day (every-N-days: the day the interval runs out); empty for people
 * paused, closed or without a policy, and for people registered above township level.
 */
export async function writeVisitsWorkbook(
  deps: VisitsExportDeps,
  request: VisitsExportRequest,
): Promise<VisitsExportResult> {
  const { repos, tz } = deps;
  const zone = zoneOf(tz);
  const regions = await repos.planInputs.listRegions();
  const tree = buildRegionTree(regions);
  const places = regionPlaces(tree);
  const roots = regions.filter((r) => r.parentId === null);
  const scopeName = request.root?.name ?? (roots.length === 1 && roots[0] ? roots[0].name : "全部地区");
  const title = `${scopeName}特殊人群走访记录（${request.from}至${request.to}）`;
  const rootPath = request.root?.path ?? "/";
  const from = zone.startOfDay(toDayNumber(request.from));
  const to = new Date(zone.startOfDay(toDayNumber(request.to) + 1).getTime() - 1);
  const asOf = to < request.now ? to : request.now;
  const nextDue = await nextDueDates(deps.planner, planningUnits(regions, request.root), request.now, asOf);

  const out = openWorkbookFile(request.file);
  const { workbook } = out;
  const sheet = addStreamedSheet(workbook, VISITS_SHEET_NAME, VISIT_EXPORT_COLUMNS, { title });
  let rows = 0;
  const ids = await repos.registerExport.visitIds(rootPath, { from, to });
  for (let start = 0; start < ids.length; start += VISIT_PAGE_SIZE) {
    const page = await repos.registerExport.visitPage(ids.subarray(start, start + VISIT_PAGE_SIZE));
    const raised = await raisedIncidents(repos, page);
    const entries = await entryWays(repos, page, tz);
    for (const v of page) {
      const place = places.placeOf(v.regionId);
      const incidents = raised.get(v.id) ?? [];
      sheet
        .addRow([
          ++rows,
          place.village,
          place.grid,
          CATEGORY_FULL_LABELS[v.category],
          v.subjectName,
          v.idMasked ?? "",
          LEVEL_LABELS[v.category][v.level] ?? v.level,
          localTime(v.occurredAt, tz),
          VISIT_METHOD_LABELS[v.method],
          v.cadreName,
          v.cadreMobile ?? "",
          v.outcome === "not_met" ? "否" : "是",
          OUTCOME_LABELS[v.outcome],
          describe(v),
          incidents.length > 0 ? `是（${incidents.map((id) => `E${id}`).join("、")}）` : "否",
          nextDue.get(v.subjectId) ?? "",
          entries.get(v.id) ?? ENTRY_LABELS.other,
          localTime(v.createdAt, tz),
        ])
        .commit();
    }
    out.check();
    request.onProgress?.(rows);
  }
  sheet.commit();
  await out.finish();
  return { title, rows, nextDueAsOf: asOf };
}

/** 情况描述: the anomalies in words, then the cadre's note. */
function describe(v: ExportVisit): string {
  const anomalies = v.anomalies
    .map((code) => ANOMALY_LABELS[code as keyof typeof ANOMALY_LABELS] ?? code)
    .join("、");
  return [anomalies, v.note ?? ""].filter((part) => part !== "").join("；");
}

/**
 * Each person's next due date (see writeVisitsWorkbook) as of `at`. Planned a township at a time
 * (the root itself when it is a township or below), so only one township's plan is in memory at
 * once; what is kept is one date per person.
 */
async function nextDueDates(
  planner: Pick<Planner, "planForRegion">,
  units: readonly PlanRegion[],
  now: Date,
  at: Date,
): Promise<Map<number, LocalDate>> {
  const out = new Map<number, LocalDate>();
  for (const unit of units) {
    const plan = await planner.planForRegion(unit.path, { now, at }, { detail: true });
    for (const detail of plan.details ?? []) {
      const date = nextDueOf(detail, plan.calendar);
      if (date) out.set(Number(detail.subjectId), date);
    }
  }
  return out;
}

/** The townships of the subtree, or the root when it is a township or below (or has none). */
function planningUnits(regions: readonly PlanRegion[], root: PlanRegion | null): PlanRegion[] {
  const rootPath = root?.path ?? "/";
  if (root && (root.level === "township" || root.level === "village" || root.level === "grid")) return [root];
  const townships = regions.filter((r) => r.level === "township" && r.path.startsWith(rootPath));
  if (townships.length > 0) return townships;
  return root ? [root] : regions.filter((r) => r.parentId === null);
}

/**
 * An open obligation's due-by day; a met one's next: the interval's end (every N days), or the
 * due-by day of the next period for the policy's count (the planner's own rule).
 */
function nextDueOf(p: SubjectPlan, calendar: Calendar): LocalDate | undefined {
  if (p.state === "due" || p.state === "overdue") return p.dueBy;
  if (p.state !== "done" || !p.window) return undefined;
  if (p.window.unit === "days") return p.dueBy;
  const next = periodSpanOfDay(p.window.unit, toDayNumber(p.window.endDate) + 1);
  return formatDayNumber(periodDueByDay(next, Math.max(1, p.required), calendar));
}

/** Incident numbers each visit (or a record it corrected) raised, withdrawn ones left out. */
async function raisedIncidents(
  repos: Pick<Repos, "visits" | "incidents">,
  page: readonly ExportVisit[],
): Promise<Map<number, number[]>> {
  const chains = new Map<number, number[]>();
  for (const v of page) {
    chains.set(
      v.id,
      v.correctsId === null ? [v.id] : (await repos.visits.correctionChain(v.id)).map((c) => c.id),
    );
  }
  const raised = await repos.incidents.listRaisedFromVisits([...new Set([...chains.values()].flat())]);
  const byVisit = new Map<number, number[]>();
  for (const { incident, visitId } of raised)
    byVisit.set(visitId, [...(byVisit.get(visitId) ?? []), incident.id]);
  const out = new Map<number, number[]>();
  for (const [visitId, chain] of chains) {
    const ids = [...new Set(chain.flatMap((id) => byVisit.get(id) ?? []))].sort((a, b) => a - b);
    if (ids.length > 0) out.set(visitId, ids);
  }
  return out;
}

/**
 * A visit recorded from a message or a card tap carries `<channel>:<inbound id>:<subject id>`
 * as its source (src/bot/dispatch.ts and recordResolvedVisits): the inbound row's type tells
 * the two apart. A visit dated before the day it was recorded is a late entry (补登).
 */
const SOURCE_PATTERN = /^([^:]+):(\d+):\d+$/;

async function entryWays(
  repos: Pick<Repos, "registerExport">,
  page: readonly ExportVisit[],
  tz: string,
): Promise<Map<number, string>> {
  const zone = zoneOf(tz);
  const sources = new Map<number, { channel: string; inboundId: number }>();
  for (const v of page) {
    const match = v.sourceMessageId ? SOURCE_PATTERN.exec(v.sourceMessageId) : null;
    if (match?.[1] && match[2]) sources.set(v.id, { channel: match[1], inboundId: Number(match[2]) });
  }
  const inbound = await repos.registerExport.inboundTypes([...sources.values()].map((s) => s.inboundId));
  const out = new Map<number, string>();
  for (const v of page) {
    if (zone.dayNumberAt(v.occurredAt) < zone.dayNumberAt(v.createdAt)) {
      out.set(v.id, ENTRY_LABELS.late);
      continue;
    }
    const source = sources.get(v.id);
    const row = source ? inbound.get(source.inboundId) : undefined;
    if (!source || !row || row.channel !== source.channel) continue;
    if (row.msgType === "template_card_event") out.set(v.id, ENTRY_LABELS.card);
    else if (row.msgType === "text") out.set(v.id, ENTRY_LABELS.message);
  }
  return out;
}
