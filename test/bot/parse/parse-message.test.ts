import {
  type ParsedCommand,
  parseMessage,
  type VisitReport,
  type VisitTargets,
} from "../../../src/bot/parse";

// A Tuesday, like the daily card in conversation.md.
const TODAY = "2026-11-24";

const nums = (...numbers: number[]): VisitTargets => ({ kind: "numbers", numbers });
const name = (value: string): VisitTargets => ({ kind: "name", name: value });
const ALL: VisitTargets = { kind: "all" };

function visit(
  targets: VisitTargets,
  outcome: VisitReport["outcome"],
  rest: Partial<VisitReport> = {},
): ParsedCommand {
  return {
    kind: "visit",
    targets,
    method: "in_person",
    outcome,
    anomalies: [],
    notReason: null,
    note: null,
    date: TODAY,
    ...rest,
  };
}

function correct(
  targets: VisitTargets,
  outcome: VisitReport["outcome"],
  rest: Partial<VisitReport> = {},
): ParsedCommand {
  return { ...(visit(targets, outcome, rest) as VisitReport), kind: "correct" };
}

type Case = readonly [input: string, expected: ParsedCommand];

const check = (cases: readonly Case[]) =>
  test.each(cases)("%j", (input, expected) => {
    expect(parseMessage(input, { today: TODAY })).toStrictEqual(expected);
  });

describe("examples from conversation.md", () => {
  check([
    ["1 正常", visit(nums(1), "normal")],
    ["1正常", visit(nums(1), "normal")],
    ["１ 正常", visit(nums(1), "normal")],
    ["1、正常", visit(nums(1), "normal")],
    ["1 3 正常", visit(nums(1, 3), "normal")],
    ["1、3正常", visit(nums(1, 3), "normal")],
    ["1-3 正常", visit(nums(1, 2, 3), "normal")],
    ["2 电话 正常", visit(nums(2), "normal", { method: "phone" })],
    ["张三 正常 按时服药", visit(name("张三"), "normal", { note: "按时服药" })],
    [
      "2 异常 情绪激动 已通知民警",
      visit(nums(2), "abnormal", { anomalies: ["emotional_agitation"], note: "情绪激动 已通知民警" }),
    ],
    ["3 未见 外出务工", visit(nums(3), "not_met", { notReason: "working_away", note: "外出务工" })],
    ["昨天 1 正常", visit(nums(1), "normal", { date: "2026-11-23" })],
    ["全部正常", visit(ALL, "normal")],
    ["撤销", { kind: "withdraw", number: null }],
    ["撤销 2", { kind: "withdraw", number: 2 }],
    [
      "更正 2 异常 情绪激动",
      correct(nums(2), "abnormal", { anomalies: ["emotional_agitation"], note: "情绪激动" }),
    ],
    [
      "紧急 张三 持刀 在村口",
      { kind: "incident", severity: "emergency", subjectName: "张三", text: "张三 持刀 在村口" },
    ],
    [
      "急！王秀英 摔倒 无人照看",
      { kind: "incident", severity: "emergency", subjectName: "王秀英", text: "王秀英 摔倒 无人照看" },
    ],
    [
      "事件 李四 与邻居争吵",
      { kind: "incident", severity: "normal", subjectName: "李四", text: "李四 与邻居争吵" },
    ],
    ["收到", { kind: "ack", incidentNumber: null, note: null }],
    ["收到 E12", { kind: "ack", incidentNumber: 12, note: null }],
    ["处理 E12 已送医", { kind: "progress", incidentNumber: 12, note: "已送医" }],
    ["结案 E12 已妥善处置", { kind: "close", incidentNumber: 12, note: "已妥善处置" }],
    ["任务", { kind: "tasks" }],
    ["今天", { kind: "tasks" }],
    ["本周", { kind: "week" }],
    ["帮助", { kind: "help" }],
    ["?", { kind: "help" }],
    ["统计", { kind: "stats" }],
    ["逾期", { kind: "overdue" }],
    // The daily card's own hint.
    ["2 异常 情绪激动", visit(nums(2), "abnormal", { anomalies: ["emotional_agitation"], note: "情绪激动" })],
  ]);
});

