/**
 * Every user-facing word the domain owns, in Simplified Chinese. Sentences the bot says live in
 * `templates/`; these are the short names the templates and reports insert (category names,
 * level labels, states, escalation rungs).
 */

import type { CadreRoleCode } from "./cadre-roles";
import type { Category } from "./categories";

/** Short category names for cards and reports (e.g. `精神障碍·风险2级`). */
export const CATEGORY_LABELS: Readonly<Record<Category, string>> = {
  mental_disorder: "精神障碍",
  drug_rehab: "社区戒毒",
  community_correction: "社区矫正",
  released_prisoner: "刑满释放",
  left_behind_child: "留守儿童",
  elderly_alone: "独居老人",
  idle_youth: "闲散青少年",
  petitioner: "重点信访",
};

/** Full register names, for exports and the operator CLI. */
export const CATEGORY_FULL_LABELS: Readonly<Record<Category, string>> = {
  mental_disorder: "严重精神障碍患者",
  drug_rehab: "社区戒毒社区康复人员",
  community_correction: "社区矫正对象",
  released_prisoner: "刑满释放人员",
  left_behind_child: "农村留守儿童和困境儿童",
  elderly_alone: "独居空巢老人",
  idle_youth: "社会闲散青少年",
  petitioner: "重点信访人员",
};

/**
 * Cadre roles as the operator reads them (`cadre list`, exports); `roster import` reads these
 * words back (besides the positions townships write, e.g. 村书记, 网格员).
 */
export const CADRE_ROLE_LABELS: Readonly<Record<CadreRoleCode, string>> = {
  guarantor: "包保干部",
  village_leader: "村（社区）负责人",
  township_leader: "乡镇领导",
  county_admin: "县级管理员",
  police: "社区民警",
  doctor: "精防医生",
  justice: "司法所",
  civil_affairs: "民政（儿童主任）",
  drug_control: "禁毒办",
  volunteer: "志愿者",
  teacher: "教师",
};

/** Level labels per category; the keys are the level codes stored in `Subject.level`. */
export const LEVEL_LABELS: Readonly<Record<Category, Readonly<Record<string, string>>>> = {
  mental_disorder: {
    risk5: "风险5级",
    risk4: "风险4级",
    risk3: "风险3级",
    risk2: "风险2级",
    risk1: "风险1级",
    risk0: "风险0级",
  },
  drug_rehab: { high: "高风险", medium: "中风险", low: "低风险" },
  community_correction: { strict: "严管", normal: "普管", lenient: "宽管" },
  released_prisoner: { key: "重点", ordinary: "一般" },
  left_behind_child: { key: "重点", ordinary: "一般" },
  elderly_alone: { high: "高风险", key: "重点", ordinary: "一般" },
  idle_youth: { key: "重点", ordinary: "一般" },
  petitioner: { key: "重点", ordinary: "一般" },
};

/** Label used for the wildcard level `*` in policy tables. */
export const ANY_LEVEL_LABEL = "所有等级";

/** Label used for the wildcard region `*` in policy tables. */
export const ANY_REGION_LABEL = "全域";

/** How a visit was made (VisitMethod). */
export const VISIT_METHOD_LABELS = {
  in_person: "上门走访",
  phone: "电话联系",
  video: "视频联系",
} as const;

/** What a policy requires (PolicyMethod). */
export const POLICY_METHOD_LABELS = {
  in_person: "上门",
  phone: "电话或视频（上门亦可）",
  any: "方式不限",
} as const;

/** Period names as in `每周`, `每月`. */
export const PERIOD_LABELS = {
  week: "每周",
  month: "每月",
  quarter: "每季度",
  year: "每年",
  days: "每隔",
} as const;

/** The current period as a cadre reads it on the card (`本周应访`). */
export const CURRENT_PERIOD_LABELS = {
  week: "本周",
  month: "本月",
  quarter: "本季度",
  year: "本年",
  days: "近期",
} as const;

/** Whether one guarantor's visit suffices or each guarantor must visit. */
export const GUARANTOR_RULE_LABELS = {
  any: "任一包保人走访即可",
  each: "每位包保人均须走访",
} as const;

