/** One coded reason why a person was not met. */
export interface NotMetReasonDefinition {
  readonly code: string;
  readonly label: string;
  readonly words: readonly string[];
}

/**
 * Why the cadre did not meet the person (`3 未见 外出务工`). Matched in the note of a `not_met`
 * visit only; some outcome words carry their reason themselves (外出务工, 走访不遇, 不在家).
 */
export const NOT_MET_REASONS = [
  {
    code: "working_away",
    label: "外出务工",
    words: ["外出务工", "外出打工", "务工", "打工", "在外地", "去外地", "外地"],
  },
  { code: "hospitalised", label: "住院", words: ["住院", "在医院", "医院"] },
  {
    code: "not_home",
    label: "走访不遇",
    words: [
      "走访不遇",
      "不遇",
      "不在家",
      "家中无人",
      "无人在家",
      "没人在家",
      "锁门",
      "大门紧锁",
      "没人开门",
      "无人应答",
    ],
  },
  {
    code: "visiting_relatives",
    label: "走亲访友",
    words: ["走亲戚", "走亲访友", "探亲", "回老家", "去亲戚家", "串门"],
  },
  { code: "at_work", label: "在外劳作", words: ["上班", "干活", "下地", "出工"] },
  { code: "at_school", label: "在校", words: ["上学", "在校", "住校", "在学校"] },
  { code: "moved_away", label: "已搬离", words: ["搬走", "已搬走", "搬家", "搬离", "迁出", "外迁"] },
  {
    code: "in_custody",
    label: "羁押服刑",
    words: ["羁押", "拘留", "被拘", "在押", "收监", "服刑", "看守所", "监狱", "强制隔离戒毒", "强戒"],
  },
  {
    code: "refused",
    label: "拒绝见面",
    words: ["拒绝见面", "拒见", "拒访", "拒绝走访", "不开门", "不让进", "不愿见面"],
  },
  { code: "deceased", label: "已去世", words: ["去世", "死亡", "已故", "病故", "过世", "离世"] },
] as const satisfies readonly NotMetReasonDefinition[];

/** A coded not-met reason, e.g. `working_away`. */
export type NotMetReason = (typeof NOT_MET_REASONS)[number]["code"];

/** Chinese label of each not-met reason. */
export const NOT_MET_REASON_LABELS: Readonly<Record<NotMetReason, string>> = Object.fromEntries(
  NOT_MET_REASONS.map((reason) => [reason.code, reason.label]),
) as Record<NotMetReason, string>;