describe("visits: who", () => {
  check([
    ["13 正常", visit(nums(13), "normal")],
    ["13正常", visit(nums(13), "normal")],
    ["1 3正常", visit(nums(1, 3), "normal")],
    ["1,3正常", visit(nums(1, 3), "normal")],
    ["1，3正常", visit(nums(1, 3), "normal")],
    ["1和3正常", visit(nums(1, 3), "normal")],
    ["1/3 正常", visit(nums(1, 3), "normal")],
    ["1~3 正常", visit(nums(1, 2, 3), "normal")],
    ["1～3 正常", visit(nums(1, 2, 3), "normal")],
    ["1到3正常", visit(nums(1, 2, 3), "normal")],
    ["1至3 正常", visit(nums(1, 2, 3), "normal")],
    ["1—3 正常", visit(nums(1, 2, 3), "normal")],
    ["1 - 3 正常", visit(nums(1, 2, 3), "normal")],
    ["3-1 正常", visit(nums(1, 2, 3), "normal")],
    ["1 3 5-7 正常", visit(nums(1, 3, 5, 6, 7), "normal")],
    ["3 1 正常", visit(nums(3, 1), "normal")],
    ["1 1 正常", visit(nums(1), "normal")],
    ["1.正常", visit(nums(1), "normal")],
    ["1. 正常", visit(nums(1), "normal")],
    ["1号正常", visit(nums(1), "normal")],
    ["1号 正常", visit(nums(1), "normal")],
    ["第2个 正常", visit(nums(2), "normal")],
    ["一 正常", visit(nums(1), "normal")],
    ["一正常", visit(nums(1), "normal")],
    ["三 未见", visit(nums(3), "not_met")],
    ["十二 正常", visit(nums(12), "normal")],
    ["二十 正常", visit(nums(20), "normal")],
    ["一到三 正常", visit(nums(1, 2, 3), "normal")],
    ["一、三 正常", visit(nums(1, 3), "normal")],
    ["第二个 正常", visit(nums(2), "normal")],
    ["①正常", visit(nums(1), "normal")],
    ["① 正常", visit(nums(1), "normal")],
    ["②③ 正常", visit(nums(2, 3), "normal")],
    ["⑴ 正常", visit(nums(1), "normal")],
    ["❷ 电话 正常", visit(nums(2), "normal", { method: "phone" })],
    ["⑫正常", visit(nums(12), "normal")],
    ["1️⃣正常", visit(nums(1), "normal")],
    ["王秀英 正常", visit(name("王秀英"), "normal")],
    ["王秀英正常", visit(name("王秀英"), "normal")],
    ["张三正常", visit(name("张三"), "normal")],
    ["张三电话正常", visit(name("张三"), "normal", { method: "phone" })],
    ["欧阳娜娜 正常", visit(name("欧阳娜娜"), "normal")],
    ["阿依古丽·买买提 正常", visit(name("阿依古丽·买买提"), "normal")],
    ["阿依古丽・买买提 正常", visit(name("阿依古丽·买买提"), "normal")],
    ["张三好 正常", visit(name("张三好"), "normal")],
    ["三毛 正常", visit(name("三毛"), "normal")],
    ["張三 正常", visit(name("張三"), "normal")],
    ["都正常", visit(ALL, "normal")],
    ["全部 正常", visit(ALL, "normal")],
    ["全都正常", visit(ALL, "normal")],
    ["全部都正常", visit(ALL, "normal")],
    ["所有人都正常", visit(ALL, "normal")],
    ["大家都好", visit(ALL, "normal")],
    ["均正常", visit(ALL, "normal")],
    ["全部 电话 正常", visit(ALL, "normal", { method: "phone" })],
    ["都不在家", visit(ALL, "not_met", { notReason: "not_home" })],
    ["1、2、3都正常", visit(nums(1, 2, 3), "normal")],
    ["1-3都正常", visit(nums(1, 2, 3), "normal")],
    ["1-3 均 正常", visit(nums(1, 2, 3), "normal")],
    ["1到5号都正常", visit(nums(1, 2, 3, 4, 5), "normal")],
    ["3都未见", visit(nums(3), "not_met")],
  ]);
});

describe("visits: how", () => {
  check([
    ["2 电话正常", visit(nums(2), "normal", { method: "phone" })],
    ["2电话 正常", visit(nums(2), "normal", { method: "phone" })],
    ["2 打电话 正常", visit(nums(2), "normal", { method: "phone" })],
    ["2 电话联系 正常", visit(nums(2), "normal", { method: "phone" })],
    ["2 电话回访 正常", visit(nums(2), "normal", { method: "phone" })],
    ["2 视频 正常", visit(nums(2), "normal", { method: "video" })],
    ["2 视频通话 正常", visit(nums(2), "normal", { method: "video" })],
    ["2 视频电话 正常", visit(nums(2), "normal", { method: "video" })],
    ["2 微信视频 正常", visit(nums(2), "normal", { method: "video" })],
    ["2 上门 正常", visit(nums(2), "normal")],
    ["2 走访 正常", visit(nums(2), "normal")],
    ["2 入户 正常", visit(nums(2), "normal")],
    ["2 上门走访 正常", visit(nums(2), "normal")],
    ["电话 2 正常", visit(nums(2), "normal", { method: "phone" })],
    ["走访张三正常", visit(name("张三"), "normal")],
    ["2 正常 电话", visit(nums(2), "normal", { method: "phone" })],
    ["2正常 电话", visit(nums(2), "normal", { method: "phone" })],
    ["2 正常 视频 按时服药", visit(nums(2), "normal", { method: "video", note: "按时服药" })],
    ["2 電話 正常", visit(nums(2), "normal", { method: "phone" })],
  ]);
});

