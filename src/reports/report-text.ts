import { zoneOf } from "../domain/local-date";
import type { Report } from "./report";
import { REPORT_KIND_LABELS } from "./report";

const pct = (value: number | null) => (value === null ? "—（无应访）" : `${value}%`);

function localTime(at: Date, tz: string): string {
  const zone = zoneOf(tz);
  const minutes = Math.floor((at.getTime() - zone.startOfDay(zone.dayNumberAt(at)).getTime()) / 60_000);
  return `${zone.localDateAt(at)} ${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

function age(hours: number): string {
  if (hours >= 24) return `已 ${Math.floor(hours / 24)} 天`;
  return hours > 0 ? `已 ${hours} 小时` : "不到 1 小时";
}

/** The report as readable Chinese text (the CLI's default output). */
export function renderReportText(report: Report, tz: string): string {
  const { summary, period } = report;
  const t = summary.totals;
  const unitWord = summary.unitLevel === "village" ? "村" : "乡镇";
  const range = period.start === period.end ? period.start : `${period.start} 至 ${period.end}`;
  const lines = [
    `${report.region.name}${REPORT_KIND_LABELS[report.kind]}（${range}，数据截至 ${localTime(period.at, tz)}）`,
    t.owed > 0
      ? `本期应访 ${t.owed} 人：已访 ${t.done} 人，待访 ${t.due} 人，逾期 ${t.overdue} 人；走访覆盖率 ${pct(t.coverage)}。`
      : "本期暂无应访对象。",
  ];
  if (t.paused > 0) lines.push(`暂停管理 ${t.paused} 人。`);
  if (summary.units.length > 0) {
    lines.push(`各${unitWord}覆盖率（按地区编码）：`);
    for (const u of summary.units) {
      lines.push(
        `  ${u.name}（${u.code}） ${pct(u.coverage)}  已访 ${u.done}/应访 ${u.owed}${u.overdue > 0 ? `，逾期 ${u.overdue} 人` : ""}${u.paused > 0 ? `，暂停 ${u.paused} 人` : ""}`,
      );
    }
  }
  if (summary.overdue.length > 0) {
    lines.push(`逾期名单（${summary.overdue.length} 人）：`);
    summary.overdue.forEach((o, i) => {
      const who = o.guarantors.length > 0 ? `包保人 ${o.guarantors.join("、")}` : "未落实包保人";
      const days = o.overdueDays ? `，逾期 ${o.overdueDays} 天` : "";
      lines.push(`  ${i + 1}. ${o.name}（${o.unit}，${who}${days}）`);
    });
  } else {
    lines.push("没有逾期人员。");
  }
  const v = report.visitCounts;
  lines.push(`本期走访 ${v.total} 次：正常 ${v.normal} 次，异常 ${v.abnormal} 次，未见到 ${v.notMet} 次。`);
  if (summary.abnormalVisits.length > 0) {
    lines.push("异常走访：");
    for (const a of summary.abnormalVisits) {
      lines.push(
        `  ${localTime(a.occurredAt, tz)} ${a.name}（${a.unit}，${a.cadre}）${a.anomalies.join("、") || "异常"}`,
      );
    }
  }
  const c = report.incidentCounts;
  lines.push(`事件：本期新报 ${c.reported} 件，结案 ${c.closed} 件，未结 ${c.open} 件。`);
  for (const i of summary.openIncidents) {
    lines.push(
      `  ${i.number} ${i.summary}（${i.unit}，${age(i.ageHours)}，${i.acknowledged ? "已有人收到" : "尚无人收到"}）`,
    );
  }
  if (summary.newlyPaused.length > 0) {
    lines.push(`本期新暂停管理 ${summary.newlyPaused.length} 人：`);
    for (const p of summary.newlyPaused) {
      lines.push(`  ${p.name}（${p.unit}${p.reason ? `，${p.reason}` : ""}，${p.pausedFrom} 起）`);
    }
  }
  if (report.series.length > 1) {
    lines.push(
      `每日覆盖率：${report.series.map((p) => `${p.date.slice(5)} ${p.coverage === null ? "—" : `${p.coverage}%`}`).join("，")}`,
    );
  }
  return lines.join("\n");
}
