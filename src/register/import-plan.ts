/**
 * Decides what an import does, in memory, against a snapshot of the register: every row is
 * parsed, matched (person by 编号 then ID hash, cadre by userid then mobile, region by code then
 * name) and turned into creates and updates, or rejected with errors that say what would be right.
 * Nothing here touches the database.
 */
import type { CadreRole, Gender, RegionLevel } from "../generated/prisma/client";
import { dbDateFromLocalDate, localDateFromDbDate } from "../domain/local-date";
import { hasWecomAccount, PENDING_USERID_PREFIX, pendingUserid } from "../domain/wecom-account";
import type {
  CadreWrite,
  RegisterChanges,
  RegisterSnapshot,
  RegisterSubject,
  SubjectWrite,
} from "../store/register-repository";
import {
  type CellProblem,
  isProblem,
  parseCadreStatus,
  parseCategory,
  parseDate,
  parseGender,
  parseIdNumber,
  parseLevel,
  parsePhone,
  parseRegionLevel,
  parseRoles,
  parseSubjectStatus,
  splitList,
} from "./cell-values";
import { REGISTER_COLUMNS, REGISTER_SHEETS, type RegisterSheetKind } from "./register-columns";
import { cellText, type RawRow, type ReadResult, type ReadSheet } from "./sheet-reader";

export type CountKind = "regions" | "cadres" | "subjects" | "guarantees";
export interface KindCounts {
  created: number;
  updated: number;
  unchanged: number;
}

export interface ImportIssue {
  sheet: string;
  row: number;
  column: string;
  value: string;
  code: string;
  message: string;
}

export interface ImportPlan {
  changes: RegisterChanges;
  counts: Record<CountKind, KindCounts>;
  errors: ImportIssue[];
  warnings: string[];
  /** Rows read per sheet kind (for the summary). */
  rowsRead: number;
}

/** A file-level problem found while planning (a required column missing). */
export class RegisterLayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RegisterLayoutError";
  }
}

/** A new cadre without a WeCom account is registered under this prefix and its mobile. */
export { PENDING_USERID_PREFIX };

/** An ID number as `maskIdNumber` writes it: 4 digits, stars, the last 4. */
const MASKED_ID = /^\d{4}\*+\d{3}[\dXx]$/;

const PAUSE_BY_COMMAND =
  "暂停管理请用 subject pause（写明原因和起止日期），恢复用 subject resume；导入只接受已暂停人员的“暂停（原因）”";

interface RegionNode {
  id: number;
  code: string;
  name: string;
  level: RegionLevel;
  parentId: number | null;
}

interface CadreNode {
  id: number;
  userid: string;
  name: string;
  mobile: string | null;
  homeRegionId: number;
  active: boolean;
}

const fullName = (n: RegionNode, regions: RegionIndex) => {
  const parent = n.parentId === null ? undefined : regions.byId.get(n.parentId);
  return parent ? `${n.name}（${parent.name}，编码${n.code}）` : `${n.name}（编码${n.code}）`;
};

class RegionIndex {
  readonly byId = new Map<number, RegionNode>();
  readonly byCode = new Map<string, RegionNode>();
  readonly byName = new Map<string, RegionNode[]>();
  add(n: RegionNode): void {
    this.byId.set(n.id, n);
    this.byCode.set(n.code, n);
    const list = this.byName.get(n.name) ?? [];
    list.push(n);
    this.byName.set(n.name, list);
  }
  rename(n: RegionNode, name: string): void {
    const list = this.byName.get(n.name) ?? [];
    this.byName.set(
      n.name,
      list.filter((x) => x !== n),
    );
    n.name = name;
    this.add(n);
  }
  isUnder(id: number, ancestorId: number): boolean {
    for (
      let cur = this.byId.get(id);
      cur;
      cur = cur.parentId === null ? undefined : this.byId.get(cur.parentId)
    )
      if (cur.id === ancestorId) return true;
    return false;
  }
  /** The township (乡镇/街道) the region lies in (or is). */
  townshipOf(id: number): RegionNode | null {
    for (
      let cur = this.byId.get(id);
      cur;
      cur = cur.parentId === null ? undefined : this.byId.get(cur.parentId)
    )
      if (cur.level === "township") return cur;
    return null;
  }
}

