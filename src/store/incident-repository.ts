import type {
  Category,
  IncidentEventType,
  IncidentSeverity,
  IncidentStatus,
} from "../generated/prisma/client";
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
  ): Promise<void>;
  setStatus(
    id: number,
    change: Partial<
      Pick<IncidentRow, "status" | "acknowledgedAt" | "closedAt" | "nextEscalationAt" | "ladderLevel">
    >,
  ): Promise<void>;
  /** Open incidents whose notification went to this cadre, newest first. */
  listOpenNotifiedTo(cadreId: number): Promise<IncidentRow[]>;
  /** Cadres with one of the roles whose scope covers the region (its ancestors or itself). */
  cadresCovering(
    regionId: number,
    roles: string[],
  ): Promise<{ id: number; userid: string; name: string; roles: string[] }[]>;
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

  async addEvent(
    incidentId: number,
    type: IncidentEventType,
    cadreId: number | null,
    note: string | null,
    at: Date,
  ) {
    await this.db.incidentEvent.create({ data: { incidentId, type, cadreId, note, at } });
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
      where: { status: { not: "closed" }, events: { some: { type: "notified", cadreId } } },
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