describe("visits: outcome", () => {
  check([
    ["1 好", visit(nums(1), "normal")],
    ["1好", visit(nums(1), "normal")],
    ["1 良好", visit(nums(1), "normal")],
    ["1 稳定", visit(nums(1), "normal")],
    ["1 无异常", visit(nums(1), "normal")],
    ["1 没有异常", visit(nums(1), "normal")],
    ["1 未见异常", visit(nums(1), "normal")],
    ["1 未见明显异常", visit(nums(1), "normal")],
    ["1 一切正常", visit(nums(1), "normal")],
    ["1 情况稳定", visit(nums(1), "normal")],
    ["1 没问题", visit(nums(1), "normal")],
    ["1 ok", visit(nums(1), "normal")],
    ["1 OK", visit(nums(1), "normal")],
    ["1 √", visit(nums(1), "normal")],
    ["1 ✔️", visit(nums(1), "normal")],
    ["2 异常", visit(nums(2), "abnormal")],
    ["2 異常", visit(nums(2), "abnormal")],
    ["2 有情况", visit(nums(2), "abnormal")],
    ["2 不对", visit(nums(2), "abnormal")],
    ["2 不正常", visit(nums(2), "abnormal")],
    ["2 不稳定", visit(nums(2), "abnormal")],
    ["2 有问题 需要复查", visit(nums(2), "abnormal", { note: "需要复查" })],
    ["3 未见", visit(nums(3), "not_met")],
    ["3 没见到", visit(nums(3), "not_met")],
    ["3 外出", visit(nums(3), "not_met")],
    ["3 不在家", visit(nums(3), "not_met", { notReason: "not_home" })],
    ["3 走访不遇", visit(nums(3), "not_met", { notReason: "not_home" })],
    ["3 外出务工", visit(nums(3), "not_met", { notReason: "working_away" })],
    ["3 外出打工 在广东", visit(nums(3), "not_met", { notReason: "working_away", note: "在广东" })],
    ["3 未见 住院", visit(nums(3), "not_met", { notReason: "hospitalised", note: "住院" })],
    ["3 没见到 走亲戚", visit(nums(3), "not_met", { notReason: "visiting_relatives", note: "走亲戚" })],
    ["3 未见 外出", visit(nums(3), "not_met", { note: "外出" })],
    ["3 电话 没接", visit(nums(3), "not_met", { method: "phone" })],
    ["3 未见 拒绝见面", visit(nums(3), "not_met", { notReason: "refused", note: "拒绝见面" })],
  ]);
});