type Resolved<T> = { ok: T } | { code: string; message: string };

/**
 * Builds the plan. `hash` is the ID number's keyed hash; `soleGuarantor` says, for cadres the
 * file sets inactive, how many people depend on them alone (see `cadresSetInactive`).
 */
export function planImport(
  read: ReadResult,
  snapshot: RegisterSnapshot,
  hash: (id: string) => string,
  soleGuarantor: ReadonlyMap<number, number> = new Map(),
): ImportPlan {
  return new Planner(read, snapshot, hash, soleGuarantor).run();
}

/** The ID hashes and 编号 a file names, so the snapshot reads only those people. */
export function subjectKeys(
  read: ReadResult,
  hash: (id: string) => string,
): { idHashes: string[]; subjectIds: number[] } {
  const idHashes: string[] = [];
  const subjectIds: number[] = [];
  for (const sheet of read.sheets) {
    if (sheet.kind !== "subjects") continue;
    for (const row of sheet.rows) {
      const id = parseIdNumber(row.cells.idNumber);
      if (id && !isProblem(id)) idHashes.push(hash(id.id));
      const n = cellText(row.cells.number);
      if (/^\d{1,9}$/.test(n)) subjectIds.push(Number(n));
    }
  }
  return { idHashes, subjectIds };
}

class Planner {
  private readonly regions = new RegionIndex();
  private readonly cadres = new Map<number, CadreNode>();
  private readonly cadreByUserid = new Map<string, CadreNode>();
  private readonly cadresByMobile = new Map<string, CadreNode[]>();
  private readonly cadresByName = new Map<string, CadreNode[]>();
  private readonly subjectsById = new Map<number, RegisterSubject>();
  private readonly subjectsByHash = new Map<string, RegisterSubject>();
  private readonly guaranteed = new Set<string>();
  private readonly guaranteeCount = new Map<number, number>();
  private nextTemp = -1;
  private readonly changes: RegisterChanges = {
    regionCreates: [],
    regionUpdates: [],
    cadreCreates: [],
    cadreUpdates: [],
    subjectCreates: [],
    subjectUpdates: [],
    guaranteeCreates: [],
  };
  private readonly counts: Record<CountKind, KindCounts> = {
    regions: { created: 0, updated: 0, unchanged: 0 },
    cadres: { created: 0, updated: 0, unchanged: 0 },
    subjects: { created: 0, updated: 0, unchanged: 0 },
    guarantees: { created: 0, updated: 0, unchanged: 0 },
  };
  private readonly errors: ImportIssue[] = [];
  private readonly warnings: string[] = [];
  private pendingUserids = 0;

  constructor(
    private readonly read: ReadResult,
    snapshot: RegisterSnapshot,
    private readonly hash: (id: string) => string,
    private readonly soleGuarantor: ReadonlyMap<number, number>,
  ) {
    for (const r of snapshot.regions) this.regions.add({ ...r });
    for (const c of snapshot.cadres) {
      this.addCadre({ ...c });
      this.cadreDetail.set(c.id, { ...c, roles: [...c.roles] });
    }
    for (const s of snapshot.subjects) {
      this.subjectsById.set(s.id, s);
      if (s.idHash) this.subjectsByHash.set(s.idHash, s);
    }
    for (const g of snapshot.guarantees) {
      this.guaranteed.add(`${g.subjectId}:${g.cadreId}`);
      this.guaranteeCount.set(g.subjectId, (this.guaranteeCount.get(g.subjectId) ?? 0) + 1);
    }
  }

  private addCadre(c: CadreNode): void {
    this.cadres.set(c.id, c);
    this.cadreByUserid.set(c.userid, c);
    if (c.mobile) this.cadresByMobile.set(c.mobile, [...(this.cadresByMobile.get(c.mobile) ?? []), c]);
    this.cadresByName.set(c.name, [...(this.cadresByName.get(c.name) ?? []), c]);
  }

