/**
 * What `roster import` reads before it decides (the regions, the cadres, the people the file
 * names and their active guarantees) and how it writes what it decided: in batches, inside the
 * caller's transaction, with one audit entry per changed record.
 */
import { CADRE_ROW_SELECT, type CadreRow } from "./cadre-repository";
import type {
  CadreRole,
  Category,
  Gender,
  Prisma,
  RegionLevel,
  SubjectStatus,
} from "../generated/prisma/client";
import type { IdCipher } from "./id-cipher";
import { maskIdNumber } from "./id-cipher";
import type { Db } from "./prisma-client";

export interface RegisterRegion {
  id: number;
  code: string;
  name: string;
  level: RegionLevel;
  parentId: number | null;
}

/** A cadre as every repository reads it. */
export type RegisterCadre = CadreRow;

export interface RegisterSubject {
  id: number;
  name: string;
  idHash: string | null;
  idMasked: string | null;
  gender: Gender;
  birthDate: Date | null;
  phone: string | null;
  address: string | null;
  regionId: number;
  category: Category;
  level: string;
  status: SubjectStatus;
  department: string | null;
  notes: string | null;
}

export interface RegisterSnapshot {
  regions: RegisterRegion[];
  cadres: RegisterCadre[];
  subjects: RegisterSubject[];
  /** Active guarantees (no end date) of those subjects. */
  guarantees: { subjectId: number; cadreId: number }[];
}

/** Fields of a region to create; `parentId` may be another new region's temporary (negative) id. */
export interface RegionWrite {
  tempId: number;
  code: string;
  name: string;
  level: RegionLevel;
  parentId: number | null;
}

export interface CadreWrite {
  userid: string;
  name: string;
  mobile: string | null;
  roles: CadreRole[];
  homeRegionId: number;
  scopeRegionId: number;
  active: boolean;
}

export interface SubjectWrite {
  name: string;
  idNumber: string | null;
  gender: Gender;
  birthDate: Date | null;
  phone: string | null;
  address: string | null;
  regionId: number;
  category: Category;
  level: string;
  department: string | null;
  notes: string | null;
  status: SubjectStatus;
  closeReason: string | null;
}

/** Everything one import writes. Ids below zero are records created by the same import. */
export interface RegisterChanges {
  regionCreates: RegionWrite[];
  regionUpdates: { id: number; data: { name?: string; level?: RegionLevel } }[];
  cadreCreates: (CadreWrite & { tempId: number })[];
  cadreUpdates: { id: number; data: Partial<CadreWrite> }[];
  subjectCreates: (SubjectWrite & { tempId: number })[];
  subjectUpdates: { id: number; data: Partial<SubjectWrite>; fields: string[] }[];
  guaranteeCreates: { subjectId: number; cadreId: number; role: "primary" | "secondary" }[];
}

export interface RegisterRepository {
  /** The keyed hash an ID number is looked up by (never stored in clear). */
  idHash(idNumber: string): string;
  /** The register as the import needs it: regions, cadres, and the subjects with these keys. */
  snapshot(keys: { idHashes: string[]; subjectIds: number[] }): Promise<RegisterSnapshot>;
  /** Cadres (of these ids) who are the only active guarantor of someone, with how many. */
  soleGuarantorCounts(cadreIds: number[]): Promise<Map<number, number>>;
  /** Writes the changes; returns nothing but throws on any failure (the caller's transaction rolls back). */
  apply(
    changes: RegisterChanges,
    ctx: { actor: string; at: Date; startDate: Date; importId: string },
  ): Promise<void>;
}

const CHUNK = 1000;
/** Rows per INSERT … SELECT FROM unnest(…) statement. */
const BULK = 5000;
const chunks = <T>(items: readonly T[], size = CHUNK): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

const subjectSelect = {
  id: true,
  name: true,
  idHash: true,
  idMasked: true,
  gender: true,
  birthDate: true,
  phone: true,
  address: true,
  regionId: true,
  category: true,
  level: true,
  status: true,
  department: true,
  notes: true,
} as const;