describe("visits: anomalies and notes", () => {
  check([
    [
      "2 异常 未按时服药 情绪不稳定",
      visit(nums(2), "abnormal", {
        anomalies: ["off_medication", "emotional_agitation"],
        note: "未按时服药 情绪不稳定",
      }),
    ],
    ["2异常情绪激动", visit(nums(2), "abnormal", { anomalies: ["emotional_agitation"], note: "情绪激动" })],
    [
      "2 异常 情绪激动，扬言要去上访",
      visit(nums(2), "abnormal", {
        anomalies: ["emotional_agitation", "threat", "petition"],
        note: "情绪激动 扬言要去上访",
      }),
    ],
    ["2 一切正常 按时服药 家属配合", visit(nums(2), "normal", { note: "按时服药 家属配合" })],
    ["1 正常（电话）", visit(nums(1), "normal", { method: "phone" })],
    ["2 异常 停药", visit(nums(2), "abnormal", { anomalies: ["off_medication"], note: "停药" })],
    ["2 异常 不吃药", visit(nums(2), "abnormal", { anomalies: ["off_medication"], note: "不吃药" })],
    ["2 异常 在家打砸", visit(nums(2), "abnormal", { anomalies: ["violence"], note: "在家打砸" })],
    ["2 异常 有自伤倾向", visit(nums(2), "abnormal", { anomalies: ["self_harm"], note: "有自伤倾向" })],
    ["2 异常 自残", visit(nums(2), "abnormal", { anomalies: ["self_harm"], note: "自残" })],
    [
      "2 异常 复吸 已报告禁毒办",
      visit(nums(2), "abnormal", { anomalies: ["relapse"], note: "复吸 已报告禁毒办" }),
    ],
    ["2 异常 外出未报告", visit(nums(2), "abnormal", { anomalies: ["left_unreported"], note: "外出未报告" })],
    ["2 异常 联系不上", visit(nums(2), "abnormal", { anomalies: ["lost_contact"], note: "联系不上" })],
    [
      "2 异常 独居 生病",
      visit(nums(2), "abnormal", { anomalies: ["living_alone", "illness"], note: "独居 生病" }),
    ],
    ["2 有情况 跟邻居吵架", visit(nums(2), "abnormal", { anomalies: ["conflict"], note: "跟邻居吵架" })],
    ["2 异常 扬言报复", visit(nums(2), "abnormal", { anomalies: ["threat"], note: "扬言报复" })],
    ["2 异常 住院了", visit(nums(2), "abnormal", { anomalies: ["illness"], note: "住院了" })],
    [
      "2 异常：情绪激动，已通知民警。",
      visit(nums(2), "abnormal", { anomalies: ["emotional_agitation"], note: "情绪激动 已通知民警" }),
    ],
    // An anomaly word right after the target stands for 异常.
    ["2 情绪激动", visit(nums(2), "abnormal", { anomalies: ["emotional_agitation"], note: "情绪激动" })],
    ["2 失联", visit(nums(2), "abnormal", { anomalies: ["lost_contact"], note: "失联" })],
    ["2 外出未报告", visit(nums(2), "abnormal", { anomalies: ["left_unreported"], note: "外出未报告" })],
    ["2 复吸", visit(nums(2), "abnormal", { anomalies: ["relapse"], note: "复吸" })],
    [
      "张三 情绪激动 打人",
      visit(name("张三"), "abnormal", {
        anomalies: ["emotional_agitation", "violence"],
        note: "情绪激动 打人",
      }),
    ],
    // Negated anomaly words are not coded.
    ["1 正常 未复吸 尿检阴性", visit(nums(1), "normal", { note: "未复吸 尿检阴性" })],
    ["1 正常 无打砸 没有自伤", visit(nums(1), "normal", { note: "无打砸 没有自伤" })],
    ["1 正常 无明显情绪激动", visit(nums(1), "normal", { note: "无明显情绪激动" })],
    ["1 正常 不再复吸", visit(nums(1), "normal", { note: "不再复吸" })],
    ["1 正常 按时服药", visit(nums(1), "normal", { note: "按时服药" })],
    ["1 正常 独居", visit(nums(1), "normal", { anomalies: ["living_alone"], note: "独居" })],
    ["1 正常 体温36.5", visit(nums(1), "normal", { note: "体温36.5" })],
    ["1 正常 10:30到访", visit(nums(1), "normal", { note: "10:30到访" })],
    ["1 正常（家属在场）", visit(nums(1), "normal", { note: "家属在场" })],
    ["1 正常 【已核实】", visit(nums(1), "normal", { note: "已核实" })],
  ]);
});