  run(): ImportPlan {
    const order: RegisterSheetKind[] = ["regions", "cadres", "subjects"];
    let rowsRead = 0;
    for (const sheet of this.read.sheets) {
      const missing = REGISTER_COLUMNS[sheet.kind].filter(
        (c) => c.required && !sheet.columns.some((m) => m.key === c.key),
      );
      if (missing.length > 0) {
        throw new RegisterLayoutError(
          `工作表“${sheet.name}”（第${sheet.headerRow}行为表头，识别为${REGISTER_SHEETS[sheet.kind].name}表）缺少必填列：` +
            missing
              .map((c) => `${c.header}（也可写作 ${c.aliases.slice(0, 3).join("、") || c.header}）`)
              .join("；"),
        );
      }
      if (sheet.extraHeaders.length > 0)
        this.warnings.push(
          `工作表“${sheet.name}”中以下列不属于台账，未导入：${sheet.extraHeaders.join("、")}`,
        );
    }
    for (const name of this.read.skipped) this.warnings.push(`工作表“${name}”没有可识别的表头，已跳过`);
    for (const kind of order) {
      for (const sheet of this.read.sheets.filter((s) => s.kind === kind)) {
        rowsRead += sheet.rows.length;
        if (kind === "regions") this.regionSheet(sheet);
        else if (kind === "cadres") for (const row of sheet.rows) this.cadreRow(sheet, row);
        else {
          const seen = new Map<string, number>();
          for (const row of sheet.rows) this.subjectRow(sheet, row, seen);
        }
      }
    }
    if (this.pendingUserids > 0)
      this.warnings.push(
        `${this.pendingUserids}名干部没有填写企业微信账号，暂以手机号登记，收不到消息；请用 npx baobao roster match-wecom 通讯录导出.xlsx 补全账号`,
      );
    return {
      changes: this.changes,
      counts: this.counts,
      errors: this.errors,
      warnings: this.warnings,
      rowsRead,
    };
  }

  // ── helpers ──
  private header(sheet: ReadSheet, key: string): string {
    return (
      sheet.columns.find((c) => c.key === key)?.header ??
      REGISTER_COLUMNS[sheet.kind].find((c) => c.key === key)?.header ??
      key
    );
  }

  private issue(sheet: ReadSheet, row: RawRow, key: string, code: string, message: string): void {
    this.errors.push({
      sheet: sheet.name,
      row: row.row,
      column: this.header(sheet, key),
      value: key ? cellText(row.cells[key]) : "",
      code,
      message,
    });
  }

  /** The parsed value, or undefined after recording the problem. */
  private take<T>(sheet: ReadSheet, row: RawRow, key: string, v: T | CellProblem): T | undefined {
    if (isProblem(v)) {
      this.issue(sheet, row, key, v.code, v.message);
      return undefined;
    }
    return v;
  }

  private text(row: RawRow, key: string): string | null {
    const t = cellText(row.cells[key]);
    return t === "" ? null : t;
  }

  private required(sheet: ReadSheet, row: RawRow, key: string): string | undefined {
    const t = this.text(row, key);
    if (t === null) {
      this.issue(sheet, row, key, "required", `请填写${this.header(sheet, key)}`);
      return undefined;
    }
    return t;
  }

  private candidates(list: RegionNode[]): string {
    return list.map((n) => fullName(n, this.regions)).join("、");
  }

  /** A region by code, or by a name unique in the register (optionally of these levels). */
  private regionByCodeOrName(text: string, levels?: RegionLevel[]): Resolved<RegionNode> {
    const byCode = this.regions.byCode.get(text);
    if (byCode) return { ok: byCode };
    const list = (this.regions.byName.get(text) ?? []).filter((n) => !levels || levels.includes(n.level));
    if (list.length === 1 && list[0]) return { ok: list[0] };
    if (list.length > 1)
      return {
        code: "region_ambiguous",
        message: `地区“${text}”有${list.length}个同名：${this.candidates(list)}；请改填地区编码`,
      };
    return {
      code: "region_unknown",
      message: `地区“${text}”不在系统的地区列表中；请在同一文件中加“地区”工作表，或先导入地区表，或核对名称`,
    };
  }