export class PrismaRegisterRepository implements RegisterRepository {
  constructor(
    private readonly db: Db,
    private readonly cipher: IdCipher,
  ) {}

  idHash(idNumber: string): string {
    return this.cipher.hash(idNumber);
  }

  async snapshot(keys: { idHashes: string[]; subjectIds: number[] }): Promise<RegisterSnapshot> {
    const regions = await this.db.region.findMany({
      select: { id: true, code: true, name: true, level: true, parentId: true },
      orderBy: { id: "asc" },
    });
    const cadres = await this.db.cadre.findMany({
      select: CADRE_ROW_SELECT,
      orderBy: { id: "asc" },
    });
    const subjects: RegisterSubject[] = [];
    const seen = new Set<number>();
    for (const part of chunks(keys.idHashes)) {
      for (const s of await this.db.subject.findMany({
        where: { idHash: { in: part } },
        select: subjectSelect,
      }))
        if (!seen.has(s.id)) seen.add(s.id) && subjects.push(s);
    }
    for (const part of chunks(keys.subjectIds)) {
      for (const s of await this.db.subject.findMany({ where: { id: { in: part } }, select: subjectSelect }))
        if (!seen.has(s.id)) seen.add(s.id) && subjects.push(s);
    }
    const guarantees: { subjectId: number; cadreId: number }[] = [];
    for (const part of chunks(subjects.map((s) => s.id))) {
      guarantees.push(
        ...(await this.db.guarantee.findMany({
          where: { subjectId: { in: part }, endDate: null },
          select: { subjectId: true, cadreId: true },
        })),
      );
    }
    return { regions, cadres, subjects, guarantees };
  }