describe("visits: dates", () => {
  check([
    ["昨天1正常", visit(nums(1), "normal", { date: "2026-11-23" })],
    ["昨天 张三 正常", visit(name("张三"), "normal", { date: "2026-11-23" })],
    ["昨天张三正常", visit(name("张三"), "normal", { date: "2026-11-23" })],
    ["昨日 1 正常", visit(nums(1), "normal", { date: "2026-11-23" })],
    ["前天 1 正常", visit(nums(1), "normal", { date: "2026-11-22" })],
    ["大前天 1 正常", visit(nums(1), "normal", { date: "2026-11-21" })],
    ["今天 1 正常", visit(nums(1), "normal")],
    ["昨天下午 2 电话 正常", visit(nums(2), "normal", { method: "phone", date: "2026-11-23" })],
    ["11月20日 1 正常", visit(nums(1), "normal", { date: "2026-11-20" })],
    ["11月20日1正常", visit(nums(1), "normal", { date: "2026-11-20" })],
    ["11月20号 1 正常", visit(nums(1), "normal", { date: "2026-11-20" })],
    ["11-20 1 正常", visit(nums(1), "normal", { date: "2026-11-20" })],
    ["11.20 1 正常", visit(nums(1), "normal", { date: "2026-11-20" })],
    ["11/20 1正常", visit(nums(1), "normal", { date: "2026-11-20" })],
    ["2026-11-20 1 正常", visit(nums(1), "normal", { date: "2026-11-20" })],
    ["2026年11月20日 1 正常", visit(nums(1), "normal", { date: "2026-11-20" })],
    ["１１月２０日　１　正常", visit(nums(1), "normal", { date: "2026-11-20" })],
    ["昨天全部正常", visit(ALL, "normal", { date: "2026-11-23" })],
    [
      "昨天 3 未见 外出务工",
      visit(nums(3), "not_met", { date: "2026-11-23", notReason: "working_away", note: "外出务工" }),
    ],
    ["11月20日 全部正常", visit(ALL, "normal", { date: "2026-11-20" })],
    ["11.20 都正常", visit(ALL, "normal", { date: "2026-11-20" })],
    ["今天走访1号正常", visit(nums(1), "normal")],
    // With nobody (or only 都/全部) after it, M-D is a range of list numbers.
    ["11-20 正常", visit(nums(11, 12, 13, 14, 15, 16, 17, 18, 19, 20), "normal")],
    ["11-20 全部正常", visit(nums(11, 12, 13, 14, 15, 16, 17, 18, 19, 20), "normal")],
    ["1-3 电话 正常", visit(nums(1, 2, 3), "normal", { method: "phone" })],
  ]);

  test("a month-day in early January from last December resolves to last year", () => {
    expect(parseMessage("12月30日 1 正常", { today: "2027-01-05" })).toStrictEqual({
      ...(visit(nums(1), "normal") as VisitReport),
      kind: "visit",
      date: "2026-12-30",
    });
  });

  test("昨天 on the first of March goes back to February", () => {
    expect(parseMessage("昨天 1 正常", { today: "2028-03-01" })).toMatchObject({
      kind: "visit",
      date: "2028-02-29",
    });
  });
});

describe("corrections and withdrawals", () => {
  check([
    ["撤回", { kind: "withdraw", number: null }],
    ["撤消", { kind: "withdraw", number: null }],
    ["撤銷", { kind: "withdraw", number: null }],
    ["撤销2", { kind: "withdraw", number: 2 }],
    ["撤销 二", { kind: "withdraw", number: 2 }],
    ["撤销 ③", { kind: "withdraw", number: 3 }],
    ["撤销 2号", { kind: "withdraw", number: 2 }],
    ["撤回 12", { kind: "withdraw", number: 12 }],
    ["更正 2 正常", correct(nums(2), "normal")],
    ["更正2 异常 复吸", correct(nums(2), "abnormal", { anomalies: ["relapse"], note: "复吸" })],
    ["更正 张三 未见 住院", correct(name("张三"), "not_met", { notReason: "hospitalised", note: "住院" })],
    ["更正 昨天 1 电话 正常", correct(nums(1), "normal", { method: "phone", date: "2026-11-23" })],
    ["修改 3 未见", correct(nums(3), "not_met")],
  ]);
});

