import type { Templates } from "../bot/templates";
import { dayView } from "../jobs/day-view";
import { zoneOf } from "../domain/local-date";
import { summaryWithoutName } from "../domain/summary-without-name";
import type { JurisdictionSummary, OverdueEntry } from "./jurisdiction-summary";

/** How many overdue names, abnormal visits and incidents the summary lists before "……等N". */
export const SUMMARY_ITEMS_SHOWN = 10;
/**
 * How many names `逾期` lists. A text message holds 2048 bytes (~35 lines like these), and the
 * outbox splits longer text at line breaks, so 100 names arrive as about three messages; a
 * county's thousands belong in the Excel report, not in a chat.
 */
export const OVERDUE_NAMES_SHOWN = 100;
/** Incident summaries are quoted up to this many characters. */
const INCIDENT_QUOTE = 30;

function clip(text: string, max: number): string {
  const chars = [...text.replace(/\s+/g, " ").trim()];
  return chars.length > max ? `${chars.slice(0, max).join("")}…` : chars.join("");
}

/** `2026-11-24` → `11月24日`. */
function monthDay(date: string): string {
  const v = dayView(date);
  return `${v.month}月${v.day}日`;
}

function overdueView(entry: OverdueEntry) {
  return {
    name: entry.name,
    unit: entry.unit,
    guarantors: entry.guarantors.length > 0 ? entry.guarantors.join("、") : null,
    days: entry.overdueDays && entry.overdueDays > 0 ? entry.overdueDays : null,
  };
}

/** `HH:MM` of an instant in `tz`. */
function clockTime(at: Date, tz: string): string {
  const zone = zoneOf(tz);
  const minutes = Math.floor((at.getTime() - zone.startOfDay(zone.dayNumberAt(at)).getTime()) / 60_000);
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/**
 * The leader's 1:1 summary (the 17:30 push and `统计`): totals, coverage per village, the named
 * overdue list (first SUMMARY_ITEMS_SHOWN), abnormal visits, open incidents with their age, new
 * pauses. Names appear only here, in 1:1 messages; groups get `renderGroupSummary`.
 */
export function renderLeaderSummary(
  templates: Templates,
  summary: JurisdictionSummary,
  opts: { tz: string; showTime?: boolean } = { tz: "Asia/Shanghai" },
): string {
  const { totals } = summary;
  const shown = SUMMARY_ITEMS_SHOWN;
  return templates
    .render("leader-summary", {
      date: dayView(summary.date),
      region: summary.region.name,
      asOf: opts.showTime ? clockTime(summary.at, opts.tz) : null,
      owed: totals.owed,
      done: totals.done,
      due: totals.due,
      overdue: totals.overdue,
      coverage: totals.coverage,
      paused: totals.paused,
      hasUnits: summary.units.length > 1,
      unitWord: summary.unitLevel === "village" ? "村" : "乡镇",
      units: summary.units,
      overdueTotal: summary.overdue.length,
      overdueItems: summary.overdue.slice(0, shown).map(overdueView),
      overdueMore: summary.overdue.length > shown,
      abnormalTotal: summary.abnormalVisits.length,
      abnormalItems: summary.abnormalVisits.slice(0, shown).map((v) => ({
        name: v.name,
        unit: v.unit,
        cadre: v.cadre,
        anomalies: v.anomalies.length > 0 ? v.anomalies.join("、") : clip(v.note ?? "异常", 20),
      })),
      abnormalMore: summary.abnormalVisits.length > shown,
      incidentTotal: summary.openIncidents.length,
      incidentItems: summary.openIncidents.slice(0, shown).map((i) => ({
        number: i.number,
        // The person's name once, whether the report named them (`紧急 张三 …`) or a visit raised it.
        name: i.subjectName,
        summary: clip(summaryWithoutName(i.summary, i.subjectName), INCIDENT_QUOTE),
        unit: i.unit,
        ageDays: i.ageHours >= 24 ? Math.floor(i.ageHours / 24) : 0,
        ageHours: i.ageHours,
        acknowledged: i.acknowledged,
      })),
      incidentMore: summary.openIncidents.length > shown,
      pausedTotal: summary.newlyPaused.length,
      pausedItems: summary.newlyPaused.slice(0, shown).map((p) => ({
        name: p.name,
        unit: p.unit,
        reason: p.reason,
        from: monthDay(p.pausedFrom),
      })),
      unassignedTotal: summary.unassigned.length,
      unassignedItems: summary.unassigned.slice(0, shown).map((u) => ({ name: u.name, unit: u.unit })),
      unassignedMore: summary.unassigned.length > shown,
    })
    .trimEnd();
}

/** `逾期`: the named overdue list alone, numbered, first OVERDUE_NAMES_SHOWN names. */
export function renderOverdueList(templates: Templates, summary: JurisdictionSummary): string {
  const items = summary.overdue.slice(0, OVERDUE_NAMES_SHOWN).map((entry, i) => ({
    n: i + 1,
    ...overdueView(entry),
  }));
  return templates
    .render("overdue-list", {
      region: summary.region.name,
      date: dayView(summary.date),
      total: summary.overdue.length,
      items,
      more: Math.max(0, summary.overdue.length - items.length) || null,
    })
    .trimEnd();
}

/** The totals alone, for a group chat (no names, no categories, no per-person lines). */
export function renderGroupSummary(templates: Templates, summary: JurisdictionSummary): string {
  const { totals } = summary;
  return templates
    .render("leader-summary-group", {
      date: dayView(summary.date),
      region: summary.region.name,
      owed: totals.owed,
      done: totals.done,
      due: totals.due,
      overdue: totals.overdue,
      coverage: totals.coverage,
      abnormalTotal: summary.abnormalVisits.length,
      incidentTotal: summary.openIncidents.length,
      pausedTotal: summary.newlyPaused.length,
      unassignedTotal: summary.unassigned.length,
    })
    .trimEnd();
}