  // ── 地区 ──
  private regionSheet(sheet: ReadSheet): void {
    // Parents first: rows whose parent is not yet known wait for a later pass.
    let pending = sheet.rows.slice();
    const fileCodes = new Set(sheet.rows.map((r) => this.text(r, "code")).filter((c): c is string => !!c));
    while (pending.length > 0) {
      const next: RawRow[] = [];
      for (const row of pending) {
        const parentCode = this.text(row, "parentCode");
        if (parentCode && !this.regions.byCode.has(parentCode) && fileCodes.has(parentCode)) next.push(row);
        else this.regionRow(sheet, row);
      }
      if (next.length === pending.length) {
        for (const row of next) this.regionRow(sheet, row);
        break;
      }
      pending = next;
    }
  }

  private regionRow(sheet: ReadSheet, row: RawRow): void {
    const before = this.errors.length;
    const code = this.required(sheet, row, "code");
    const name = this.required(sheet, row, "name");
    const level = this.take(sheet, row, "level", parseRegionLevel(row.cells.level));
    const parentCode = this.text(row, "parentCode");
    let parent: RegionNode | undefined;
    if (parentCode) {
      parent = this.regions.byCode.get(parentCode);
      if (!parent)
        this.issue(
          sheet,
          row,
          "parentCode",
          "region_unknown",
          `上级编码“${parentCode}”不在地区列表中；请先列出上级地区`,
        );
    }
    if (code && /[^0-9A-Za-z_-]/.test(code))
      this.issue(sheet, row, "code", "region_code_invalid", `地区编码“${code}”只能由数字或字母组成`);
    if (this.errors.length > before || !code || !name || !level) return;
    const existing = this.regions.byCode.get(code);
    if (!existing) {
      const node: RegionNode = { id: this.nextTemp--, code, name, level, parentId: parent?.id ?? null };
      this.regions.add(node);
      this.changes.regionCreates.push({ tempId: node.id, code, name, level, parentId: node.parentId });
      this.counts.regions.created++;
      return;
    }
    const data: { name?: string; level?: RegionLevel } = {};
    if (existing.name !== name) data.name = name;
    if (existing.level !== level) data.level = level;
    if (parent && existing.parentId !== parent.id) {
      // Moving a region would move its whole subtree (paths, scopes): not something an import does.
      const current = existing.parentId === null ? null : this.regions.byId.get(existing.parentId);
      this.issue(
        sheet,
        row,
        "parentCode",
        "region_move",
        `地区“${name}”在系统中${current ? `属于“${current.name}”（编码${current.code}）` : "没有上级"}，与上级编码“${parentCode}”不一致；导入不移动已有地区，请核对编码`,
      );
      return;
    }
    if (Object.keys(data).length === 0) {
      this.counts.regions.unchanged++;
      return;
    }
    if (data.name) this.regions.rename(existing, data.name);
    if (data.level) existing.level = data.level;
    if (existing.id > 0) this.changes.regionUpdates.push({ id: existing.id, data });
    this.counts.regions.updated++;
  }

