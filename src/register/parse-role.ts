/**
 * Roles as townships write them (register.md: 角色/职务/身份 with positions such as 村书记,
 * 网格员, 社区民警, 精防医生, 司法所, 综治办主任) → role codes. One table for `cadre add|set` and
 * the register import. A position names one role; several are separated by 、，,/ or spaces.
 */
import { CADRE_ROLES, type CadreRoleCode } from "../domain/cadre-roles";
import { CADRE_ROLE_LABELS } from "../domain/labels";

/** Positions and words → role (compared without spaces and with half-width brackets). */
const ROLE_WORDS: readonly [string, CadreRoleCode][] = [
  ["包保干部", "guarantor"],
  ["包保人", "guarantor"],
  ["包保责任人", "guarantor"],
  ["包保", "guarantor"],
  ["村干部", "guarantor"],
  ["社区干部", "guarantor"],
  ["乡镇干部", "guarantor"],
  ["镇干部", "guarantor"],
  ["网格员", "guarantor"],
  ["专职网格员", "guarantor"],
  ["兼职网格员", "guarantor"],
  ["网格长", "guarantor"],
  ["村书记", "village_leader"],
  ["村支书", "village_leader"],
  ["村党支部书记", "village_leader"],
  ["村主任", "village_leader"],
  ["村委会主任", "village_leader"],
  ["社区书记", "village_leader"],
  ["社区主任", "village_leader"],
  ["村(社区)书记", "village_leader"],
  ["村(社区)负责人", "village_leader"],
  ["村负责人", "village_leader"],
  ["社区负责人", "village_leader"],
  ["乡镇领导", "township_leader"],
  ["镇领导", "township_leader"],
  ["镇长", "township_leader"],
  ["乡长", "township_leader"],
  ["镇党委书记", "township_leader"],
  ["政法委员", "township_leader"],
  ["综治办主任", "township_leader"],
  ["综治中心主任", "township_leader"],
  ["县级管理员", "county_admin"],
  ["县综治中心", "county_admin"],
  ["县管理员", "county_admin"],
  ["社区民警", "police"],
  ["民警", "police"],
  ["片警", "police"],
  ["派出所", "police"],
  ["公安", "police"],
  ["精防医生", "doctor"],
  ["精防人员", "doctor"],
  ["村医", "doctor"],
  ["乡村医生", "doctor"],
  ["家庭医生", "doctor"],
  ["医生", "doctor"],
  ["卫健", "doctor"],
  ["司法所", "justice"],
  ["司法所长", "justice"],
  ["司法助理员", "justice"],
  ["司法", "justice"],
  ["民政", "civil_affairs"],
  ["民政专干", "civil_affairs"],
  ["儿童主任", "civil_affairs"],
  ["儿童督导员", "civil_affairs"],
  ["禁毒办", "drug_control"],
  ["禁毒专干", "drug_control"],
  ["禁毒社工", "drug_control"],
  ["志愿者", "volunteer"],
  ["教师", "teacher"],
  ["老师", "teacher"],
  ["班主任", "teacher"],
];

function normaliseWord(word: string): string {
  return word.replace(/\s+/g, "").replace(/（/g, "(").replace(/）/g, ")").toLowerCase();
}

const LOOKUP: ReadonlyMap<string, CadreRoleCode> = new Map([
  ...CADRE_ROLES.map((code) => [code, code] as const),
  ...CADRE_ROLES.map((code) => [normaliseWord(CADRE_ROLE_LABELS[code]), code] as const),
  ...ROLE_WORDS.map(([word, code]) => [normaliseWord(word), code] as const),
]);

/** What `parseRoles` accepts, for error messages. */
export const ROLE_HINT = `${CADRE_ROLES.map((c) => CADRE_ROLE_LABELS[c]).join("、")}（或村书记、网格员、社区民警、司法所、综治办主任等职务，或英文代码 ${CADRE_ROLES.join("/")}）`;

/** One role word or code → role; undefined when not understood. */
export function parseRole(word: string): CadreRoleCode | undefined {
  return LOOKUP.get(normaliseWord(word));
}

export type ParsedRoles = { ok: true; roles: CadreRoleCode[] } | { ok: false; unknown: string[] };

/** `村书记、网格员` → the distinct roles in order; the words not understood otherwise. */
export function parseRoles(text: string): ParsedRoles {
  const words = text
    .split(/[、，,/／;；\s]+/)
    .map((w) => w.trim())
    .filter(Boolean);
  const roles: CadreRoleCode[] = [];
  const unknown: string[] = [];
  for (const word of words) {
    const role = parseRole(word);
    if (!role) unknown.push(word);
    else if (!roles.includes(role)) roles.push(role);
  }
  if (unknown.length > 0 || roles.length === 0)
    return { ok: false, unknown: unknown.length ? unknown : [text] };
  return { ok: true, roles };
}
