import type { Templates } from "../bot/templates";
import type { EscalationRung } from "../domain/close-out-period";
import { formatCategoryLevel } from "../domain/labels";
import type { Period } from "../domain/periods";
import type { CadencePolicy } from "../domain/policy";
import type { CadenceData } from "../planning/cadence-data";
import type { MissScope } from "../store/missed-obligation-repository";
import type { PlanCadre, PlanSubject } from "../store/plan-input-repository";
import { dayView } from "./day-view";
import type { KeyedMessage } from "./enqueue-batches";
import { renderText } from "./job-outcome";
import { hasWecomAccount } from "../domain/wecom-account";

/** One thing to close: a calendar period that ended, or one day for every-N-days policies. */
export interface CloseOutTask {
  /** JobRun job name: `close-out:week`, `close-out:month`, …, `close-out:days`. */
  job: string;
  /** The period's key; for every-N-days the day judged (`2026-11-23`). */
  periodKey: string;
  unit: CadencePolicy["period"];
  period?: Period;
}

/** A miss as recorded: one per (subject, scope), with every guarantor it concerns. */
export interface MissGroup {
  subjectId: number;
  scope: MissScope;
  periodKey: string;
  unit: CadencePolicy["period"];
  consecutive: number;
  rung: EscalationRung;
  required: number;
  done: number;
  cadreIds: number[];
  /** The stored MissedObligation row (the 09:00 notice job; absent in a close-out dry run). */
  rowId?: number;
}

export type Notice = "missed-guarantor" | "missed-village-leader" | "missed-township-leader";

/** One recipient's notice about some misses of one closed period. */
export interface NoticeEntry {
  task: CloseOutTask;
  notice: Notice;
  cadre: PlanCadre;
  groups: MissGroup[];
  /** The people of the task's misses (shared by its entries). */
  subjects: ReadonlyMap<number, PlanSubject>;
}

/** Leaders by role and scope region, for walking a subject's region path upwards. */
function createLeaderLookup(data: CadenceData) {
  const byRole = new Map<string, Map<number, PlanCadre[]>>();
  for (const cadre of data.cadres.values()) {
    // A leader without a WeCom account cannot be told: the next one up hears instead.
    if (!hasWecomAccount(cadre.userid)) continue;
    for (const role of cadre.roles) {
      let byScope = byRole.get(role);
      if (!byScope) {
        byScope = new Map();
        byRole.set(role, byScope);
      }
      const list = byScope.get(cadre.scopeRegionId);
      if (list) list.push(cadre);
      else byScope.set(cadre.scopeRegionId, [cadre]);
    }
  }
  /** Cadres with `role` whose scope covers the region; the first role in `roles` that has any. */
  return (regionId: number, roles: readonly string[]): PlanCadre[] => {
    for (const role of roles) {
      const byScope = byRole.get(role);
      if (!byScope) continue;
      const found: PlanCadre[] = [];
      for (const id of data.regions.ancestorIds(regionId)) found.push(...(byScope.get(id) ?? []));
      if (found.length > 0) return found;
    }
    return [];
  };
}

/** Who hears about a miss: rung 1 the guarantor(s), 2 village leaders, 3 township leaders (up a level when absent). */
function recipientsOf(
  group: MissGroup,
  subject: PlanSubject,
  data: CadenceData,
  leadersFor: ReturnType<typeof createLeaderLookup>,
): { notice: Notice; cadres: PlanCadre[] } {
  if (group.rung === "guarantor") {
    const guarantors = group.cadreIds
      .map((id) => data.cadres.get(id))
      .filter((c): c is PlanCadre => c !== undefined && hasWecomAccount(c.userid));
    if (guarantors.length > 0) return { notice: "missed-guarantor", cadres: guarantors };
    // Nobody (reachable) guarantees the person: the village has to know.
  }
  if (group.rung !== "township_leader") {
    const village = leadersFor(subject.regionId, ["village_leader"]);
    if (village.length > 0) return { notice: "missed-village-leader", cadres: village };
  }
  return {
    notice: "missed-township-leader",
    cadres: leadersFor(subject.regionId, ["township_leader", "county_admin"]),
  };
}