  // ── 干部 ──
  private cadreRow(sheet: ReadSheet, row: RawRow): void {
    const before = this.errors.length;
    const name = this.required(sheet, row, "name");
    const userid = this.text(row, "userid");
    const mobile = this.take(
      sheet,
      row,
      "mobile",
      parsePhone(row.cells.mobile, this.header(sheet, "mobile")),
    );
    const roles = this.take(sheet, row, "roles", parseRoles(row.cells.roles));
    const active = this.take(sheet, row, "status", parseCadreStatus(row.cells.status));
    const resolveRegion = (key: string): RegionNode | undefined => {
      const t = this.text(row, key);
      if (!t) return undefined;
      const r = this.regionByCodeOrName(t);
      if ("ok" in r) return r.ok;
      this.issue(sheet, row, key, r.code, r.message);
      return undefined;
    };
    const home = this.text(row, "homeRegion") ? resolveRegion("homeRegion") : undefined;
    if (!this.text(row, "homeRegion")) this.required(sheet, row, "homeRegion");
    const scope = resolveRegion("scopeRegion") ?? home;
    if (userid && /\s/.test(userid))
      this.issue(sheet, row, "userid", "userid_invalid", `企业微信账号“${userid}”不能含空格`);
    if (!userid && !mobile)
      this.issue(
        sheet,
        row,
        "userid",
        "required",
        "请填写企业微信账号或手机号（至少一项），以便识别这位干部",
      );
    if (this.errors.length > before || !name || !roles || active === undefined || !home || !scope) return;

    let existing = userid ? this.cadreByUserid.get(userid) : undefined;
    if (!existing && mobile) {
      const list = this.cadresByMobile.get(mobile) ?? [];
      if (list.length > 1) {
        this.issue(
          sheet,
          row,
          "mobile",
          "cadre_ambiguous",
          `手机号${mobile}对应${list.length}名干部：${list.map((c) => `${c.name}（${c.userid}）`).join("、")}；请填写企业微信账号`,
        );
        return;
      }
      // A mobile names an existing cadre unless the file gives that cadre another userid.
      const other = list[0];
      if (other && userid && hasWecomAccount(other.userid)) {
        this.issue(
          sheet,
          row,
          "userid",
          "cadre_conflict",
          `手机号${mobile}已属于干部${other.name}（账号${other.userid}），与所填账号“${userid}”不一致；请核对账号或手机号`,
        );
        return;
      }
      if (other) existing = other;
    }
    if (existing && existing.id < 0 && this.changes.cadreCreates.some((c) => c.tempId === existing?.id)) {
      this.issue(
        sheet,
        row,
        userid ? "userid" : "mobile",
        "duplicate_row",
        `与本表前面一行是同一名干部（${existing.name}）`,
      );
      return;
    }
    if (!existing) {
      const write: CadreWrite & { tempId: number } = {
        tempId: this.nextTemp--,
        userid: userid ?? pendingUserid(mobile),
        name,
        mobile: mobile ?? null,
        roles,
        homeRegionId: home.id,
        scopeRegionId: scope.id,
        active,
      };
      if (!userid) this.pendingUserids++;
      this.changes.cadreCreates.push(write);
      this.addCadre({
        id: write.tempId,
        userid: write.userid,
        name,
        mobile: write.mobile,
        homeRegionId: home.id,
        active,
      });
      this.counts.cadres.created++;
      return;
    }
    const old = this.cadreDetail.get(existing.id);
    if (!old) return;
    const data: Partial<CadreWrite> = {};
    if (userid && existing.userid !== userid) data.userid = userid;
    if (old.name !== name) data.name = name;
    if (mobile && old.mobile !== mobile) data.mobile = mobile;
    if (old.roles.length !== roles.length || roles.some((r) => !old.roles.includes(r))) data.roles = roles;
    if (old.homeRegionId !== home.id) data.homeRegionId = home.id;
    if (old.scopeRegionId !== scope.id) data.scopeRegionId = scope.id;
    if (old.active !== active) {
      const sole = active ? 0 : (this.soleGuarantor.get(existing.id) ?? 0);
      if (sole > 0) {
        this.issue(
          sheet,
          row,
          "status",
          "cadre_sole_guarantor",
          `${name}仍是${sole}名人员唯一的在岗包保人；请先用 npx baobao guarantee handover 移交给接替的干部`,
        );
        return;
      }
      data.active = active;
    }
    if (Object.keys(data).length === 0) {
      this.counts.cadres.unchanged++;
      return;
    }
    this.changes.cadreUpdates.push({ id: existing.id, data });
    Object.assign(old, data);
    existing.active = active;
    this.counts.cadres.updated++;
  }

  private readonly cadreDetail = new Map<
    number,
    {
      name: string;
      mobile: string | null;
      roles: CadreRole[];
      homeRegionId: number;
      scopeRegionId: number;
      active: boolean;
    }
  >();

