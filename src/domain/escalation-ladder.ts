/**
 * The acknowledgement ladder for incidents (issue 6): who hears of an incident at each rung,
 * how long each rung has to answer `收到`, and where the ladder goes next. Pure: the store
 * supplies candidate cadres, the bot and the ladder job apply the decisions.
 *
 * Steps (stored in `Incident.ladderLevel`):
 * - 0 village: the category's responders (police, 精防医生, 司法所 …) nearest the place, plus the
 *   village leaders covering it;
 * - 1 township: the township leaders covering it;
 * - 2 county: the county admins covering it;
 * - 3 … 2 + MAX_REMINDERS: reminders to everybody notified so far, one per deadline.
 * After the last reminder the ladder stops (the reporter is told to telephone); an
 * acknowledgement, progress or closing stops it at any step.
 */
import type { Category } from "./categories";
import { CATEGORY_LEVELS } from "./categories";
import { hasWecomAccount } from "./wecom-account";

export type IncidentSeverity = "emergency" | "urgent" | "normal";

/** Roles that answer incidents for their line of work. */
export type ResponderRole = "police" | "doctor" | "justice" | "civil_affairs" | "drug_control";
export type LeaderRole = "village_leader" | "township_leader" | "county_admin";
export type LadderRole = ResponderRole | LeaderRole;

/**
 * Who answers for each category (product.md, "escalate at once when"): 精神卫生法 Art 28 (police +
 * 精防医生), 未成年人保护法 Art 11 (police, mandatory; 儿童主任 at civil affairs), 戒毒条例 (police /
 * 禁毒办), 社区矫正法 Art 30 (司法所), 刑满释放 (police + 司法所 for 帮教), elderly (民政), idle youth
 * (police). Petitioners go to the township 综治中心, i.e. the township leaders, at once.
 */
export const CATEGORY_RESPONDER_ROLES: Readonly<Record<Category, readonly LadderRole[]>> = {
  mental_disorder: ["police", "doctor"],
  left_behind_child: ["police", "civil_affairs"],
  drug_rehab: ["police", "drug_control"],
  community_correction: ["justice"],
  released_prisoner: ["police", "justice"],
  elderly_alone: ["civil_affairs"],
  idle_youth: ["police"],
  petitioner: ["township_leader"],
};

/** Guarantee roles (the register's named police, doctor …) that match a responder role. */
const GUARANTEE_ROLE_OF: Partial<Record<LadderRole, string>> = {
  police: "police",
  doctor: "doctor",
  justice: "justice",
  civil_affairs: "civil_affairs",
};

export const TOP_RUNG = 2;
/** Reminders after the top rung before the ladder stops: 30 minutes for an emergency. */
export const MAX_REMINDERS = 6;
export const LAST_STEP = TOP_RUNG + MAX_REMINDERS;

export const RUNG_NAMES = ["village", "township", "county"] as const;

export interface AckDeadlines {
  emergencyMs: number;
  urgentMs: number;
}

export const DEFAULT_ACK_DEADLINES: AckDeadlines = { emergencyMs: 5 * 60_000, urgentMs: 30 * 60_000 };

/** How long a step has to be acknowledged; null when the severity has no ladder (normal). */
export function ackDeadlineMs(severity: IncidentSeverity, deadlines: AckDeadlines): number | null {
  if (severity === "emergency") return deadlines.emergencyMs;
  if (severity === "urgent") return deadlines.urgentMs;
  return null;
}

/** The roles a rung notifies for an incident of this category (null: nobody identified). */
export function rungRoles(rung: number, category: Category | null): LadderRole[] {
  switch (rung) {
    case 0:
      return [...(category ? CATEGORY_RESPONDER_ROLES[category] : []), "village_leader"];
    case 1:
      return ["township_leader"];
    case 2:
      return ["county_admin"];
    default:
      return [];
  }
}

/** An active cadre whose scope covers the incident's place. */
export interface LadderCandidate {
  id: number;
  userid: string;
  name: string;
  roles: readonly string[];
  /** Depth of the cadre's scope region in the tree (county 1, township 2, village 3 …). */
  scopeDepth: number;
  /** Roles this cadre holds on the register for the incident's person (Guarantee.role). */
  guaranteeRoles: readonly string[];
}

export interface LadderRecipient {
  id: number;
  userid: string;
  name: string;
  /** The role the cadre is notified in. */
  role: LadderRole;
}

/**
 * The cadres a rung notifies, responders first (in the category's order), then leaders. For a
 * responder role the person's own named responders win (their 包保 police or doctor); without
 * them, the cadres with that role whose scope is nearest the place (deepest). Leaders: all those
 * covering the place. Never the reporter, never anybody already notified, never a cadre without
 * a WeCom account (imported as `pending:<mobile>`): such a responder is passed over as if absent,
 * so the role falls to the nearest cadre who can be reached, or the rung is skipped.
 */
export function rungRecipients(
  rung: number,
  category: Category | null,
  candidates: readonly LadderCandidate[],
  exclude: ReadonlySet<number>,
): LadderRecipient[] {
  return pickForRoles(rungRoles(rung, category), candidates, exclude);
}