  async soleGuarantorCounts(cadreIds: number[]): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    if (cadreIds.length === 0) return out;
    const rows = await this.db.$queryRaw<{ cadreId: number; n: bigint }[]>`
      SELECT g."cadreId", COUNT(*) AS n FROM "Guarantee" g
      JOIN "Subject" s ON s."id" = g."subjectId" AND s."status" <> 'closed'
      WHERE g."cadreId" = ANY(${cadreIds}::int[]) AND g."endDate" IS NULL
        AND NOT EXISTS (
          SELECT 1 FROM "Guarantee" o JOIN "Cadre" c ON c."id" = o."cadreId" AND c."active"
          WHERE o."subjectId" = g."subjectId" AND o."endDate" IS NULL AND o."cadreId" <> g."cadreId")
      GROUP BY g."cadreId"`;
    for (const r of rows) out.set(r.cadreId, Number(r.n));
    return out;
  }

  async apply(
    changes: RegisterChanges,
    ctx: { actor: string; at: Date; startDate: Date; importId: string },
  ): Promise<void> {
    const audits: { action: string; entity: string; entityId: string; detail: Prisma.InputJsonValue }[] = [];
    const audit = (action: string, entity: string, entityId: number, detail: Prisma.InputJsonValue) =>
      audits.push({ action, entity, entityId: String(entityId), detail });
    // Written after each batch so a county's entries are never all held at once.
    const flushAudits = async () => {
      for (const part of chunks(audits.splice(0), BULK)) {
        await this.db.$executeRaw`
          INSERT INTO "AuditLog" ("at", "actor", "action", "entity", "entityId", "detail")
          SELECT ${ctx.at.toISOString()}::timestamptz AT TIME ZONE 'UTC', ${ctx.actor}, x.action, x.entity, x.entity_id, x.detail::jsonb
          FROM unnest(${part.map((a) => a.action)}::text[], ${part.map((a) => a.entity)}::text[],
            ${part.map((a) => a.entityId)}::text[], ${part.map((a) => JSON.stringify(a.detail))}::text[])
            AS x(action, entity, entity_id, detail)`;
      }
    };
    const regionIds = new Map<number, number>();
    const regionId = (id: number) => (id < 0 ? (regionIds.get(id) ?? fail(`region ${id}`)) : id);

    // Regions: few (hundreds), created parents first so each path is known.
    const paths = new Map<number, string>();
    for (const r of changes.regionCreates) {
      const parentId = r.parentId === null ? null : regionId(r.parentId);
      let parentPath = "/";
      if (parentId !== null) {
        parentPath =
          paths.get(parentId) ??
          (await this.db.region.findUniqueOrThrow({ where: { id: parentId }, select: { path: true } })).path;
      }
      const created = await this.db.region.create({
        data: { code: r.code, name: r.name, level: r.level, parentId, path: `tmp:${r.code}` },
        select: { id: true },
      });
      const path = `${parentPath}${created.id}/`;
      await this.db.region.update({ where: { id: created.id }, data: { path } });
      paths.set(created.id, path);
      regionIds.set(r.tempId, created.id);
      audit("roster.import.create", "Region", created.id, {
        importId: ctx.importId,
        code: r.code,
        name: r.name,
      });
    }
    for (const u of changes.regionUpdates) {
      await this.db.region.update({ where: { id: u.id }, data: u.data });
      audit("roster.import.update", "Region", u.id, { importId: ctx.importId, fields: Object.keys(u.data) });
    }

    // Cadres.
    const cadreIds = new Map<number, number>();
    const cadreId = (id: number) => (id < 0 ? (cadreIds.get(id) ?? fail(`cadre ${id}`)) : id);
    for (const part of chunks(changes.cadreCreates)) {
      const created = await this.db.cadre.createManyAndReturn({
        data: part.map((c) => ({
          userid: c.userid,
          name: c.name,
          mobile: c.mobile,
          roles: c.roles,
          homeRegionId: regionId(c.homeRegionId),
          scopeRegionId: regionId(c.scopeRegionId),
          active: c.active,
        })),
        select: { id: true, userid: true },
      });
      const byUserid = new Map(created.map((c) => [c.userid, c.id]));
      for (const c of part) {
        const id = byUserid.get(c.userid) ?? fail(`cadre ${c.userid}`);
        cadreIds.set(c.tempId, id);
        audit("roster.import.create", "Cadre", id, { importId: ctx.importId, userid: c.userid });
      }
    }
    for (const u of changes.cadreUpdates) {
      const data = {
        ...u.data,
        ...(u.data.homeRegionId !== undefined ? { homeRegionId: regionId(u.data.homeRegionId) } : {}),
        ...(u.data.scopeRegionId !== undefined ? { scopeRegionId: regionId(u.data.scopeRegionId) } : {}),
      };
      await this.db.cadre.update({ where: { id: u.id }, data });
      audit("roster.import.update", "Cadre", u.id, { importId: ctx.importId, fields: Object.keys(u.data) });
    }

    // Subjects: one INSERT per batch (every new person has an ID number: matched back by its hash).
    const subjectIds = new Map<number, number>();
    const subjectId = (id: number) => (id < 0 ? (subjectIds.get(id) ?? fail(`subject ${id}`)) : id);
    for (const part of chunks(changes.subjectCreates, BULK)) {
      const rows = part.map((s) => ({ s, d: this.subjectData(s, ctx.at) }));
      const created = await this.db.$queryRaw<{ id: number; idHash: string }[]>`
        INSERT INTO "Subject" ("name", "idCipher", "idHash", "idMasked", "gender", "birthDate", "phone", "address",
          "regionId", "category", "level", "status", "closedAt", "closeReason", "department", "notes", "updatedAt")
        SELECT x.name, x.cipher, x.hash, x.masked, x.gender::"Gender", x.birth::date, x.phone, x.address,
          x.region, x.category::"Category", x.level, x.status::"SubjectStatus",
          CASE WHEN x.status = 'closed' THEN ${ctx.at.toISOString()}::timestamptz AT TIME ZONE 'UTC' END,
          x.reason, x.department, x.notes, ${ctx.at.toISOString()}::timestamptz AT TIME ZONE 'UTC'
        FROM unnest(
          ${rows.map((r) => r.s.name)}::text[], ${rows.map((r) => r.d.idCipher ?? null)}::text[],
          ${rows.map((r) => r.d.idHash ?? null)}::text[], ${rows.map((r) => r.d.idMasked ?? null)}::text[],
          ${rows.map((r) => r.s.gender)}::text[],
          ${rows.map((r) => (r.s.birthDate ? r.s.birthDate.toISOString().slice(0, 10) : null))}::text[],
          ${rows.map((r) => r.s.phone)}::text[], ${rows.map((r) => r.s.address)}::text[],
          ${rows.map((r) => regionId(r.s.regionId))}::int[], ${rows.map((r) => r.s.category)}::text[],
          ${rows.map((r) => r.s.level)}::text[], ${rows.map((r) => r.s.status)}::text[],
          ${rows.map((r) => r.s.closeReason)}::text[], ${rows.map((r) => r.s.department)}::text[],
          ${rows.map((r) => r.s.notes)}::text[]
        ) AS x(name, cipher, hash, masked, gender, birth, phone, address, region, category, level, status, reason, department, notes)
        RETURNING "id", "idHash"`;
      const byHash = new Map(created.map((c) => [c.idHash, c.id]));
      for (const r of rows) {
        const id = byHash.get(r.d.idHash ?? "") ?? fail("subject batch");
        subjectIds.set(r.s.tempId, id);
        audit("roster.import.create", "Subject", id, { importId: ctx.importId });
      }
      await flushAudits();
    }
    // Updates in batches: each column is set only on the rows that change it.
    for (const part of chunks(changes.subjectUpdates, BULK)) {
      const rows = part.map((u) => ({ u, d: this.subjectData(u.data, ctx.at) }));
      const has = (k: keyof SubjectWrite) => rows.map((r) => r.u.data[k] !== undefined);
      const val = <K extends keyof SubjectWrite>(k: K) => rows.map((r) => r.u.data[k] ?? null);
      await this.db.$executeRaw`
        UPDATE "Subject" s SET
          "name" = CASE WHEN x.s_name THEN x.name ELSE s."name" END,
          "idCipher" = CASE WHEN x.s_id THEN x.cipher ELSE s."idCipher" END,
          "idHash" = CASE WHEN x.s_id THEN x.hash ELSE s."idHash" END,
          "idMasked" = CASE WHEN x.s_id THEN x.masked ELSE s."idMasked" END,
          "gender" = CASE WHEN x.s_gender THEN x.gender::"Gender" ELSE s."gender" END,
          "birthDate" = CASE WHEN x.s_birth THEN x.birth::date ELSE s."birthDate" END,
          "phone" = CASE WHEN x.s_phone THEN x.phone ELSE s."phone" END,
          "address" = CASE WHEN x.s_address THEN x.address ELSE s."address" END,
          "regionId" = CASE WHEN x.s_region THEN x.region ELSE s."regionId" END,
          "category" = CASE WHEN x.s_category THEN x.category::"Category" ELSE s."category" END,
          "level" = CASE WHEN x.s_level THEN x.level ELSE s."level" END,
          "department" = CASE WHEN x.s_department THEN x.department ELSE s."department" END,
          "notes" = CASE WHEN x.s_notes THEN x.notes ELSE s."notes" END,
          "status" = CASE WHEN x.closing THEN 'closed'::"SubjectStatus" ELSE s."status" END,
          "closedAt" = CASE WHEN x.closing THEN ${ctx.at.toISOString()}::timestamptz AT TIME ZONE 'UTC' ELSE s."closedAt" END,
          "closeReason" = CASE WHEN x.closing THEN x.reason ELSE s."closeReason" END,
          "updatedAt" = ${ctx.at.toISOString()}::timestamptz AT TIME ZONE 'UTC'
        FROM unnest(
          ${rows.map((r) => r.u.id)}::int[],
          ${has("name")}::bool[], ${val("name")}::text[],
          ${rows.map((r) => r.d.idHash !== undefined)}::bool[], ${rows.map((r) => r.d.idCipher ?? null)}::text[],
          ${rows.map((r) => r.d.idHash ?? null)}::text[], ${rows.map((r) => r.d.idMasked ?? null)}::text[],
          ${has("gender")}::bool[], ${val("gender")}::text[],
          ${has("birthDate")}::bool[], ${rows.map((r) => r.u.data.birthDate?.toISOString().slice(0, 10) ?? null)}::text[],
          ${has("phone")}::bool[], ${val("phone")}::text[],
          ${has("address")}::bool[], ${val("address")}::text[],
          ${has("regionId")}::bool[], ${rows.map((r) => (r.u.data.regionId === undefined ? null : regionId(r.u.data.regionId)))}::int[],
          ${has("category")}::bool[], ${val("category")}::text[],
          ${has("level")}::bool[], ${val("level")}::text[],
          ${has("department")}::bool[], ${val("department")}::text[],
          ${has("notes")}::bool[], ${val("notes")}::text[],
          ${rows.map((r) => r.u.data.status === "closed")}::bool[], ${val("closeReason")}::text[]
        ) AS x(id, s_name, name, s_id, cipher, hash, masked, s_gender, gender, s_birth, birth, s_phone, phone,
          s_address, address, s_region, region, s_category, category, s_level, level, s_department, department,
          s_notes, notes, closing, reason)
        WHERE s."id" = x.id`;
      for (const { u } of rows)
        audit("roster.import.update", "Subject", u.id, { importId: ctx.importId, fields: u.fields });
      await flushAudits();
    }

    for (const part of chunks(changes.guaranteeCreates, BULK)) {
      const created = await this.db.$queryRaw<{ id: number; subjectId: number; cadreId: number }[]>`
        INSERT INTO "Guarantee" ("subjectId", "cadreId", "role", "startDate")
        SELECT x.subject, x.cadre, x.role::"GuaranteeRole", ${ctx.startDate.toISOString().slice(0, 10)}::date
        FROM unnest(${part.map((g) => subjectId(g.subjectId))}::int[], ${part.map((g) => cadreId(g.cadreId))}::int[],
          ${part.map((g) => g.role)}::text[]) AS x(subject, cadre, role)
        RETURNING "id", "subjectId", "cadreId"`;
      for (const g of created)
        audit("roster.import.create", "Guarantee", g.id, {
          importId: ctx.importId,
          subjectId: g.subjectId,
          cadreId: g.cadreId,
        });
      await flushAudits();
    }
    await flushAudits();
  }

  /** The columns of a subject write that are set (ID number encrypted, hashed and masked). */
  private subjectData(s: Partial<SubjectWrite>, at: Date) {
    const data: {
      name?: string;
      idCipher?: string | null;
      idHash?: string | null;
      idMasked?: string | null;
      gender?: Gender;
      birthDate?: Date | null;
      phone?: string | null;
      address?: string | null;
      category?: Category;
      level?: string;
      department?: string | null;
      notes?: string | null;
      status?: SubjectStatus;
      closedAt?: Date | null;
      closeReason?: string | null;
    } = {};
    if (s.name !== undefined) data.name = s.name;
    if (s.idNumber) {
      data.idCipher = this.cipher.encrypt(s.idNumber);
      data.idHash = this.cipher.hash(s.idNumber);
      data.idMasked = maskIdNumber(s.idNumber);
    }
    if (s.gender !== undefined) data.gender = s.gender;
    if (s.birthDate !== undefined) data.birthDate = s.birthDate;
    if (s.phone !== undefined) data.phone = s.phone;
    if (s.address !== undefined) data.address = s.address;
    if (s.category !== undefined) data.category = s.category;
    if (s.level !== undefined) data.level = s.level;
    if (s.department !== undefined) data.department = s.department;
    if (s.notes !== undefined) data.notes = s.notes;
    if (s.status !== undefined) {
      data.status = s.status;
      if (s.status === "closed") {
        data.closedAt = at;
        data.closeReason = s.closeReason ?? null;
      }
    }
    return data;
  }
}

function fail(what: string): never {
  throw new Error(`register import: unresolved ${what}`);
}