  // ── 管控对象 ──
  private subjectRow(sheet: ReadSheet, row: RawRow, seen: Map<string, number>): void {
    const before = this.errors.length;
    const name = this.required(sheet, row, "name");
    // A masked number (`roster export` without --full-id) identifies nobody: it is accepted for
    // the person its 编号 names when it masks that person's stored number, which it leaves alone.
    const maskedId = MASKED_ID.test(cellText(row.cells.idNumber).trim())
      ? cellText(row.cells.idNumber).trim()
      : null;
    const id = maskedId ? null : this.take(sheet, row, "idNumber", parseIdNumber(row.cells.idNumber));
    let gender = this.take(sheet, row, "gender", parseGender(row.cells.gender));
    let birth = this.take(
      sheet,
      row,
      "birthDate",
      parseDate(row.cells.birthDate, this.header(sheet, "birthDate")),
    );
    if (id) {
      if (gender && gender !== id.gender)
        this.issue(
          sheet,
          row,
          "gender",
          "gender_conflict",
          `性别“${cellText(row.cells.gender)}”与身份证号不符（身份证号为${id.gender === "male" ? "男" : "女"}）`,
        );
      if (birth && birth !== id.birthDate)
        this.issue(
          sheet,
          row,
          "birthDate",
          "birth_date_conflict",
          `出生日期${birth}与身份证号中的${id.birthDate}不符`,
        );
      gender ??= id.gender;
      birth ??= id.birthDate;
    }
    const phone = this.take(sheet, row, "phone", parsePhone(row.cells.phone, this.header(sheet, "phone")));
    const category =
      this.required(sheet, row, "category") === undefined
        ? undefined
        : this.take(sheet, row, "category", parseCategory(row.cells.category));
    const level =
      category === undefined || this.required(sheet, row, "level") === undefined
        ? undefined
        : this.take(sheet, row, "level", parseLevel(category, row.cells.level));
    const status = this.take(sheet, row, "status", parseSubjectStatus(row.cells.status));
    const region = this.subjectRegion(sheet, row);

    // Match: 编号, then the ID number's keyed hash.
    const idHash = id ? this.hash(id.id) : null;
    let existing: RegisterSubject | undefined;
    const number = this.text(row, "number");
    if (number) {
      existing = /^\d{1,9}$/.test(number) ? this.subjectsById.get(Number(number)) : undefined;
      if (!existing)
        this.issue(
          sheet,
          row,
          "number",
          "subject_unknown",
          `编号“${number}”在系统中不存在（编号由本系统导出时生成；新增人员请留空）`,
        );
      else if (idHash && existing.idHash && existing.idHash !== idHash)
        this.issue(
          sheet,
          row,
          "idNumber",
          "id_number_conflict",
          `身份证号与系统中编号${number}的人员（${existing.name}）不一致；如需更正身份证号请用 subject set`,
        );
    }
    if (
      maskedId &&
      existing?.idMasked?.toUpperCase() !== maskedId.toUpperCase() &&
      this.errors.length === before
    )
      this.issue(
        sheet,
        row,
        "idNumber",
        "id_number_masked",
        existing
          ? `打码的身份证号“${maskedId}”与系统中编号${number}的人员（${existing.name}）不一致；如需更正身份证号请用 subject set`
          : "身份证号已打码，无法识别人员；请填写完整的身份证号（roster export --full-id 可导出完整号码）",
      );
    if (!existing && !number && idHash) existing = this.subjectsByHash.get(idHash);
    if (idHash && existing && this.subjectsByHash.get(idHash) && this.subjectsByHash.get(idHash) !== existing)
      this.issue(
        sheet,
        row,
        "idNumber",
        "id_number_conflict",
        `该身份证号已属于系统中另一人（编号${this.subjectsByHash.get(idHash)?.id}）`,
      );
    const key = idHash ?? (existing ? `#${existing.id}` : null);
    if (key) {
      const first = seen.get(key);
      if (first !== undefined)
        this.issue(sheet, row, idHash ? "idNumber" : "number", "duplicate_row", `与第${first}行是同一人`);
      else seen.set(key, row.row);
    }
    // A closed person has no open guarantee: `roster export` leaves 包保责任人 empty for them.
    const leaving = status?.status === "closed" && !this.text(row, "guarantors");
    const guarantors = !region ? undefined : leaving ? [] : this.resolveGuarantors(sheet, row, region);
    if (!existing && status?.status === "paused")
      this.issue(sheet, row, "status", "status_paused", PAUSE_BY_COMMAND);
    if (!id && !existing && this.errors.length === before)
      this.issue(sheet, row, "idNumber", "required", "新增人员请填写身份证号（用于识别同一人，加密保存）");
    if (this.errors.length > before || !name || !category || !level || !status || !region || !guarantors)
      return;

    let subjectId: number;
    const write: SubjectWrite = {
      name,
      idNumber: id?.id ?? null,
      gender: (gender ?? "unknown") as Gender,
      birthDate: birth ? dbDateFromLocalDate(birth) : null,
      phone: phone ?? null,
      address: this.text(row, "address"),
      regionId: region.id,
      category,
      level,
      department: this.text(row, "department"),
      notes: this.text(row, "notes"),
      status: status.status,
      closeReason: status.status === "closed" ? status.reason : null,
    };
    if (!existing) {
      subjectId = this.nextTemp--;
      this.changes.subjectCreates.push({ ...write, tempId: subjectId });
      this.counts.subjects.created++;
    } else {
      subjectId = existing.id;
      const data: Partial<SubjectWrite> = {};
      const fields: string[] = [];
      const set = <K extends keyof SubjectWrite>(k: K, v: SubjectWrite[K], same: boolean) => {
        if (!same) {
          data[k] = v;
          fields.push(k);
        }
      };
      set("name", name, existing.name === name);
      if (id && !existing.idHash) set("idNumber", id.id, false);
      if (gender) set("gender", gender, existing.gender === gender);
      if (birth)
        set(
          "birthDate",
          write.birthDate,
          !!existing.birthDate && localDateFromDbDate(existing.birthDate) === birth,
        );
      if (write.phone) set("phone", write.phone, existing.phone === write.phone);
      if (write.address) set("address", write.address, existing.address === write.address);
      set("regionId", region.id, existing.regionId === region.id);
      set("category", category, existing.category === category);
      set("level", level, existing.level === level);
      if (write.department) set("department", write.department, existing.department === write.department);
      if (write.notes) set("notes", write.notes, existing.notes === write.notes);
      if (status.status === "closed" && existing.status !== "closed") {
        data.status = "closed";
        data.closeReason = status.reason;
        fields.push("status");
      }
      // A pause starts and ends with `subject pause|resume` (its dates live there); the file's
      // 暂停（原因） is accepted for a person who is already paused and changes nothing.
      if (status.status === "paused" && existing.status !== "paused")
        this.issue(sheet, row, "status", "status_paused", PAUSE_BY_COMMAND);
      if (this.errors.length > before) return;
      if (fields.length === 0) this.counts.subjects.unchanged++;
      else {
        this.changes.subjectUpdates.push({ id: existing.id, data, fields });
        this.counts.subjects.updated++;
      }
    }
    if (status.status === "closed" || existing?.status === "closed") return;
    let first = (this.guaranteeCount.get(subjectId) ?? 0) === 0;
    for (const cadre of guarantors) {
      const pair = `${subjectId}:${cadre.id}`;
      if (this.guaranteed.has(pair)) {
        this.counts.guarantees.unchanged++;
        continue;
      }
      this.guaranteed.add(pair);
      this.changes.guaranteeCreates.push({
        subjectId,
        cadreId: cadre.id,
        role: first ? "primary" : "secondary",
      });
      first = false;
      this.counts.guarantees.created++;
    }
  }

