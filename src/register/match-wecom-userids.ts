/**
 * Matches the register's cadres to the members of a WeCom member export (register.md "WeCom
 * userids"): a cadre whose userid is in the export is already bound; the others are matched by
 * exact mobile, then by name within the department (部门 path segments against the cadre's
 * region names). Never guesses: two candidates are listed, and a userid another cadre holds is
 * an error, never overwritten.
 */
import type { ExportedMember } from "./wecom-member-export";
import { normaliseMobile } from "./wecom-member-export";
import { hasWecomAccount, PENDING_USERID_PREFIX } from "../domain/wecom-account";

/** What the register import writes for a cadre imported without a userid (`pending:<mobile>`). */
export { PENDING_USERID_PREFIX };

/** A cadre as the matcher sees it. */
export interface MatchCadre {
  id: number;
  name: string;
  userid: string;
  mobile: string | null;
  /** Home region first, then its ancestors up to the root (names as in the register). */
  regionNames: string[];
}

/**
 * A userid that stands in for one not known yet: the import's `pending:<mobile>`, or the
 * cadre's own mobile used as a temporary userid.
 */
export function isPlaceholderUserid(cadre: Pick<MatchCadre, "userid" | "mobile">): boolean {
  if (!hasWecomAccount(cadre.userid)) return true;
  const mobile = normaliseMobile(cadre.mobile);
  return mobile !== null && normaliseMobile(cadre.userid) === mobile && /^[+\d\s-]+$/.test(cadre.userid);
}

export type MatchBy = "mobile" | "name";

export interface Candidate {
  userid: string;
  name: string;
  departments: string[];
  row: number;
}

export interface MatchOutcome {
  /** Cadres whose userid is already a member of the export (unchanged). */
  bound: { cadre: MatchCadre }[];
  /** Cadres to change: old → new userid. */
  matched: { cadre: MatchCadre; to: string; by: MatchBy; member: Candidate; placeholder: boolean }[];
  unmatched: { cadre: MatchCadre; sameNameElsewhere: Candidate[] }[];
  ambiguous: { cadre: MatchCadre; by: MatchBy; candidates: Candidate[] }[];
  /** The matched userid is held by another cadre, or matched to two cadres of this run. */
  collisions: { cadre: MatchCadre; to: string; by: MatchBy; heldBy: { id: number; name: string } }[];
  /** Members left out as candidates (disabled or left the corp). */
  skippedMembers: number;
}

const normaliseName = (s: string) => s.normalize("NFKC").replace(/[\s\u3000·•.]+/g, "");
const key = (userid: string) => userid.toLowerCase();

/** 部门 segment vs region name: equal, or one the other plus a short suffix (青山村委会, 示范镇人民政府). */
function sameUnit(segment: string, region: string): boolean {
  const a = normaliseName(segment);
  const b = normaliseName(region);
  if (a === "" || b === "") return false;
  if (a === b) return true;
  const [long, short] = a.length > b.length ? [a, b] : [b, a];
  return short.length >= 2 && long.startsWith(short) && long.length - short.length <= 5;
}

const lastSegment = (dept: string) => dept.split(/[/／\\>]/).pop() ?? dept;
const segments = (dept: string) => dept.split(/[/／\\>]/);

/** Members whose account can receive messages (not 已禁用 / 已退出). */
function usable(member: ExportedMember): boolean {
  return !member.status || !/禁用|退出|离职/.test(member.status);
}

function candidate(m: ExportedMember): Candidate {
  return { userid: m.userid, name: m.name, departments: m.departments, row: m.row };
}

/**
 * Plans the userid changes. `heldBy` answers who holds a userid in the register (any cadre,
 * active or not), compared as WeCom does: case-insensitively.
 */
export function matchWecomUserids(
  cadres: readonly MatchCadre[],
  exported: readonly ExportedMember[],
  heldBy: (userid: string) => { id: number; name: string } | undefined,
): MatchOutcome {
  const members = exported.filter(usable);
  const outcome: MatchOutcome = {
    bound: [],
    matched: [],
    unmatched: [],
    ambiguous: [],
    collisions: [],
    skippedMembers: exported.length - members.length,
  };
  const byUserid = new Set(members.map((m) => key(m.userid)));
  const byMobile = new Map<string, ExportedMember[]>();
  const byName = new Map<string, ExportedMember[]>();
  for (const m of members) {
    if (m.mobile) byMobile.set(m.mobile, [...(byMobile.get(m.mobile) ?? []), m]);
    const n = normaliseName(m.name);
    byName.set(n, [...(byName.get(n) ?? []), m]);
  }

  const proposals: { cadre: MatchCadre; member: ExportedMember; by: MatchBy }[] = [];
  for (const cadre of cadres) {
    const placeholder = isPlaceholderUserid(cadre);
    if (!placeholder && byUserid.has(key(cadre.userid))) {
      outcome.bound.push({ cadre });
      continue;
    }
    const mobile = normaliseMobile(cadre.mobile);
    const byPhone = mobile ? (byMobile.get(mobile) ?? []) : [];
    if (byPhone.length > 1) {
      outcome.ambiguous.push({ cadre, by: "mobile", candidates: byPhone.map(candidate) });
      continue;
    }
    const phoneMatch = byPhone[0];
    if (phoneMatch) {
      proposals.push({ cadre, member: phoneMatch, by: "mobile" });
      continue;
    }
    const sameName = byName.get(normaliseName(cadre.name)) ?? [];
    const home = cadre.regionNames[0];
    // The department itself first (its last segment is the cadre's village or township), then
    // any department under one of the cadre's regions.
    const tiers = [
      sameName.filter((m) => home !== undefined && m.departments.some((d) => sameUnit(lastSegment(d), home))),
      sameName.filter((m) =>
        m.departments.some((d) => segments(d).some((s) => home !== undefined && sameUnit(s, home))),
      ),
    ];
    const tier = tiers.find((t) => t.length > 0) ?? [];
    const nameMatch = tier[0];
    if (tier.length > 1) outcome.ambiguous.push({ cadre, by: "name", candidates: tier.map(candidate) });
    else if (nameMatch) proposals.push({ cadre, member: nameMatch, by: "name" });
    else outcome.unmatched.push({ cadre, sameNameElsewhere: sameName.map(candidate) });
  }

  const claims = new Map<string, number>();
  for (const p of proposals) claims.set(key(p.member.userid), (claims.get(key(p.member.userid)) ?? 0) + 1);
  for (const p of proposals) {
    const to = p.member.userid;
    if (key(to) === key(p.cadre.userid)) {
      outcome.bound.push({ cadre: p.cadre });
      continue;
    }
    const holder = heldBy(to);
    if (holder && holder.id !== p.cadre.id) {
      outcome.collisions.push({ cadre: p.cadre, to, by: p.by, heldBy: holder });
      continue;
    }
    if ((claims.get(key(to)) ?? 0) > 1) {
      const other = proposals.find((q) => q !== p && key(q.member.userid) === key(to));
      outcome.collisions.push({
        cadre: p.cadre,
        to,
        by: p.by,
        heldBy: { id: other?.cadre.id ?? 0, name: other?.cadre.name ?? "" },
      });
      continue;
    }
    outcome.matched.push({
      cadre: p.cadre,
      to,
      by: p.by,
      member: candidate(p.member),
      placeholder: isPlaceholderUserid(p.cadre),
    });
  }
  return outcome;
}
