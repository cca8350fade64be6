import type {
  Category,
  IncidentEventType,
  IncidentSeverity,
  IncidentStatus,
} from "../generated/prisma/client";
import type { LadderCandidate } from "../domain/escalation-ladder";
import type { Db } from "./prisma-client";

export interface IncidentRow {
  id: number;
  severity: IncidentSeverity;
  status: IncidentStatus;
  category: Category | null;
  reporterId: number;
  subjectId: number | null;
  regionId: number;
  summary: string;
  ladderLevel: number;
  nextEscalationAt: Date | null;
  acknowledgedAt: Date | null;
  closedAt: Date | null;
  createdAt: Date;
}

/** An acknowledged incident that is still open, as the weekly clear-up and the idle reminder read it. */
export interface AcknowledgedOpenIncident {
  id: number;
  summary: string;
  regionId: number;
  regionName: string;
  subjectName: string | null;
  createdAt: Date;
  acknowledgedAt: Date;
  /** The latest `progress` event (处理), if any. */
  lastProgressAt: Date | null;
  /** Who acknowledged it (the cadre whose 收到 / 处理 / 结案 set `acknowledgedAt`); null if unknown. */
  acknowledger: { id: number; userid: string; name: string; active: boolean } | null;
}

export interface NewIncident {
  severity: IncidentSeverity;
  category: Category | null;
  reporterId: number;
  subjectId: number | null;
  regionId: number;
  summary: string;
  sourceMessageId: string | null;
  nextEscalationAt: Date | null;
  at: Date;
}

export interface IncidentRepository {
  /** Creates the incident and its `reported` event; null for a redelivered source message. */
  create(input: NewIncident): Promise<IncidentRow | null>;
  find(id: number): Promise<IncidentRow | null>;
  addEvent(
    incidentId: number,
    type: IncidentEventType,
    cadreId: number | null,
    note: string | null,
    at: Date,
    rung?: number | null,
  ): Promise<void>;
  setStatus(
    id: number,
    change: Partial<
      Pick<IncidentRow, "status" | "acknowledgedAt" | "closedAt" | "nextEscalationAt" | "ladderLevel">
    >,
  ): Promise<void>;
  /** Open, unacknowledged incidents whose notification went to this cadre, newest first. */
  listOpenNotifiedTo(cadreId: number): Promise<IncidentRow[]>;
  /**
   * Moves the ladder from step `from` to step `to` if nobody moved it meanwhile and it is still
   * unacknowledged and open (one conditional UPDATE: of two instances or two ticks exactly one
   * wins). False when it lost.
   */
  claimStep(
    id: number,
    from: number,
    to: number,
    change: { nextEscalationAt: Date | null; status?: IncidentStatus },
  ): Promise<boolean>;
  /**
   * Marks the first acknowledgement (status acknowledged, ladder stopped) unless the incident was
   * acknowledged already; true for the first. Conditional, so the reporter is told once.
   */
  acknowledge(id: number, at: Date): Promise<boolean>;
  /** Unacknowledged open incidents whose deadline has passed, oldest deadline first. */
  listDueForEscalation(now: Date, limit: number): Promise<IncidentRow[]>;
  /** Cadres notified of the incident so far, in the order they were notified. */
  listNotified(incidentId: number): Promise<{ id: number; userid: string; name: string }[]>;
  /** Whether the cadre was notified of the incident. */
  wasNotified(incidentId: number, cadreId: number): Promise<boolean>;
  /**
   * Active cadres covering the region (scope = the region or an ancestor) who hold one of the
   * ladder roles, with their scope depth and their Guarantee roles for `subjectId`.
   */
  ladderCandidates(regionId: number, subjectId: number | null, roles: string[]): Promise<LadderCandidate[]>;
  /** Cadres with one of the roles whose scope covers the region (its ancestors or itself). */
  cadresCovering(
    regionId: number,
    roles: string[],
  ): Promise<{ id: number; userid: string; name: string; roles: string[] }[]>;
  /**
   * Incidents raised from any of these visits (`Incident.sourceMessageId` = `visit:<id>`), newest
   * first, each with the visit that raised it; withdrawn ones are left out.
   */
  listRaisedFromVisits(visitIds: readonly number[]): Promise<{ incident: IncidentRow; visitId: number }[]>;
  /**
   * Withdraws the incident (status withdrawn, closed, ladder stopped) if it is still open and
   * nobody acknowledged it (conditional: a 收到 or a ladder step racing with it wins or loses as a
   * whole). True when withdrawn.
   */
  withdraw(id: number, at: Date): Promise<boolean>;
  /** Cadres with an event of one of these types on the incident, in order, each once. */
  listEventCadres(
    incidentId: number,
    types: readonly IncidentEventType[],
  ): Promise<{ id: number; userid: string; name: string }[]>;
  /**
   * Incidents in the region subtree (`Region.path` prefix; `/` is everything) acknowledged before
   * `acknowledgedBefore` and not closed (closed of any kind, withdrawn included), by id.
   */
  listAcknowledgedOpen(regionPath: string, acknowledgedBefore: Date): Promise<AcknowledgedOpenIncident[]>;
}