  /** 所属乡镇 → 所属村（社区） → 所属网格, each by code or name under the one above. */
  private subjectRegion(sheet: ReadSheet, row: RawRow): RegionNode | undefined {
    const townText = this.text(row, "township");
    let township: RegionNode | undefined;
    if (townText) {
      const r = this.regionByCodeOrName(townText, ["township"]);
      if ("ok" in r) township = r.ok;
      else return void this.issue(sheet, row, "township", r.code, r.message.replace("地区“", "乡镇“"));
    }
    const villageText = this.required(sheet, row, "village");
    if (!villageText) return undefined;
    let village: RegionNode | undefined = this.regions.byCode.get(villageText);
    if (!village) {
      const named = (this.regions.byName.get(villageText) ?? []).filter(
        (n) => n.level === "village" || n.level === "grid",
      );
      const under = township ? named.filter((n) => this.regions.isUnder(n.id, township.id)) : named;
      if (under.length === 1) village = under[0];
      else if (under.length > 1)
        return void this.issue(
          sheet,
          row,
          "village",
          "region_ambiguous",
          `“${villageText}”有${under.length}个同名村（社区）：${this.candidates(under)}；请填写所属乡镇或改填地区编码`,
        );
      else
        return void this.issue(
          sheet,
          row,
          "village",
          "region_unknown",
          `所属村（社区）“${villageText}”${township ? `不在${township.name}之下` : "不在系统的地区列表中"}；请在同一文件中加“地区”工作表列出各村（社区），或先导入地区表，或核对名称`,
        );
    }
    if (!village) return undefined;
    if (township && !this.regions.isUnder(village.id, township.id))
      return void this.issue(
        sheet,
        row,
        "village",
        "region_mismatch",
        `“${village.name}”不属于${township.name}`,
      );
    const gridText = this.text(row, "grid");
    if (!gridText) return village;
    const grid =
      this.regions.byCode.get(gridText) ??
      (this.regions.byName.get(gridText) ?? []).find(
        (n) => n.level === "grid" && this.regions.isUnder(n.id, village.id),
      );
    if (!grid || !this.regions.isUnder(grid.id, village.id))
      return void this.issue(
        sheet,
        row,
        "grid",
        "region_unknown",
        `网格“${gridText}”不在${village.name}之下；请在“地区”工作表中列出网格，或清空该格`,
      );
    return grid;
  }

