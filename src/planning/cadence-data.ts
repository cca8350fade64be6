import type { Calendar } from "../domain/calendar";
import type { LocalDate } from "../domain/local-date";
import type { VisitColumns } from "../domain/plan-inputs";
import type { CadencePolicy } from "../domain/policy";
import type { GuaranteeRecord } from "../domain/records";
import type { PlanCadre, PlanSubject, ReadProgress } from "../store/plan-input-repository";
import type { Repos } from "../store/store";
import { loadCalendar } from "./calendar-settings";
import { buildRegionTree, type RegionTree } from "./region-tree";

/** The repositories planning reads. */
export type PlanningRepos = Pick<Repos, "planInputs" | "policies" | "settings">;

/** Everything the domain's plan and close-out functions read, loaded from the store. */
export interface CadenceData {
  calendar: Calendar;
  policies: CadencePolicy[];
  regions: RegionTree;
  subjects: PlanSubject[];
  guarantees: GuaranteeRecord[];
  visits: VisitColumns;
  cadres: ReadonlyMap<number, PlanCadre>;
  /** Milliseconds spent reading, per input. */
  timings: Record<"reference" | "subjects" | "guarantees" | "visits" | "cadres", number>;
}

export interface CadenceDataRange {
  /** Visits with visitsFrom ≤ occurredAt ≤ visitsTo. */
  visitsFrom: Date;
  visitsTo: Date;
  /** Guarantees in force at some point of [guaranteesFrom, guaranteesTo]. */
  guaranteesFrom: LocalDate;
  guaranteesTo: LocalDate;
}

/** Reads policies (as domain rows) from the store. */
export async function loadPolicies(repos: Pick<Repos, "policies">): Promise<CadencePolicy[]> {
  return (await repos.policies.list()).map((row) => ({
    regionCode: row.regionCode,
    category: row.category,
    level: row.level,
    method: row.method,
    period: row.period,
    intervalDays: row.intervalDays,
    minCount: row.minCount,
    rule: row.rule,
    source: row.source,
  }));
}

/** Loads the register, the guarantees and the visits a plan or a close-out needs. */
export async function loadCadenceData(
  repos: PlanningRepos,
  tz: string,
  range: CadenceDataRange,
  opts: {
    policies?: CadencePolicy[];
    onProgress?: ReadProgress;
    /** Only the people this cadre guarantees on `range.guaranteesTo` (one cadre's list). */
    guarantorId?: number;
  } = {},
): Promise<CadenceData> {
  const { onProgress, guarantorId } = opts;
  const clock = () => performance.now();
  let t = clock();
  const calendar = await loadCalendar(repos.settings, tz);
  const policies = opts.policies ?? (await loadPolicies(repos));
  const regionRows = await repos.planInputs.listRegions();
  const regions = buildRegionTree(regionRows);
  const timings = { reference: clock() - t, subjects: 0, guarantees: 0, visits: 0, cadres: 0 };
  // One read at a time: the embedded database runs one query at a time anyway, and on
  // PostgreSQL sequential reads keep the peak memory to one result page.
  t = clock();
  const subjects = await repos.planInputs.listSubjects(
    guarantorId === undefined ? { onProgress } : { guarantorId, on: range.guaranteesTo, onProgress },
  );
  timings.subjects = clock() - t;
  // One cadre's plan reads only their people's guarantees and visits (other guarantors' visits
  // count under `any`, so by subject, not by cadre).
  const scope =
    guarantorId === undefined ? { onProgress } : { subjectIds: subjects.map((s) => s.id), onProgress };
  t = clock();
  const guarantees = await repos.planInputs.listGuarantees(range.guaranteesFrom, range.guaranteesTo, scope);
  timings.guarantees = clock() - t;
  t = clock();
  const visits = await repos.planInputs.loadVisitColumns(range.visitsFrom, range.visitsTo, scope);
  timings.visits = clock() - t;
  t = clock();
  const cadres = new Map<number, PlanCadre>();
  const cadreIds =
    guarantorId === undefined ? undefined : [...new Set(guarantees.map((g) => g.cadreId as number))];
  for (const cadre of await repos.planInputs.listCadres(cadreIds)) cadres.set(cadre.id, cadre);
  timings.cadres = clock() - t;
  return { calendar, policies, regions, subjects, guarantees, visits, cadres, timings };
}