const select = {
  id: true,
  severity: true,
  status: true,
  category: true,
  reporterId: true,
  subjectId: true,
  regionId: true,
  summary: true,
  ladderLevel: true,
  nextEscalationAt: true,
  acknowledgedAt: true,
  closedAt: true,
  createdAt: true,
} as const;

export class PrismaIncidentRepository implements IncidentRepository {
  constructor(private readonly db: Db) {}

  async create(input: NewIncident) {
    if (input.sourceMessageId) {
      const existing = await this.db.incident.findUnique({
        where: { sourceMessageId: input.sourceMessageId },
        select: { id: true },
      });
      if (existing) return null;
    }
    const row = await this.db.incident.create({
      data: {
        severity: input.severity,
        category: input.category,
        reporterId: input.reporterId,
        subjectId: input.subjectId,
        regionId: input.regionId,
        summary: input.summary,
        sourceMessageId: input.sourceMessageId,
        nextEscalationAt: input.nextEscalationAt,
        createdAt: input.at,
        events: {
          create: { type: "reported", cadreId: input.reporterId, note: input.summary, at: input.at },
        },
      },
      select,
    });
    return row;
  }

  find(id: number) {
    return this.db.incident.findUnique({ where: { id }, select });
  }

  async listRaisedFromVisits(visitIds: readonly number[]) {
    if (visitIds.length === 0) return [];
    const rows = await this.db.incident.findMany({
      where: {
        sourceMessageId: { in: visitIds.map((v) => `visit:${v}`) },
        status: { not: "withdrawn" },
      },
      select: { ...select, sourceMessageId: true },
      orderBy: { id: "desc" },
    });
    return rows.map(({ sourceMessageId, ...incident }) => ({
      incident,
      visitId: Number(sourceMessageId?.slice("visit:".length)),
    }));
  }

  async withdraw(id: number, at: Date) {
    const res = await this.db.incident.updateMany({
      where: { id, acknowledgedAt: null, status: { in: ["reported", "notified"] } },
      data: { status: "withdrawn", closedAt: at, nextEscalationAt: null },
    });
    return res.count === 1;
  }

  async listAcknowledgedOpen(regionPath: string, acknowledgedBefore: Date) {
    const rows = await this.db.incident.findMany({
      where: {
        status: { not: "closed" },
        closedAt: null,
        acknowledgedAt: { not: null, lt: acknowledgedBefore },
        region: { path: { startsWith: regionPath } },
      },
      select: {
        id: true,
        summary: true,
        regionId: true,
        createdAt: true,
        acknowledgedAt: true,
        region: { select: { name: true } },
        subject: { select: { name: true } },
        events: {
          where: { type: { in: ["acknowledged", "progress"] } },
          select: {
            type: true,
            at: true,
            cadre: { select: { id: true, userid: true, name: true, active: true } },
          },
          orderBy: [{ at: "asc" }, { id: "asc" }],
        },
      },
      orderBy: { id: "asc" },
    });
    return rows.flatMap((r): AcknowledgedOpenIncident[] => {
      const acknowledgedAt = r.acknowledgedAt;
      if (!acknowledgedAt) return [];
      // The first acknowledgement writes its event (收到, or 处理 / 结案 as the first act) at the
      // same instant as `acknowledgedAt`; an earlier progress note (a linked correction) is not it.
      const at = acknowledgedAt.getTime();
      const byAck =
        r.events.find((e) => e.cadre && e.at.getTime() === at) ??
        r.events.find((e) => e.cadre && e.type === "acknowledged");
      const progress = r.events.filter((e) => e.type === "progress");
      return [
        {
          id: r.id,
          summary: r.summary,
          regionId: r.regionId,
          regionName: r.region.name,
          subjectName: r.subject?.name ?? null,
          createdAt: r.createdAt,
          acknowledgedAt,
          lastProgressAt: progress.length > 0 ? progress[progress.length - 1]!.at : null,
          acknowledger: byAck?.cadre ?? null,
        },
      ];
    });
  }