function subjectsById(data: CadenceData, ids: Iterable<number>): Map<number, PlanSubject> {
  const wanted = new Set(ids);
  const subjects = new Map<number, PlanSubject>();
  for (const subject of data.subjects) if (wanted.has(subject.id)) subjects.set(subject.id, subject);
  return subjects;
}

/**
 * The recipients of some misses of one closed period: one entry per (notice kind, recipient),
 * by rung — 1 miss the guarantor(s), 2 consecutive the village leader(s), 3+ the township leader(s).
 */
export function noticeRecipients(
  task: CloseOutTask,
  groups: readonly MissGroup[],
  data: CadenceData,
): NoticeEntry[] {
  const subjects = subjectsById(
    data,
    groups.map((g) => g.subjectId),
  );
  const leadersFor = createLeaderLookup(data);
  const byRecipient = new Map<string, NoticeEntry>();
  for (const group of groups) {
    const subject = subjects.get(group.subjectId);
    if (!subject) continue;
    const { notice, cadres } = recipientsOf(group, subject, data, leadersFor);
    for (const cadre of cadres) {
      const key = `${notice}|${cadre.id}`;
      const entry = byRecipient.get(key);
      if (entry) entry.groups.push(group);
      else byRecipient.set(key, { task, notice, cadre, groups: [group], subjects });
    }
  }
  return [...byRecipient.values()];
}

function periodView(task: CloseOutTask) {
  const p = task.period;
  if (!p) return { days: { end: dayView(task.periodKey) } };
  const start = dayView(p.startDate);
  if (p.unit === "week") return { week: { start, end: dayView(p.endDate) } };
  if (p.unit === "month") return { month: { year: start.year, month: start.month } };
  if (p.unit === "quarter")
    return { quarter: { year: start.year, quarter: Math.floor((start.month - 1) / 3) + 1 } };
  return { wholeYear: { year: start.year } };
}

/**
 * One recipient's notice, people numbered. Keyed `missed:<period>:<unit>:<notice>:<cadre>`, and
 * `:<first row id>` when built from stored rows: a row is notified once, so a later notice of the
 * same period to the same person (a miss opened again by a withdrawn late entry) is a new message.
 */
export function renderNotice(
  templates: Templates,
  entry: NoticeEntry,
  data: CadenceData,
  notBefore?: Date,
): KeyedMessage {
  const { task, notice, cadre, groups, subjects } = entry;
  const items = groups.flatMap((group) => {
    const subject = subjects.get(group.subjectId);
    if (!subject) return [];
    return [
      {
        name: subject.name,
        region: data.regions.byId.get(subject.regionId)?.name ?? "",
        label: formatCategoryLevel(subject.category, subject.level),
        required: group.required,
        done: group.done,
        streak: templates.render("missed-streak", {
          one: group.consecutive === 1,
          two: group.consecutive === 2,
          three: group.consecutive >= 3,
        }),
        guarantors: group.cadreIds
          .map((id) => data.cadres.get(id)?.name)
          .filter((name): name is string => name !== undefined)
          .join("、"),
      },
    ];
  });
  const period = templates.render("missed-period", periodView(task));
  const rowIds = groups.flatMap((g) => (g.rowId === undefined ? [] : [g.rowId]));
  const suffix = rowIds.length > 0 ? `:${Math.min(...rowIds)}` : "";
  return {
    key: `missed:${task.periodKey}:${task.unit}:${notice}:${cadre.id}${suffix}`,
    message: {
      kind: "text",
      to: cadre.userid,
      text: renderText(templates, notice, { period, items: items.map((item, i) => ({ n: i + 1, ...item })) }),
    },
    notBefore,
  };
}