/** Obligation states (ObligationState). */
export const OBLIGATION_STATE_LABELS = {
  done: "已完成",
  due: "应访",
  overdue: "已逾期",
  paused: "暂停管理",
  closed: "已销档",
  no_policy: "未配置走访要求",
} as const;

/** Who hears about repeated misses (EscalationRung). */
export const ESCALATION_RUNG_LABELS = {
  guarantor: "提醒包保人",
  village_leader: "报村（社区）负责人",
  township_leader: "报乡镇（街道）领导",
} as const;

/** Where a day's working/non-working status came from (DaySource). */
export const DAY_SOURCE_LABELS = {
  override: "管理员设置",
  official: "国务院放假安排",
  weekday_fallback: "未收录放假安排，按周一至周五推算",
} as const;

/** Warning when a year's statutory holiday schedule is unknown to the calendar. */
export function formatScheduleMissingWarning(year: number): string {
  return `${year}年法定节假日和调休安排未收录，${year}年暂按周一至周五为工作日计算（节假日照常推送走访卡片）；请导入国务院办公厅公布的${year}年放假安排：npx baobao calendar import 通知.txt`;
}

/** Warning when subjects have no cadence policy (unknown level, or the table lacks a row). */
export function formatNoPolicyWarning(count: number): string {
  return `${count}名人员未匹配到走访要求（类别或等级无对应规则），不会出现在走访清单中，请检查等级或走访规则配置。`;
}

/** Warning when subjects have no active guarantor. */
export function formatUnassignedWarning(count: number): string {
  return `${count}名人员当前没有在岗包保人，应访任务无人接收，请尽快指定包保人。`;
}

/** At most this many cadre names in a warning, then `等`. */
const WARNING_NAMES = 5;

function namesSample(count: number, names: readonly string[]): string {
  return `${names.slice(0, WARNING_NAMES).join("、")}${count > WARNING_NAMES ? "等" : ""}`;
}

/** Warning when guarantors with people due have no WeCom account yet (plan, db status). */
export function formatNoWecomAccountWarning(count: number, names: readonly string[]): string {
  return `${count}位干部尚无企业微信账号，名下有在管人员，收不到走访卡片和提醒：${namesSample(count, names)}（请运行 npx baobao roster match-wecom）`;
}

/** Warning of a push that left out cadres without a WeCom account. */
export function formatNotPushedWarning(count: number, names: readonly string[]): string {
  return `${count}位干部尚无企业微信账号，未推送：${namesSample(count, names)}（请运行 npx baobao roster match-wecom）`;
}

/** `精神障碍·风险2级`; an unknown level code is shown as is. */
export function formatCategoryLevel(category: Category, level: string): string {
  const levelLabel = LEVEL_LABELS[category][level] ?? level;
  return `${CATEGORY_LABELS[category]}·${levelLabel}`;
}

/** ISO weekday names, Monday first: `WEEKDAY_LABELS[isoWeekday - 1]` (`周二`). */
export const WEEKDAY_LABELS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"] as const;

/** Region levels (RegionLevel) in the register's 级别 column; a village named …社区 is `社区`. */
export const REGION_LEVEL_LABELS = {
  province: "省",
  city: "市",
  county: "县",
  township: "乡镇",
  village: "村",
  grid: "网格",
} as const;

/** A cadre's 状态 in the register workbook. */
export const CADRE_STATUS_LABELS = { active: "在岗", inactive: "停用" } as const;

/**
 * A person's 状态 in the register workbook: 在管, 暂停（原因）, 已解除. `roster import` maps
 * 已解除 (like 已撤管/死亡/迁出) to closed and `暂停（…）` to paused with that reason.
 */
export const SUBJECT_STATUS_LABELS = { active: "在管", paused: "暂停", closed: "已解除" } as const;

/** `暂停（住院）`, or `暂停` without a reason. */
export function formatPausedStatus(reason: string | null): string {
  return reason ? `${SUBJECT_STATUS_LABELS.paused}（${reason}）` : SUBJECT_STATUS_LABELS.paused;
}

/** Gender (Gender) as the register writes it; unknown is left empty. */
export const GENDER_LABELS = { male: "男", female: "女", unknown: "" } as const;
