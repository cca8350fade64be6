/**
 * `roster import` end to end: read the file, snapshot what it names, plan, and (unless it is a dry
 * run or a row was rejected without --partial) apply everything in one transaction with one audit
 * entry for the import and one per changed record.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { dbDateFromLocalDate, type LocalDate } from "../domain/local-date";
import type { Store } from "../store/store";
import {
  cadresSetInactive,
  type CountKind,
  type ImportIssue,
  type ImportPlan,
  type KindCounts,
  planImport,
  subjectKeys,
} from "./import-plan";
import { type ReadResult, readRegisterFile } from "./sheet-reader";

/** The stable `--json` document of `roster import` (register.md). */
export interface ImportReport {
  dryRun: boolean;
  applied: boolean;
  counts: Record<CountKind, KindCounts>;
  errors: ImportIssue[];
  warnings: string[];
}

export interface ImportOptions {
  dryRun: boolean;
  partial: boolean;
  actor: string;
  now: Date;
  today: LocalDate;
  onRow?: () => void;
}

export interface ImportOutcome {
  report: ImportReport;
  read: ReadResult;
  rowsRead: number;
}

const zero = (): KindCounts => ({ created: 0, updated: 0, unchanged: 0 });

/** Runs the import; throws RegisterFileError / RegisterLayoutError for a file refused as a whole. */
export async function runImport(store: Store, file: string, opts: ImportOptions): Promise<ImportOutcome> {
  const read = await readRegisterFile(file, opts.onRow);
  const sha256 = crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  const importId = `${opts.now.toISOString()}:${sha256.slice(0, 12)}`;
  const hash = (id: string) => store.register.idHash(id);
  const keys = subjectKeys(read, hash);

  const decide = async (repos: Pick<Store, "register">): Promise<ImportPlan> => {
    const snapshot = await repos.register.snapshot(keys);
    const sole = await repos.register.soleGuarantorCounts(cadresSetInactive(read, snapshot));
    return planImport(read, snapshot, hash, sole);
  };

  const reportOf = (plan: ImportPlan, applied: boolean): ImportReport => ({
    dryRun: opts.dryRun,
    applied,
    counts: plan.counts,
    errors: plan.errors,
    warnings: plan.warnings,
  });

  if (opts.dryRun) {
    const plan = await decide(store);
    return { report: reportOf(plan, false), read, rowsRead: plan.rowsRead };
  }
  // The snapshot is read inside the transaction so nothing changes between deciding and writing.
  const result = await store.transaction(
    async (repos) => {
      const plan = await decide(repos);
      if (plan.errors.length > 0 && !opts.partial) return { plan, applied: false };
      await repos.register.apply(plan.changes, {
        actor: opts.actor,
        at: opts.now,
        startDate: dbDateFromLocalDate(opts.today),
        importId,
      });
      await repos.audit.record({
        actor: opts.actor,
        action: "roster.import",
        entity: "Import",
        entityId: importId,
        detail: {
          file: path.basename(file),
          sha256,
          partial: opts.partial,
          rows: plan.rowsRead,
          rejectedRows: new Set(plan.errors.map((e) => `${e.sheet}:${e.row}`)).size,
          counts: JSON.parse(JSON.stringify(plan.counts)) as Record<string, Record<string, number>>,
        },
        at: opts.now,
      });
      return { plan, applied: true };
    },
    { timeoutMs: 30 * 60_000 },
  );
  return { report: reportOf(result.plan, result.applied), read, rowsRead: result.plan.rowsRead };
}

export const emptyCounts = (): Record<CountKind, KindCounts> => ({
  regions: zero(),
  cadres: zero(),
  subjects: zero(),
  guarantees: zero(),
});