describe("incidents", () => {
  check([
    [
      "紧急张三持刀在村口",
      { kind: "incident", severity: "emergency", subjectName: "张三", text: "张三持刀在村口" },
    ],
    [
      "紧急！！张三 持刀",
      { kind: "incident", severity: "emergency", subjectName: "张三", text: "张三 持刀" },
    ],
    [
      "紧急情况 张三 持刀",
      { kind: "incident", severity: "emergency", subjectName: "张三", text: "张三 持刀" },
    ],
    [
      "急 王秀英 摔倒",
      { kind: "incident", severity: "emergency", subjectName: "王秀英", text: "王秀英 摔倒" },
    ],
    [
      "急急急 王秀英摔倒了",
      { kind: "incident", severity: "emergency", subjectName: "王秀英", text: "王秀英摔倒了" },
    ],
    ["报警 张三 打人", { kind: "incident", severity: "emergency", subjectName: "张三", text: "张三 打人" }],
    [
      "突发 李四家着火了",
      { kind: "incident", severity: "emergency", subjectName: null, text: "李四家着火了" },
    ],
    [
      "救命！张三 要跳楼",
      { kind: "incident", severity: "emergency", subjectName: "张三", text: "张三 要跳楼" },
    ],
    [
      "紧急 村口桥下有人落水",
      { kind: "incident", severity: "emergency", subjectName: null, text: "村口桥下有人落水" },
    ],
    // An emergency is raised even with no detail; the bot asks for it while alerting.
    ["紧急", { kind: "incident", severity: "emergency", subjectName: null, text: "" }],
    ["救命", { kind: "incident", severity: "emergency", subjectName: null, text: "" }],
    ["緊急 張三 持刀", { kind: "incident", severity: "emergency", subjectName: "張三", text: "張三 持刀" }],
    [
      "报告 李四 与邻居争吵",
      { kind: "incident", severity: "normal", subjectName: "李四", text: "李四 与邻居争吵" },
    ],
    [
      "事件：李四与邻居争吵",
      { kind: "incident", severity: "normal", subjectName: null, text: "李四与邻居争吵" },
    ],
    [
      "上报 王五 情绪激动",
      { kind: "incident", severity: "normal", subjectName: "王五", text: "王五 情绪激动" },
    ],
    [
      "事件",
      {
        kind: "incomplete",
        command: "incident",
        reason: "missing_incident_text",
        understood: { severity: "normal" },
      },
    ],
    ["收到e12", { kind: "ack", incidentNumber: 12, note: null }],
    ["收到E12", { kind: "ack", incidentNumber: 12, note: null }],
    ["收到 Ｅ１２", { kind: "ack", incidentNumber: 12, note: null }],
    ["收到 12", { kind: "ack", incidentNumber: 12, note: null }],
    ["收到了", { kind: "ack", incidentNumber: null, note: null }],
    ["收到，马上到", { kind: "ack", incidentNumber: null, note: "马上到" }],
    ["收到 E12 马上到", { kind: "ack", incidentNumber: 12, note: "马上到" }],
    ["E12 收到", { kind: "ack", incidentNumber: 12, note: null }],
    ["处理E12已送医", { kind: "progress", incidentNumber: 12, note: "已送医" }],
    ["处理 E12", { kind: "progress", incidentNumber: 12, note: null }],
    ["处置 e7 民警已到场", { kind: "progress", incidentNumber: 7, note: "民警已到场" }],
    ["结案 E12 家属已接回，情绪稳定", { kind: "close", incidentNumber: 12, note: "家属已接回 情绪稳定" }],
    ["E12 结案 已送回家", { kind: "close", incidentNumber: 12, note: "已送回家" }],
    ["办结 E3", { kind: "close", incidentNumber: 3, note: null }],
    ["处理中 E12", { kind: "progress", incidentNumber: 12, note: null }],
    ["E12已处理", { kind: "progress", incidentNumber: 12, note: null }],
    [
      "紧急：张三持刀伤人，已报警",
      { kind: "incident", severity: "emergency", subjectName: "张三", text: "张三持刀伤人 已报警" },
    ],
    [
      "处理 2024年的事",
      {
        kind: "incomplete",
        command: "progress",
        reason: "missing_incident_number",
        understood: { note: "2024年的事" },
      },
    ],
    [
      "处理 已送医",
      {
        kind: "incomplete",
        command: "progress",
        reason: "missing_incident_number",
        understood: { note: "已送医" },
      },
    ],
    ["结案", { kind: "incomplete", command: "close", reason: "missing_incident_number", understood: {} }],
  ]);
});

describe("other commands", () => {
  check([
    ["今日", { kind: "tasks" }],
    ["清单", { kind: "tasks" }],
    ["列表", { kind: "tasks" }],
    ["今天的任务", { kind: "tasks" }],
    ["任务。", { kind: "tasks" }],
    ["这周", { kind: "week" }],
    ["本周任务", { kind: "week" }],
    ["？", { kind: "help" }],
    ["??", { kind: "help" }],
    ["？？？", { kind: "help" }],
    ["怎么用", { kind: "help" }],
    ["怎么用？", { kind: "help" }],
    ["help", { kind: "help" }],
    ["HELP", { kind: "help" }],
    ["幫助", { kind: "help" }],
    ["帮组", { kind: "help" }],
    ["汇总", { kind: "stats" }],
    ["逾期名单", { kind: "overdue" }],
    ["超期", { kind: "overdue" }],
    ["1", { kind: "choose", number: 1 }],
    ["２", { kind: "choose", number: 2 }],
    ["二", { kind: "choose", number: 2 }],
    ["②", { kind: "choose", number: 2 }],
    ["3号", { kind: "choose", number: 3 }],
    ["确认", { kind: "confirm" }],
    ["好的", { kind: "confirm" }],
    ["是", { kind: "confirm" }],
    ["OK", { kind: "confirm" }],
    ["取消", { kind: "cancel" }],
    ["不对", { kind: "cancel" }],
    ["算了", { kind: "cancel" }],
  ]);
});

