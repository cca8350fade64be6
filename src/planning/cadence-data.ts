import type { Calendar } from "../domain/calendar";
import type { LocalDate } from "../domain/local-date";
import type { CadencePolicy } from "../domain/policy";
import type {
  GroupedVisits,
  PackedGuarantees,
  PlanCadre,
  ReadProgress,
  SubjectTable,
} from "../store/plan-input-repository";
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
  subjects: SubjectTable;
  guarantees: PackedGuarantees;
  visits: GroupedVisits;
  cadres: ReadonlyMap<number, PlanCadre>;
  /** Milliseconds spent reading, per input (the reads overlap; see `loadCadenceData`). */
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
    /** Only the people registered in this region subtree (`Region.path`, a jurisdiction). */
    regionPath?: string;
    /** Only these people (the ones some stored misses are about). */
    subjectIds?: readonly number[];
  } = {},
): Promise<CadenceData> {
  const { onProgress, guarantorId, regionPath, subjectIds } = opts;
  const clock = () => performance.now();
  const t = clock();
  const calendar = await loadCalendar(repos.settings, tz);
  const policies = opts.policies ?? (await loadPolicies(repos));
  const regionRows = await repos.planInputs.listRegions();
  const regions = buildRegionTree(regionRows);
  const timings = { reference: clock() - t, subjects: 0, guarantees: 0, visits: 0, cadres: 0 };
  const time = async <T>(key: keyof typeof timings, read: () => Promise<T>): Promise<T> => {
    const started = clock();
    const value = await read();
    timings[key] = clock() - started;
    return value;
  };
  const planInputs = repos.planInputs;
  let subjects: SubjectTable;
  let guarantees: PackedGuarantees;
  let visits: GroupedVisits;
  let cadreRows: PlanCadre[];
  if (guarantorId === undefined && regionPath === undefined && subjectIds === undefined) {
    // The four reads are independent: on PostgreSQL they run on separate connections while this
    // process decodes the pages that already arrived (the embedded database simply queues them).
    [subjects, guarantees, visits, cadreRows] = await Promise.all([
      time("subjects", () => planInputs.listSubjects({ onProgress })),
      time("guarantees", () =>
        planInputs.listGuarantees(range.guaranteesFrom, range.guaranteesTo, { onProgress }),
      ),
      time("visits", () => planInputs.loadVisitColumns(range.visitsFrom, range.visitsTo, { onProgress })),
      time("cadres", () => planInputs.listCadres()),
    ]);
  } else {
    // One cadre's plan (or one jurisdiction's) reads only their people's guarantees and visits
    // (other guarantors' visits count under `any`, so by subject, not by cadre).
    subjects = await time("subjects", () =>
      planInputs.listSubjects({ guarantorId, regionPath, subjectIds, on: range.guaranteesTo, onProgress }),
    );
    const scope = {
      subjectIds: Array.from({ length: subjects.length }, (_, i) => subjects.id(i)),
      onProgress,
    };
    guarantees = await time("guarantees", () =>
      planInputs.listGuarantees(range.guaranteesFrom, range.guaranteesTo, scope),
    );
    visits = await time("visits", () => planInputs.loadVisitColumns(range.visitsFrom, range.visitsTo, scope));
    const cadreIds = guarantees.cadres();
    cadreRows = await time("cadres", () => planInputs.listCadres(cadreIds));
  }
  const cadres = new Map<number, PlanCadre>();
  for (const cadre of cadreRows) cadres.set(cadre.id, cadre);
  return { calendar, policies, regions, subjects, guarantees, visits, cadres, timings };
}
