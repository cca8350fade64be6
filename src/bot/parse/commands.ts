import type { IncidentSeverity } from "./parsed-command";

/**
 * How the rest of the message after a command word is read:
 * - `none`: the whole message is the command word (`任务`, `本周`, `确认`);
 * - `optional-number`: an optional list number (`撤销`, `撤销 2`);
 * - `visit`: a full visit report (`更正 2 异常 情绪激动`);
 * - `incident`: who or where, then what (`紧急 张三 持刀 在村口`);
 * - `optional-incident`: an optional incident number and note (`收到`, `收到 E12 马上到`);
 * - `incident-note`: an incident number, then a note (`处理 E12 已送医`);
 * - `level-decision`: a proposal number, then 确认 or 不调整 (`定级 P3 确认`).
 */
export type ArgumentGrammar =
  | "none"
  | "optional-number"
  | "visit"
  | "incident"
  | "optional-incident"
  | "incident-note"
  | "level-decision";

/** Commands that take no arguments: the whole message is one of their words. */
export type SimpleCommandKind = "tasks" | "week" | "help" | "stats" | "overdue" | "confirm" | "cancel";

/** One row of the command table: its kind, how its arguments are read, and its words. */
export type CommandDefinition = {
  /** Words as they appear after normalisation, lower-case; the longest match wins. */
  readonly words: readonly string[];
} & (
  | { readonly kind: SimpleCommandKind; readonly args: "none" }
  | { readonly kind: "withdraw"; readonly args: "optional-number" }
  | { readonly kind: "correct"; readonly args: "visit" }
  | { readonly kind: "incident"; readonly args: "incident"; readonly severity: IncidentSeverity }
  | { readonly kind: "ack"; readonly args: "optional-incident" }
  | { readonly kind: "progress" | "close"; readonly args: "incident-note" }
  | { readonly kind: "level"; readonly args: "level-decision" }
);

/**
 * The command table. A message is matched against it after normalisation; whatever matches no row
 * is read as a visit report (`1 正常`), a bare number (`choose`), or is unknown.
 */
export const COMMANDS: readonly CommandDefinition[] = [
  {
    kind: "tasks",
    args: "none",
    words: [
      "任务",
      "今天",
      "今日",
      "清单",
      "列表",
      "名单",
      "今日任务",
      "今天任务",
      "今天的任务",
      "我的任务",
      "任务清单",
      "走访清单",
      "今日清单",
      "今日走访",
      "今天走访",
      "今天走访谁",
      "查看任务",
      "查任务",
    ],
  },
  {
    kind: "week",
    args: "none",
    words: [
      "本周",
      "这周",
      "本周任务",
      "这周任务",
      "本周的任务",
      "本星期",
      "这星期",
      "本周进度",
      "周任务",
      "本周情况",
    ],
  },
  {
    kind: "help",
    args: "none",
    words: [
      "帮助",
      "帮组",
      "怎么用",
      "如何使用",
      "使用说明",
      "说明",
      "菜单",
      "用法",
      "指令",
      "命令",
      "help",
      "不会用",
      "怎么填",
      "怎么回复",
      "怎么登记",
      "?",
    ],
  },
  {
    kind: "stats",
    args: "none",
    words: ["统计", "汇总", "今日统计", "今天统计", "今日汇总", "统计数据", "情况汇总", "今日情况"],
  },
  {
    kind: "overdue",
    args: "none",
    words: [
      "逾期",
      "逾期名单",
      "逾期人员",
      "逾期清单",
      "超期",
      "超期名单",
      "谁逾期了",
      "哪些逾期",
      "逾期未访",
    ],
  },
  {
    kind: "confirm",
    args: "none",
    words: [
      "确认",
      "确定",
      "确认登记",
      "是",
      "是的",
      "对",
      "对的",
      "没错",
      "好",
      "好的",
      "可以",
      "行",
      "ok",
      "okay",
      "yes",
      "y",
    ],
  },
  {
    kind: "cancel",
    args: "none",
    words: ["取消", "不", "否", "不是", "不对", "不要", "不用", "不用了", "算了", "放弃", "错了", "no", "n"],
  },
  { kind: "withdraw", args: "optional-number", words: ["撤销", "撤回", "撤消", "撤销登记", "撤回登记"] },
  { kind: "correct", args: "visit", words: ["更正", "改正", "纠正", "修改", "修正", "更改"] },
  {
    kind: "incident",
    args: "incident",
    severity: "emergency",
    words: [
      "紧急",
      "紧急情况",
      "紧急事件",
      "急",
      "急急",
      "急急急",
      "报警",
      "突发",
      "突发事件",
      "突发情况",
      "救命",
      "求救",
    ],
  },
  {
    kind: "incident",
    args: "incident",
    severity: "normal",
    words: ["事件", "报告", "上报", "上报事件", "报告事件"],
  },
  { kind: "ack", args: "optional-incident", words: ["收到", "收到了", "已收到", "收悉", "知悉", "已知悉"] },
  {
    kind: "progress",
    args: "incident-note",
    words: ["处理", "处理中", "正在处理", "已处理", "处置", "进展", "跟进"],
  },
  { kind: "close", args: "incident-note", words: ["结案", "已结案", "办结", "已办结", "完结"] },
  { kind: "level", args: "level-decision", words: ["定级", "调级", "等级调整", "调整等级"] },
];

/** Decisions on a level proposal, after `定级 P3` (the longest match wins: 不调整 before 调整). */
export const LEVEL_DECISIONS: readonly {
  readonly words: readonly string[];
  readonly decision: "confirm" | "reject";
}[] = [
  { decision: "confirm", words: ["确认", "同意", "调整", "确认调整", "同意调整", "是", "好", "可以"] },
  {
    decision: "reject",
    words: ["不调整", "不同意", "维持", "维持原级", "不调", "驳回", "否", "不", "暂不调整"],
  },
];

/** Command words that only count when a separator or the end follows them (急！ but not 急诊). */
export const BOUNDED_COMMAND_WORDS: ReadonlySet<string> = new Set(["急", "急急", "急急急"]);

/** Greetings and thanks: not commands, but the bot should still answer (with the usage hint). */
export const SMALL_TALK: readonly string[] = [
  "你好",
  "大家好",
  "各位好",
  "您好",
  "谢谢",
  "谢谢你",
  "谢谢您",
  "多谢",
  "感谢",
  "辛苦了",
  "辛苦",
  "嗯",
  "嗯嗯",
  "哦",
  "哦哦",
  "噢",
  "在吗",
  "在不在",
  "早",
  "早上好",
  "上午好",
  "下午好",
  "晚上好",
  "晚安",
  "hi",
  "hello",
  "哈喽",
  "拜拜",
  "再见",
  "哈哈",
  "哈哈哈",
  "明白",
  "明白了",
  "知道了",
  "了解",
  "好嘞",
  "好滴",
  "好吧",
  "行吧",
];