  /** 包保责任人: each by userid, mobile, or a name unique among the active cadres of the person's township. */
  private resolveGuarantors(sheet: ReadSheet, row: RawRow, region: RegionNode): CadreNode[] | undefined {
    const text = this.required(sheet, row, "guarantors");
    if (!text) return undefined;
    const township = this.regions.townshipOf(region.id);
    const out: CadreNode[] = [];
    let failed = false;
    for (const token of splitList(text)) {
      let cadre = this.cadreByUserid.get(token);
      if (!cadre && /^1\d{10}$/.test(token)) {
        const list = (this.cadresByMobile.get(token) ?? []).filter((c) => c.active);
        cadre = list.length === 1 ? list[0] : undefined;
      }
      if (!cadre) {
        const all = (this.cadresByName.get(token) ?? []).filter((c) => c.active);
        const local = township ? all.filter((c) => this.regions.isUnder(c.homeRegionId, township.id)) : all;
        if (local.length === 1) cadre = local[0];
        else if (local.length > 1) {
          failed = true;
          this.issue(
            sheet,
            row,
            "guarantors",
            "cadre_ambiguous",
            `${township?.name ?? ""}有${local.length}名干部叫“${token}”：${local
              .map(
                (c) =>
                  `${c.name}（账号${hasWecomAccount(c.userid) ? c.userid : "未绑定"}，${this.regions.byId.get(c.homeRegionId)?.name ?? ""}${c.mobile ? `，手机${c.mobile}` : ""}）`,
              )
              .join("、")}；请改填其企业微信账号或手机号`,
          );
          continue;
        } else {
          failed = true;
          this.issue(
            sheet,
            row,
            "guarantors",
            "cadre_unknown",
            `包保责任人“${token}”不在${township ? `${township.name}的` : ""}在岗干部名单中；请在“干部”工作表中添加这位干部，或改填其企业微信账号或手机号`,
          );
          continue;
        }
      }
      if (!cadre) continue;
      if (!cadre.active) {
        failed = true;
        this.issue(
          sheet,
          row,
          "guarantors",
          "cadre_inactive",
          `包保责任人“${token}”（${cadre.name}）已离岗，不能再包保`,
        );
        continue;
      }
      if (!out.includes(cadre)) out.push(cadre);
    }
    if (failed) return undefined;
    if (out.length === 0) {
      this.issue(sheet, row, "guarantors", "required", "请填写包保责任人");
      return undefined;
    }
    return out;
  }
}

/** Ids of the snapshot's cadres that the file sets inactive (to ask who depends on them alone). */
export function cadresSetInactive(read: ReadResult, snapshot: RegisterSnapshot): number[] {
  const byUserid = new Map(snapshot.cadres.map((c) => [c.userid, c.id]));
  const byMobile = new Map(snapshot.cadres.filter((c) => c.mobile).map((c) => [c.mobile, c.id]));
  const ids: number[] = [];
  for (const sheet of read.sheets) {
    if (sheet.kind !== "cadres") continue;
    for (const row of sheet.rows) {
      if (parseCadreStatus(row.cells.status) !== false) continue;
      const id = byUserid.get(cellText(row.cells.userid)) ?? byMobile.get(cellText(row.cells.mobile));
      if (id !== undefined) ids.push(id);
    }
  }
  return ids;
}