describe("incomplete: says what is missing", () => {
  check([
    [
      "1 电话",
      {
        kind: "incomplete",
        command: "visit",
        reason: "missing_outcome",
        understood: { targets: nums(1), method: "phone" },
      },
    ],
    [
      "1 3",
      {
        kind: "incomplete",
        command: "visit",
        reason: "missing_outcome",
        understood: { targets: nums(1, 3) },
      },
    ],
    [
      "1-3",
      {
        kind: "incomplete",
        command: "visit",
        reason: "missing_outcome",
        understood: { targets: nums(1, 2, 3) },
      },
    ],
    [
      "全部",
      { kind: "incomplete", command: "visit", reason: "missing_outcome", understood: { targets: ALL } },
    ],
    [
      "张三",
      {
        kind: "incomplete",
        command: "visit",
        reason: "missing_outcome",
        understood: { targets: name("张三") },
      },
    ],
    [
      "1 好转",
      {
        kind: "incomplete",
        command: "visit",
        reason: "missing_outcome",
        understood: { targets: nums(1), extra: "好转" },
      },
    ],
    [
      "2 3天没吃药",
      {
        kind: "incomplete",
        command: "visit",
        reason: "missing_outcome",
        understood: { targets: nums(2), extra: "3天没吃药" },
      },
    ],
    [
      "昨天 1",
      {
        kind: "incomplete",
        command: "visit",
        reason: "missing_outcome",
        understood: { targets: nums(1), date: "2026-11-23" },
      },
    ],
    [
      "正常",
      { kind: "incomplete", command: "visit", reason: "missing_target", understood: { outcome: "normal" } },
    ],
    [
      "一切正常",
      { kind: "incomplete", command: "visit", reason: "missing_target", understood: { outcome: "normal" } },
    ],
    [
      "电话 正常",
      {
        kind: "incomplete",
        command: "visit",
        reason: "missing_target",
        understood: { method: "phone", outcome: "normal" },
      },
    ],
    [
      "正常 按时服药",
      {
        kind: "incomplete",
        command: "visit",
        reason: "missing_target",
        understood: { outcome: "normal", note: "按时服药" },
      },
    ],
    [
      "异常 情绪激动",
      {
        kind: "incomplete",
        command: "visit",
        reason: "missing_target",
        understood: { outcome: "abnormal", anomalies: ["emotional_agitation"], note: "情绪激动" },
      },
    ],
    [
      "昨天 正常",
      {
        kind: "incomplete",
        command: "visit",
        reason: "missing_target",
        understood: { outcome: "normal", date: "2026-11-23" },
      },
    ],
    [
      "11月25日 1 正常",
      {
        kind: "incomplete",
        command: "visit",
        reason: "future_date",
        understood: { targets: nums(1), outcome: "normal", date: "2026-11-25", extra: "11月25日" },
      },
    ],
    [
      "明天 1 正常",
      {
        kind: "incomplete",
        command: "visit",
        reason: "future_date",
        understood: { targets: nums(1), outcome: "normal", date: "2026-11-25", extra: "明天" },
      },
    ],
    [
      "2月30日 1 正常",
      {
        kind: "incomplete",
        command: "visit",
        reason: "invalid_date",
        understood: { targets: nums(1), outcome: "normal", extra: "2月30日" },
      },
    ],
    [
      "1-60 正常",
      {
        kind: "incomplete",
        command: "visit",
        reason: "range_too_large",
        understood: { outcome: "normal", extra: "1-60" },
      },
    ],
    [
      "0 正常",
      {
        kind: "incomplete",
        command: "visit",
        reason: "invalid_number",
        understood: { outcome: "normal", extra: "0" },
      },
    ],
    [
      "13800138000 正常",
      {
        kind: "incomplete",
        command: "visit",
        reason: "invalid_number",
        understood: { outcome: "normal", extra: "13800138000" },
      },
    ],
    ["更正", { kind: "incomplete", command: "correct", reason: "missing_target", understood: {} }],
    [
      "更正 2",
      { kind: "incomplete", command: "correct", reason: "missing_outcome", understood: { targets: nums(2) } },
    ],
  ]);
});

