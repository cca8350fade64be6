/**
 * The plain records the domain reads. The store maps database rows to these; the shapes follow
 * prisma/schema.prisma with dates as `YYYY-MM-DD` strings (use `localDateFromDbDate` for
 * `@db.Date` columns) and optional columns allowed to be null.
 */

import type { Category } from "./categories";
import type { LocalDate } from "./local-date";

/** Database ids; numbers and strings are never mixed for one entity. */
export type Id = number | string;

export type VisitMethod = "in_person" | "phone" | "video";
export type VisitOutcome = "normal" | "abnormal" | "not_met";
export type VisitStatus = "active" | "withdrawn" | "superseded";
export type SubjectStatus = "active" | "paused" | "closed";

/** A person on the register, as far as cadence rules care. */
export interface SubjectRecord {
  id: Id;
  name: string;
  /** Code of the subject's region (village or grid). */
  regionCode: string;
  category: Category;
  level: string;
  status: SubjectStatus;
  /**
   * Pause interval, inclusive dates. `status: "paused"` means paused from `pausedFrom` (or
   * always, when unset) with no end yet. With `status: "active"` the dates describe a finished
   * or scheduled pause (`pausedUntil` unset = open-ended from `pausedFrom`).
   */
  pausedFrom?: LocalDate | null;
  pausedUntil?: LocalDate | null;
  /** First day under management (registration). Unset = managed since before any period in view. */
  managedFrom?: LocalDate | null;
}

/** A subject ↔ guarantor responsibility; dates inclusive, unset = open. */
export interface GuaranteeRecord {
  subjectId: Id;
  cadreId: Id;
  startDate?: LocalDate | null;
  endDate?: LocalDate | null;
}

/** One contact fact. `occurredAt` (not the entry time) decides the period it counts for. */
export interface VisitRecord {
  subjectId: Id;
  cadreId: Id;
  occurredAt: Date;
  method: VisitMethod;
  outcome: VisitOutcome;
  status: VisitStatus;
}
