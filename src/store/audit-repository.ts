import type { Prisma } from "../generated/prisma/client";
import type { Db } from "./prisma-client";

export interface AuditEntry {
  actor: string;
  action: string;
  entity?: string;
  entityId?: string | number;
  detail?: Prisma.InputJsonValue;
  at?: Date;
}

export interface AuditRepository {
  record(entry: AuditEntry): Promise<void>;
  list(filter: {
    entity?: string;
    entityId?: string | number;
    action?: string;
  }): Promise<{ at: Date; actor: string; action: string; entity: string | null; entityId: string | null }[]>;
}

export class PrismaAuditRepository implements AuditRepository {
  constructor(private readonly db: Db) {}

  async record(entry: AuditEntry) {
    await this.db.auditLog.create({
      data: {
        actor: entry.actor,
        action: entry.action,
        entity: entry.entity ?? null,
        entityId: entry.entityId === undefined ? null : String(entry.entityId),
        detail: entry.detail,
        ...(entry.at ? { at: entry.at } : {}),
      },
    });
  }

  list(filter: { entity?: string; entityId?: string | number; action?: string }) {
    return this.db.auditLog.findMany({
      where: {
        entity: filter.entity,
        entityId: filter.entityId === undefined ? undefined : String(filter.entityId),
        action: filter.action,
      },
      select: { at: true, actor: true, action: true, entity: true, entityId: true },
      orderBy: { id: "asc" },
    });
  }
}