  async addEvent(
    incidentId: number,
    type: IncidentEventType,
    cadreId: number | null,
    note: string | null,
    at: Date,
    rung: number | null = null,
  ) {
    await this.db.incidentEvent.create({ data: { incidentId, type, cadreId, note, at, rung } });
  }

  async claimStep(
    id: number,
    from: number,
    to: number,
    change: { nextEscalationAt: Date | null; status?: IncidentStatus },
  ) {
    const res = await this.db.incident.updateMany({
      where: { id, ladderLevel: from, acknowledgedAt: null, status: { in: ["reported", "notified"] } },
      data: { ladderLevel: to, nextEscalationAt: change.nextEscalationAt, status: change.status },
    });
    return res.count === 1;
  }

  async acknowledge(id: number, at: Date) {
    const res = await this.db.incident.updateMany({
      where: { id, acknowledgedAt: null, status: { notIn: ["closed", "withdrawn"] } },
      data: { acknowledgedAt: at, nextEscalationAt: null, status: "acknowledged" },
    });
    return res.count === 1;
  }

  listDueForEscalation(now: Date, limit: number) {
    return this.db.incident.findMany({
      where: {
        status: { in: ["reported", "notified"] },
        acknowledgedAt: null,
        nextEscalationAt: { lte: now },
      },
      select,
      orderBy: [{ nextEscalationAt: "asc" }, { id: "asc" }],
      take: limit,
    });
  }

  listNotified(incidentId: number) {
    return this.listEventCadres(incidentId, ["notified"]);
  }

  async listEventCadres(incidentId: number, types: readonly IncidentEventType[]) {
    const events = await this.db.incidentEvent.findMany({
      where: { incidentId, type: { in: [...types] }, cadreId: { not: null } },
      select: { cadre: { select: { id: true, userid: true, name: true } } },
      orderBy: { id: "asc" },
    });
    const seen = new Set<number>();
    const out: { id: number; userid: string; name: string }[] = [];
    for (const e of events) {
      if (!e.cadre || seen.has(e.cadre.id)) continue;
      seen.add(e.cadre.id);
      out.push(e.cadre);
    }
    return out;
  }

  async wasNotified(incidentId: number, cadreId: number) {
    const row = await this.db.incidentEvent.findFirst({
      where: { incidentId, type: "notified", cadreId },
      select: { id: true },
    });
    return row !== null;
  }

  async ladderCandidates(regionId: number, subjectId: number | null, roles: string[]) {
    const region = await this.db.region.findUnique({ where: { id: regionId }, select: { path: true } });
    if (!region) return [];
    const ancestorIds = region.path.split("/").filter(Boolean).map(Number);
    const rows = await this.db.cadre.findMany({
      where: { active: true, scopeRegionId: { in: ancestorIds }, roles: { hasSome: roles as never } },
      select: {
        id: true,
        userid: true,
        name: true,
        roles: true,
        scopeRegion: { select: { path: true } },
        guarantees:
          subjectId === null ? false : { where: { subjectId, endDate: null }, select: { role: true } },
      },
      orderBy: { id: "asc" },
    });
    return rows.map(
      (r): LadderCandidate => ({
        id: r.id,
        userid: r.userid,
        name: r.name,
        roles: r.roles,
        scopeDepth: r.scopeRegion.path.split("/").filter(Boolean).length,
        guaranteeRoles: (r.guarantees ?? []).map((g) => g.role),
      }),
    );
  }

  async setStatus(
    id: number,
    change: Partial<
      Pick<IncidentRow, "status" | "acknowledgedAt" | "closedAt" | "nextEscalationAt" | "ladderLevel">
    >,
  ) {
    await this.db.incident.update({ where: { id }, data: change });
  }

  listOpenNotifiedTo(cadreId: number) {
    return this.db.incident.findMany({
      where: {
        status: { notIn: ["closed", "withdrawn"] },
        acknowledgedAt: null,
        events: { some: { type: "notified", cadreId } },
      },
      select,
      orderBy: { id: "desc" },
      take: 20,
    });
  }

  async cadresCovering(regionId: number, roles: string[]) {
    const region = await this.db.region.findUnique({ where: { id: regionId }, select: { path: true } });
    if (!region) return [];
    const ancestorIds = region.path.split("/").filter(Boolean).map(Number);
    return this.db.cadre.findMany({
      where: { active: true, scopeRegionId: { in: ancestorIds }, roles: { hasSome: roles as never } },
      select: { id: true, userid: true, name: true, roles: true },
      orderBy: { id: "asc" },
    });
  }
}
