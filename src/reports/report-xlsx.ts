import ExcelJS from "exceljs";
import { ANOMALY_LABELS } from "../bot/parse/anomalies";
import type { Category } from "../domain/categories";
import { CATEGORY_FULL_LABELS, formatCategoryLevel, VISIT_METHOD_LABELS } from "../domain/labels";
import type { Report } from "./report";
import { REPORT_KIND_LABELS } from "./report";
import { localTime, OUTCOME_LABELS, styleHeaderRow } from "./xlsx-cells";

/** Sheet names, in order (the provincial platform's import reads them by name). */
export const REPORT_SHEETS = ["汇总", "各村覆盖率", "逾期名单", "走访记录", "事件"] as const;

const SEVERITY_LABELS: Record<string, string> = { emergency: "紧急", urgent: "较急", normal: "一般" };
const INCIDENT_STATUS_LABELS: Record<string, string> = {
  reported: "已上报",
  notified: "已通知",
  acknowledged: "已收到",
  in_progress: "处理中",
  closed: "已结案",
  withdrawn: "已撤回",
};

interface Column {
  header: string;
  key: string;
  width: number;
}

function addSheet(
  workbook: ExcelJS.Workbook,
  name: string,
  columns: Column[],
  rows: unknown[][],
): ExcelJS.Worksheet {
  const sheet = workbook.addWorksheet(name, { views: [{ state: "frozen", ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({ header: c.header, key: c.key, width: c.width }));
  styleHeaderRow(sheet.getRow(1));
  for (const row of rows) sheet.addRow(row);
  return sheet;
}

const percent = (value: number | null) => (value === null ? "—" : value);

/**
 * The report as an Excel workbook: 汇总, 各村覆盖率, 逾期名单, 走访记录, 事件 — Chinese headers,
 * set column widths, the header row frozen. ID numbers only masked.
 */
export function buildReportWorkbook(report: Report, tz: string): ExcelJS.Workbook {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = "包保助手";
  workbook.created = report.period.at;
  const { summary } = report;
  const unitWord = summary.unitLevel === "village" ? "村（社区）" : "乡镇";

  addSheet(
    workbook,
    "汇总",
    [
      { header: "项目", key: "item", width: 22 },
      { header: "数值", key: "value", width: 40 },
    ],
    [
      ["地区", `${report.region.name}（${report.region.code}）`],
      ["报表", REPORT_KIND_LABELS[report.kind]],
      ["周期", `${report.period.start} 至 ${report.period.end}`],
      ["数据截至", localTime(report.period.at, tz)],
      ["本期应访人数", summary.totals.owed],
      ["已访人数", summary.totals.done],
      ["待访人数", summary.totals.due],
      ["逾期人数", summary.totals.overdue],
      ["暂停管理人数", summary.totals.paused],
      ["走访覆盖率（%）", percent(summary.totals.coverage)],
      ["本期走访次数", report.visitCounts.total],
      ["其中正常", report.visitCounts.normal],
      ["其中异常", report.visitCounts.abnormal],
      ["其中未见到", report.visitCounts.notMet],
      ["本期新报事件", report.incidentCounts.reported],
      ["本期结案事件", report.incidentCounts.closed],
      ["未结事件", report.incidentCounts.open],
      ["本期新暂停管理人数", summary.newlyPaused.length],
    ],
  );

  const unitRows = summary.units.map((u) => [
    u.code,
    u.name,
    u.owed,
    u.done,
    u.due,
    u.overdue,
    u.paused,
    percent(u.coverage),
  ]);
  const t = summary.totals;
  unitRows.push(["", "合计", t.owed, t.done, t.due, t.overdue, t.paused, percent(t.coverage)]);
  const units = addSheet(
    workbook,
    "各村覆盖率",
    [
      { header: "地区编码", key: "code", width: 16 },
      { header: unitWord, key: "name", width: 18 },
      { header: "应访人数", key: "owed", width: 10 },
      { header: "已访人数", key: "done", width: 10 },
      { header: "待访人数", key: "due", width: 10 },
      { header: "逾期人数", key: "overdue", width: 10 },
      { header: "暂停管理", key: "paused", width: 10 },
      { header: "覆盖率（%）", key: "coverage", width: 12 },
    ],
    unitRows,
  );
  units.getRow(unitRows.length + 1).font = { bold: true };

  addSheet(
    workbook,
    "逾期名单",
    [
      { header: "序号", key: "n", width: 6 },
      { header: "姓名", key: "name", width: 12 },
      { header: unitWord, key: "unit", width: 16 },
      { header: "类别", key: "category", width: 24 },
      { header: "等级", key: "level", width: 18 },
      { header: "包保人", key: "guarantors", width: 20 },
      { header: "逾期天数", key: "days", width: 12 },
    ],
    summary.overdue.map((o, i) => [
      i + 1,
      o.name,
      o.unit,
      CATEGORY_FULL_LABELS[o.category] ?? o.category,
      formatCategoryLevel(o.category, o.level),
      o.guarantors.length > 0 ? o.guarantors.join("、") : "未落实",
      o.overdueDays ?? "",
    ]),
  );

  addSheet(
    workbook,
    "走访记录",
    [
      { header: "走访时间", key: "at", width: 18 },
      { header: "姓名", key: "name", width: 12 },
      { header: "身份证号（打码）", key: "id", width: 22 },
      { header: "所在地区", key: "region", width: 14 },
      { header: "类别", key: "category", width: 22 },
      { header: "包保干部", key: "cadre", width: 12 },
      { header: "方式", key: "method", width: 10 },
      { header: "结果", key: "outcome", width: 8 },
      { header: "异常类型", key: "anomalies", width: 18 },
      { header: "情况说明", key: "note", width: 36 },
      { header: "登记时间", key: "created", width: 18 },
    ],
    report.visits.map((v) => [
      localTime(v.occurredAt, tz),
      v.subjectName,
      v.idMasked ?? "",
      v.regionName,
      CATEGORY_FULL_LABELS[v.category as Category] ?? v.category,
      v.cadreName,
      VISIT_METHOD_LABELS[v.method],
      OUTCOME_LABELS[v.outcome],
      v.anomalies.map((code) => ANOMALY_LABELS[code as keyof typeof ANOMALY_LABELS] ?? code).join("、"),
      v.note ?? "",
      localTime(v.createdAt, tz),
    ]),
  );

  addSheet(
    workbook,
    "事件",
    [
      { header: "编号", key: "number", width: 8 },
      { header: "上报时间", key: "at", width: 18 },
      { header: "紧急程度", key: "severity", width: 10 },
      { header: "所在地区", key: "region", width: 14 },
      { header: "状态", key: "status", width: 10 },
      { header: "涉及人员", key: "subject", width: 12 },
      { header: "事件摘要", key: "summary", width: 40 },
      { header: "上报人", key: "reporter", width: 12 },
      { header: "收到时间", key: "ack", width: 18 },
      { header: "结案时间", key: "closed", width: 18 },
    ],
    report.incidents.map((x) => [
      `E${x.id}`,
      localTime(x.createdAt, tz),
      SEVERITY_LABELS[x.severity] ?? x.severity,
      x.regionName,
      INCIDENT_STATUS_LABELS[x.status] ?? x.status,
      x.subjectName ?? "",
      x.summary,
      x.reporterName,
      localTime(x.acknowledgedAt, tz),
      localTime(x.closedAt, tz),
    ]),
  );
  return workbook;
}

/** Writes the workbook to `file`. */
export async function writeReportXlsx(report: Report, tz: string, file: string): Promise<void> {
  await buildReportWorkbook(report, tz).xlsx.writeFile(file);
}
