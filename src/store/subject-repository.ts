import type { Category, Gender, SubjectStatus } from "../generated/prisma/client";
import type { AuditRepository } from "./audit-repository";
import { type IdCipher, maskIdNumber, normaliseIdNumber } from "./id-cipher";
import type { Db } from "./prisma-client";

export interface SubjectRow {
  id: number;
  name: string;
  idMasked: string | null;
  gender: Gender;
  birthDate: Date | null;
  regionId: number;
  category: Category;
  level: string;
  status: SubjectStatus;
  pauseReason: string | null;
  pausedFrom: Date | null;
  pausedUntil: Date | null;
  department: string | null;
  phone: string | null;
  address: string | null;
  notes: string | null;
  closedAt: Date | null;
  closeReason: string | null;
}

export interface NewSubject {
  name: string;
  idNumber?: string | null;
  gender?: Gender;
  birthDate?: Date | null;
  phone?: string | null;
  address?: string | null;
  regionId: number;
  category: Category;
  level: string;
  department?: string | null;
  notes?: string | null;
}

/** Fields `subject set|transfer` may change; `idNumber` is validated and encrypted again. */
export type SubjectPatch = Partial<Omit<NewSubject, "idNumber">> & { idNumber?: string | null };

export interface SubjectRepository {
  /** Validates and encrypts the ID number; throws IdNumberError on a malformed one. */
  create(input: NewSubject): Promise<SubjectRow>;
  findById(id: number): Promise<SubjectRow | null>;
  /** Exact lookup through the keyed hash; never decrypts. */
  findByIdNumber(idNumber: string): Promise<SubjectRow | null>;
  /** Decrypts the full ID number for an authorised actor and audits the read. */
  revealIdNumber(id: number, actor: string, reason: string): Promise<string | null>;
  listInRegions(regionIds: number[]): Promise<SubjectRow[]>;
  pause(id: number, input: { reason: string; from: Date; until?: Date | null }): Promise<void>;
  /**
   * Ends a pause. With `on` (the first day under management again) the pause interval is kept,
   * ending the day before, so the periods it touched stay exempt; without it the dates are cleared.
   */
  resume(id: number, input?: { on?: Date }): Promise<void>;
  update(id: number, patch: SubjectPatch): Promise<SubjectRow>;
  /** Takes the person off the register: no obligations from then on. */
  close(id: number, input: { reason: string; at: Date }): Promise<void>;
  count(): Promise<number>;
}

const select = {
  id: true,
  name: true,
  idMasked: true,
  gender: true,
  birthDate: true,
  regionId: true,
  category: true,
  level: true,
  status: true,
  pauseReason: true,
  pausedFrom: true,
  pausedUntil: true,
  department: true,
  phone: true,
  address: true,
  notes: true,
  closedAt: true,
  closeReason: true,
} as const;

export class PrismaSubjectRepository implements SubjectRepository {
  constructor(
    private readonly db: Db,
    private readonly cipher: IdCipher,
    private readonly audit: AuditRepository,
  ) {}

  async create(input: NewSubject) {
    const id = input.idNumber ? normaliseIdNumber(input.idNumber) : null;
    return this.db.subject.create({
      data: {
        name: input.name,
        idCipher: id ? this.cipher.encrypt(id) : null,
        idHash: id ? this.cipher.hash(id) : null,
        idMasked: id ? maskIdNumber(id) : null,
        gender: input.gender ?? "unknown",
        birthDate: input.birthDate ?? null,
        phone: input.phone ?? null,
        address: input.address ?? null,
        regionId: input.regionId,
        category: input.category,
        level: input.level,
        department: input.department ?? null,
        notes: input.notes ?? null,
      },
      select,
    });
  }

  findById(id: number) {
    return this.db.subject.findUnique({ where: { id }, select });
  }

  findByIdNumber(idNumber: string) {
    let id: string;
    try {
      id = normaliseIdNumber(idNumber);
    } catch {
      return Promise.resolve(null);
    }
    return this.db.subject.findUnique({ where: { idHash: this.cipher.hash(id) }, select });
  }

  async revealIdNumber(id: number, actor: string, reason: string) {
    const row = await this.db.subject.findUnique({ where: { id }, select: { idCipher: true } });
    await this.audit.record({
      actor,
      action: "subject.reveal_id_number",
      entity: "Subject",
      entityId: id,
      detail: { reason },
    });
    return row?.idCipher ? this.cipher.decrypt(row.idCipher) : null;
  }

  listInRegions(regionIds: number[]) {
    return this.db.subject.findMany({
      where: { regionId: { in: regionIds } },
      select,
      orderBy: { id: "asc" },
    });
  }

  async pause(id: number, input: { reason: string; from: Date; until?: Date | null }) {
    await this.db.subject.update({
      where: { id },
      data: {
        status: "paused",
        pauseReason: input.reason,
        pausedFrom: input.from,
        pausedUntil: input.until ?? null,
      },
    });
  }

  async resume(id: number, input: { on?: Date } = {}) {
    if (input.on) {
      const row = await this.db.subject.findUnique({ where: { id }, select: { pausedFrom: true } });
      const lastPaused = new Date(input.on.getTime() - 86_400_000);
      if (row?.pausedFrom && row.pausedFrom <= lastPaused) {
        await this.db.subject.update({
          where: { id },
          data: { status: "active", pausedUntil: lastPaused },
        });
        return;
      }
    }
    await this.db.subject.update({
      where: { id },
      data: { status: "active", pauseReason: null, pausedFrom: null, pausedUntil: null },
    });
  }

  async update(id: number, patch: SubjectPatch) {
    const { idNumber, ...rest } = patch;
    const idFields: Record<string, string | null> = {};
    if (idNumber !== undefined) {
      const normalised = idNumber ? normaliseIdNumber(idNumber) : null;
      idFields.idCipher = normalised ? this.cipher.encrypt(normalised) : null;
      idFields.idHash = normalised ? this.cipher.hash(normalised) : null;
      idFields.idMasked = normalised ? maskIdNumber(normalised) : null;
    }
    return this.db.subject.update({ where: { id }, data: { ...rest, ...idFields }, select });
  }

  async close(id: number, input: { reason: string; at: Date }) {
    await this.db.subject.update({
      where: { id },
      data: { status: "closed", closedAt: input.at, closeReason: input.reason },
    });
  }

  count() {
    return this.db.subject.count();
  }
}
