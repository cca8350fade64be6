import {
  CADRE_ROLE_LABELS,
  CADRE_STATUS_LABELS,
  CATEGORY_FULL_LABELS,
  formatPausedStatus,
  GENDER_LABELS,
  LEVEL_LABELS,
  REGION_LEVEL_LABELS,
  SUBJECT_STATUS_LABELS,
} from "../domain/labels";
import { localDateFromDbDate } from "../domain/local-date";
import { buildRegionTree } from "../planning/region-tree";
import { addStreamedSheet, openWorkbookFile, type SheetColumn } from "../reports/xlsx-cells";
import type { PlanRegion } from "../store/plan-input-repository";
import type { ExportCadre, ExportSubject } from "../store/register-export-repository";
import type { Repos } from "../store/store";
import { formatClosedStatus } from "./cell-values";
import { regionPlaces } from "./region-places";
import { REGISTER_COLUMNS, REGISTER_SHEETS, type RegisterSheetKind } from "./register-columns";

/** Rows per read: a page of people with their guarantors. */
export const EXPORT_PAGE_SIZE = 1000;

/** Columns written as Excel text cells: codes, account names, ID numbers, phones, dates. */
const TEXT_KEYS: Readonly<Record<RegisterSheetKind, readonly string[]>> = {
  regions: ["code", "parentCode"],
  cadres: ["userid", "mobile"],
  subjects: ["number", "idNumber", "birthDate", "phone"],
};

const WIDTHS: Readonly<Record<string, number>> = {
  code: 16,
  name: 12,
  parentCode: 16,
  userid: 18,
  mobile: 14,
  roles: 24,
  homeRegion: 16,
  scopeRegion: 16,
  idNumber: 22,
  birthDate: 12,
  phone: 14,
  address: 28,
  village: 16,
  grid: 14,
  category: 22,
  guarantors: 22,
  department: 14,
  status: 14,
  notes: 24,
};

/** The sheet's canonical columns (register-columns.ts), with widths and text formats. */
function sheetColumns(kind: RegisterSheetKind): SheetColumn[] {
  return REGISTER_COLUMNS[kind].map((c) => ({
    header: c.header,
    width: WIDTHS[c.key] ?? 10,
    text: TEXT_KEYS[kind].includes(c.key),
  }));
}

export interface RosterExportRequest {
  file: string;
  /** The subtree to export; absent: the whole register. */
  root: PlanRegion | null;
  /** The day whose open guarantees are written (the operator's today). */
  on: Date;
  /** Decrypts an ID number (`--full-id`); absent: masked numbers only. */
  decrypt?: (box: string) => string;
  pageSize?: number;
  onProgress?: (people: number) => void;
}

export interface RosterExportCounts {
  regions: number;
  cadres: number;
  subjects: number;
}

/**
 * Writes the register workbook in the layout `roster import` reads: the sheets 地区, 干部,
 * 管控对象 with the canonical headers in template order, values in the words the import maps
 * (categories, levels, roles, states), guarantors as userids, 编号 = the person's id, ID numbers
 * masked unless `decrypt` is given. Streamed: people are read a page at a time.
 */
export async function writeRosterWorkbook(
  repos: Pick<Repos, "planInputs" | "registerExport">,
  request: RosterExportRequest,
): Promise<RosterExportCounts> {
  const pageSize = request.pageSize ?? EXPORT_PAGE_SIZE;
  const tree = buildRegionTree(await repos.planInputs.listRegions());
  const places = regionPlaces(tree);
  const rootPath = request.root?.path ?? "/";
  const out = openWorkbookFile(request.file);
  const { workbook } = out;
  const counts: RosterExportCounts = { regions: 0, cadres: 0, subjects: 0 };

  const regions = addStreamedSheet(workbook, REGISTER_SHEETS.regions.name, sheetColumns("regions"));
  for (const r of places.subtree(request.root)) {
    const level = r.level === "village" && r.name.endsWith("社区") ? "社区" : REGION_LEVEL_LABELS[r.level];
    const parent = r.parentId === null ? undefined : tree.byId.get(r.parentId);
    regions.addRow([r.code, r.name, level, parent?.code ?? ""]).commit();
    counts.regions++;
  }
  regions.commit();

  const cadres = addStreamedSheet(workbook, REGISTER_SHEETS.cadres.name, sheetColumns("cadres"));
  for (let after = 0; ; ) {
    const page = await repos.registerExport.cadrePage(rootPath, after, pageSize);
    for (const c of page) {
      cadres.addRow(cadreRow(c, places)).commit();
      counts.cadres++;
    }
    out.check();
    const last = page.at(-1);
    if (!last || page.length < pageSize) break;
    after = last.id;
  }
  cadres.commit();

  const subjects = addStreamedSheet(workbook, REGISTER_SHEETS.subjects.name, sheetColumns("subjects"));
  for (let after = 0; ; ) {
    const page = await repos.registerExport.subjectPage(rootPath, after, pageSize, {
      on: request.on,
      withCipher: request.decrypt !== undefined,
    });
    for (const s of page) {
      subjects.addRow(subjectRow(s, places, request.decrypt)).commit();
      counts.subjects++;
    }
    out.check();
    request.onProgress?.(counts.subjects);
    const last = page.at(-1);
    if (!last || page.length < pageSize) break;
    after = last.id;
  }
  subjects.commit();
  await out.finish();
  return counts;
}

function cadreRow(c: ExportCadre, places: ReturnType<typeof regionPlaces>): string[] {
  return [
    c.name,
    c.userid,
    c.mobile ?? "",
    c.roles.map((r) => CADRE_ROLE_LABELS[r]).join("，"),
    places.refOf(c.homeRegionId),
    places.refOf(c.scopeRegionId),
    c.active ? CADRE_STATUS_LABELS.active : CADRE_STATUS_LABELS.inactive,
  ];
}

function subjectRow(
  s: ExportSubject,
  places: ReturnType<typeof regionPlaces>,
  decrypt: ((box: string) => string) | undefined,
): string[] {
  const place = places.placeOf(s.regionId);
  const idNumber = decrypt && s.idCipher ? decrypt(s.idCipher) : (s.idMasked ?? "");
  const status =
    s.status === "paused"
      ? formatPausedStatus(s.pauseReason)
      : s.status === "closed"
        ? formatClosedStatus(s.closeReason)
        : SUBJECT_STATUS_LABELS[s.status];
  return [
    String(s.id),
    s.name,
    idNumber,
    GENDER_LABELS[s.gender],
    s.birthDate ? localDateFromDbDate(s.birthDate) : "",
    s.phone ?? "",
    s.address ?? "",
    place.township,
    place.village,
    place.grid,
    CATEGORY_FULL_LABELS[s.category],
    LEVEL_LABELS[s.category][s.level] ?? s.level,
    s.guarantors.join("、"),
    s.department ?? "",
    status,
    s.notes ?? "",
  ];
}