/** The cadres for `roles`, by the rules of {@link rungRecipients}. */
export function pickForRoles(
  roles: readonly LadderRole[],
  candidates: readonly LadderCandidate[],
  exclude: ReadonlySet<number>,
): LadderRecipient[] {
  const out: LadderRecipient[] = [];
  const taken = new Set<number>();
  const add = (c: LadderCandidate, role: LadderRole) => {
    if (taken.has(c.id) || exclude.has(c.id)) return;
    taken.add(c.id);
    out.push({ id: c.id, userid: c.userid, name: c.name, role });
  };
  const reachable = candidates.filter((c) => hasWecomAccount(c.userid));
  for (const role of roles) {
    const holders = reachable.filter((c) => c.roles.includes(role));
    const isLeader = role === "village_leader" || role === "township_leader" || role === "county_admin";
    if (isLeader) {
      for (const c of holders) add(c, role);
      continue;
    }
    const named = GUARANTEE_ROLE_OF[role];
    const own = named ? holders.filter((c) => c.guaranteeRoles.includes(named)) : [];
    if (own.length > 0) {
      for (const c of own) add(c, role);
      continue;
    }
    const nearest = Math.max(-1, ...holders.map((c) => c.scopeDepth));
    for (const c of holders) if (c.scopeDepth === nearest) add(c, role);
  }
  return out;
}

/** What to do at a step: notify new people on a rung, remind the notified, or stop. */
export type LadderMove =
  | { kind: "notify"; step: number; recipients: LadderRecipient[] }
  | { kind: "remind"; step: number; reminder: number }
  | { kind: "exhausted"; step: number };

/**
 * The first move at or after `fromStep`: the first rung (from `fromStep` up) with somebody new to
 * notify — empty rungs are skipped — else a reminder (when somebody was notified at all), else
 * the ladder is exhausted. `notified` is everybody notified so far (and the reporter).
 */
export function nextMove(input: {
  fromStep: number;
  category: Category | null;
  candidates: readonly LadderCandidate[];
  exclude: ReadonlySet<number>;
  anyNotified: boolean;
}): LadderMove {
  for (let rung = input.fromStep; rung <= TOP_RUNG; rung++) {
    const recipients = rungRecipients(rung, input.category, input.candidates, input.exclude);
    if (recipients.length > 0) return { kind: "notify", step: rung, recipients };
  }
  const step = Math.max(input.fromStep, TOP_RUNG + 1);
  if (!input.anyNotified || step > LAST_STEP) return { kind: "exhausted", step: Math.min(step, LAST_STEP) };
  return { kind: "remind", step, reminder: step - TOP_RUNG };
}

/** Chinese names of the rungs, for templates. */
export const RUNG_LABELS: readonly string[] = ["村级", "乡镇", "县级"];

/** The rung label of a step (reminders count as the top rung). */
export function rungLabel(step: number): string {
  return RUNG_LABELS[Math.min(step, TOP_RUNG)] ?? "";
}

/**
 * Anomalies that turn an abnormal visit into an urgent incident at once, by category (product.md
 * "escalate at once when"). Harm to self or others is grave in every category.
 */
const GRAVE_ANOMALIES: Readonly<Record<Category, readonly string[]>> = {
  mental_disorder: ["threat", "lost_contact"],
  drug_rehab: ["relapse", "left_unreported", "lost_contact"],
  community_correction: ["lost_contact", "left_unreported"],
  released_prisoner: ["lost_contact", "suspected_crime"],
  left_behind_child: ["living_alone", "lost_contact", "suspected_abuse"],
  elderly_alone: ["lost_contact", "injury"],
  idle_youth: ["suspected_crime", "lost_contact"],
  petitioner: ["petition", "threat"],
};
const GRAVE_EVERYWHERE = ["violence", "self_harm", "suspected_abuse"];

/** The grave anomalies among `anomalies` for a person of `category` (empty: not grave). */
export function graveAnomalies(category: Category, anomalies: readonly string[]): string[] {
  const grave = new Set([...GRAVE_EVERYWHERE, ...GRAVE_ANOMALIES[category]]);
  return anomalies.filter((a) => grave.has(a));
}

/** The next more severe level of a category, or null at the top (or for an unknown code). */
export function nextHigherLevel(category: Category, level: string): string | null {
  const levels = CATEGORY_LEVELS[category];
  const i = levels.findIndex((l) => l.code === level);
  if (i <= 0) return null;
  // Levels are listed most severe first; equal severities (risk4/risk5) still step one code up.
  return levels[i - 1]!.code;
}

/**
 * Who decides a level proposal: the department that owns the category's assessment (精防医生 for
 * the 危险性评估, 禁毒办 and police for drug rehabilitation, 司法所 for correction and 帮教, 民政 for
 * children and the elderly, police for idle youth, the township 综治中心 for petitioners).
 */
export const LEVEL_DECIDER_ROLES: Readonly<Record<Category, readonly LadderRole[]>> = {
  mental_disorder: ["doctor"],
  drug_rehab: ["drug_control", "police"],
  community_correction: ["justice"],
  released_prisoner: ["justice"],
  left_behind_child: ["civil_affairs"],
  elderly_alone: ["civil_affairs"],
  idle_youth: ["police"],
  petitioner: ["township_leader"],
};

/** Chinese names of the ladder roles, for replies. */
export const LADDER_ROLE_LABELS: Readonly<Record<LadderRole, string>> = {
  police: "派出所民警",
  doctor: "精防医生",
  justice: "司法所",
  civil_affairs: "民政（儿童主任）",
  drug_control: "禁毒办",
  village_leader: "村负责人",
  township_leader: "乡镇领导",
  county_admin: "县级管理员",
};