describe("unknown: what was understood", () => {
  check([
    ["", { kind: "unknown", reason: "empty", understood: {} }],
    ["   ", { kind: "unknown", reason: "empty", understood: {} }],
    ["😀😀", { kind: "unknown", reason: "empty", understood: {} }],
    ["@包保助手", { kind: "unknown", reason: "empty", understood: {} }],
    ["\u200b\ufeff", { kind: "unknown", reason: "empty", understood: {} }],
    ["你好", { kind: "unknown", reason: "small_talk", understood: {} }],
    ["大家好", { kind: "unknown", reason: "small_talk", understood: {} }],
    ["谢谢！", { kind: "unknown", reason: "small_talk", understood: {} }],
    ["辛苦了[抱拳]", { kind: "unknown", reason: "small_talk", understood: {} }],
    [
      "1 张三 正常",
      {
        kind: "unknown",
        reason: "unexpected_words",
        understood: { targets: nums(1), outcome: "normal", extra: "张三" },
      },
    ],
    [
      "1 已电话联系 正常",
      {
        kind: "unknown",
        reason: "unexpected_words",
        understood: { targets: nums(1), outcome: "normal", extra: "已电话联系" },
      },
    ],
    ["1号张三正常", { kind: "unknown", reason: "unrecognised", understood: {} }],
    [
      "撤销 张三",
      { kind: "unknown", reason: "unexpected_words", understood: { command: "withdraw", extra: "张三" } },
    ],
    ["任务 2", { kind: "unknown", reason: "unrecognised", understood: {} }],
    [
      "1 正常 2 异常",
      {
        kind: "unknown",
        reason: "multiple_visits",
        understood: { targets: nums(1), outcome: "normal", extra: "2 异常" },
      },
    ],
    ["1 正常\n2 异常 情绪激动", { kind: "unknown", reason: "multiple_visits", understood: {} }],
    ["E12", { kind: "unknown", reason: "unrecognised", understood: { incidentNumber: 12 } }],
    ["asdfgh", { kind: "unknown", reason: "unrecognised", understood: {} }],
    ["!!!", { kind: "unknown", reason: "empty", understood: {} }],
    ["3天没吃药", { kind: "unknown", reason: "unrecognised", understood: {} }],
    ["http://example.com", { kind: "unknown", reason: "unrecognised", understood: {} }],
  ]);
});

describe("normalisation in context", () => {
  check([
    ["@包保助手 1 正常", visit(nums(1), "normal")],
    ["@包保助手\u20051 正常", visit(nums(1), "normal")],
    [
      "＠包保助手　２　异常　情绪激动",
      visit(nums(2), "abnormal", { anomalies: ["emotional_agitation"], note: "情绪激动" }),
    ],
    ["@包保助手 @张书记 收到", { kind: "ack", incidentNumber: null, note: null }],
    ["1 正常 @包保助手", visit(nums(1), "normal")],
    ["1 正常👍", visit(nums(1), "normal")],
    ["1 正常 👍👍", visit(nums(1), "normal")],
    ["1 正常[强]", visit(nums(1), "normal")],
    ["👌1 正常", visit(nums(1), "normal")],
    ["1 正常 🇨🇳", visit(nums(1), "normal")],
    ["1\u200b 正常", visit(nums(1), "normal")],
    ["\ufeff1 正常", visit(nums(1), "normal")],
    ["1\u0000正常", visit(nums(1), "normal")],
    ["1\t\t正常", visit(nums(1), "normal")],
    ["   1      正常   ", visit(nums(1), "normal")],
    ["1  ,  3  正常", visit(nums(1, 3), "normal")],
    ["１，３　正常", visit(nums(1, 3), "normal")],
    ["１－３　正常", visit(nums(1, 2, 3), "normal")],
    ["（1）正常", visit(nums(1), "normal")],
    ["【1】正常", visit(nums(1), "normal")],
    ["1正常。", visit(nums(1), "normal")],
    ["1正常！", visit(nums(1), "normal")],
    ["1 正常\n按时服药", visit(nums(1), "normal", { note: "按时服药" })],
    ["收到\ud800", { kind: "ack", incidentNumber: null, note: null }],
  ]);
});

describe("robustness", () => {
  // No wall-clock assertion: catastrophic backtracking would show as jest's test timeout.
  test("a 10,000-character note is kept whole", () => {
    const note = "情况稳定".repeat(2500);
    const parsed = parseMessage(`1 正常 ${note}`, { today: TODAY });
    expect(parsed).toStrictEqual(visit(nums(1), "normal", { note }));
  });

  test("100,000 characters of mixed junk parse without throwing", () => {
    const junk = "1、3 正常 😀 ① 紧急 E12 \u200b\ud800 收到 ？".repeat(4000);
    expect(() => parseMessage(junk, { today: TODAY })).not.toThrow();
  });

  test("a bad `today` is a programming error and throws", () => {
    expect(() => parseMessage("1 正常", { today: "2026-13-01" })).toThrow(RangeError);
    expect(() => parseMessage("1 正常", { today: "24/11/2026" })).toThrow(RangeError);
  });

  test("non-string input is treated as empty", () => {
    expect(parseMessage(undefined as unknown as string, { today: TODAY })).toStrictEqual({
      kind: "unknown",
      reason: "empty",
      understood: {},
    });
  });
});
