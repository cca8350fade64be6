/** One coded anomaly type: its stable code, its Chinese label, and the words that mean it. */
export interface AnomalyDefinition {
  readonly code: string;
  readonly label: string;
  readonly words: readonly string[];
}

/**
 * Anomaly words cadres write after the outcome, coded so that leaders can count them and the
 * escalation rules can match them. Words are matched anywhere in the note (longest first) unless
 * a negation such as 无/未/没有/未见 comes right before them. Single characters are never words
 * here: they would match inside unrelated text.
 */
export const ANOMALIES = [
  {
    code: "emotional_agitation",
    label: "情绪激动",
    words: [
      "情绪激动",
      "激动",
      "情绪不稳",
      "情绪不稳定",
      "情绪波动",
      "情绪失控",
      "情绪异常",
      "烦躁",
      "暴躁",
      "发脾气",
      "发火",
      "吵闹",
      "胡言乱语",
      "言行异常",
      "行为异常",
    ],
  },
  {
    code: "low_mood",
    label: "情绪低落",
    words: ["情绪低落", "低落", "消极", "抑郁", "闷闷不乐"],
  },
  {
    code: "off_medication",
    label: "未按时服药",
    words: [
      "未服药",
      "没服药",
      "没有服药",
      "不服药",
      "停药",
      "断药",
      "不吃药",
      "没吃药",
      "没有吃药",
      "未吃药",
      "拒绝服药",
      "拒服药",
      "拒药",
      "漏服",
      "漏药",
      "未按时服药",
      "不按时服药",
      "没按时服药",
      "未规律服药",
      "不规律服药",
      "自行停药",
      "擅自停药",
    ],
  },
  {
    code: "violence",
    label: "打砸伤人",
    words: [
      "打砸",
      "打人",
      "伤人",
      "砸东西",
      "摔东西",
      "暴力",
      "家暴",
      "持刀",
      "拿刀",
      "动刀",
      "打架",
      "斗殴",
      "肇事肇祸",
      "肇祸",
    ],
  },
  { code: "threat", label: "扬言报复", words: ["扬言", "威胁", "恐吓", "报复"] },
  {
    code: "self_harm",
    label: "自伤自杀倾向",
    words: ["自伤", "自残", "自杀", "轻生", "寻短见", "割腕", "跳楼", "喝农药", "服毒"],
  },
  {
    code: "lost_contact",
    label: "失联",
    words: [
      "失联",
      "联系不上",
      "联系不到",
      "无法联系",
      "电话不通",
      "电话打不通",
      "打不通",
      "关机",
      "下落不明",
      "不知去向",
      "走失",
      "找不到人",
    ],
  },
  { code: "relapse", label: "复吸", words: ["复吸", "吸毒", "涉毒", "尿检阳性", "毛检阳性"] },
  {
    code: "refused_test",
    label: "拒绝检测",
    words: ["拒绝尿检", "拒绝检测", "拒检", "拒不检测", "不配合检测", "不配合尿检", "未尿检", "没尿检"],
  },
  {
    code: "left_unreported",
    label: "外出未报告",
    words: [
      "外出未报告",
      "外出未报备",
      "未报告外出",
      "未报备",
      "擅自外出",
      "擅自离开",
      "私自外出",
      "私自离开",
      "离县未报告",
      "擅离",
    ],
  },
  {
    code: "living_alone",
    label: "独居无人照看",
    words: [
      "独居",
      "无人照看",
      "无人照料",
      "无人照顾",
      "无人看护",
      "没人照顾",
      "没人管",
      "一个人住",
      "一人在家",
    ],
  },
  {
    code: "illness",
    label: "生病住院",
    words: [
      "生病",
      "患病",
      "病了",
      "发烧",
      "发热",
      "身体不适",
      "身体不好",
      "不舒服",
      "病情加重",
      "病重",
      "住院",
      "急诊",
    ],
  },
  {
    code: "injury",
    label: "摔倒受伤",
    words: ["摔倒", "跌倒", "摔伤", "受伤", "骨折", "烫伤", "意外"],
  },
  {
    code: "conflict",
    label: "矛盾纠纷",
    words: ["争吵", "吵架", "纠纷", "矛盾", "口角", "冲突"],
  },
  {
    code: "petition",
    label: "上访苗头",
    words: ["上访", "越级上访", "进京上访", "聚集", "闹访", "缠访"],
  },
  {
    code: "hardship",
    label: "生活困难",
    words: ["生活困难", "经济困难", "没钱", "缺钱", "没有收入", "无收入", "断粮", "吃不上饭"],
  },
  { code: "school_dropout", label: "辍学逃学", words: ["辍学", "逃学", "不上学", "厌学", "旷课"] },
  {
    code: "suspected_abuse",
    label: "疑似受虐受侵害",
    words: ["受虐", "虐待", "被打", "被欺负", "欺凌", "霸凌", "性侵", "侵害"],
  },
  {
    code: "suspected_crime",
    label: "疑似违法犯罪",
    words: ["违法", "犯罪", "盗窃", "偷东西", "赌博", "诈骗", "再犯"],
  },
  { code: "drinking", label: "酗酒", words: ["酗酒", "醉酒", "喝醉", "酒后闹事"] },
] as const satisfies readonly AnomalyDefinition[];

/** A coded anomaly type, e.g. `off_medication`. */
export type AnomalyCode = (typeof ANOMALIES)[number]["code"];

/** Chinese label of each anomaly code, for replies, summaries and exports. */
export const ANOMALY_LABELS: Readonly<Record<AnomalyCode, string>> = Object.fromEntries(
  ANOMALIES.map((anomaly) => [anomaly.code, anomaly.label]),
) as Record<AnomalyCode, string>;
