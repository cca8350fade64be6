/**
 * The conversation, table-driven through bot.handle: what cadres type (conversation.md), the
 * record each message must produce, and the reply it must get.
 */
import { type BotHarness, createBotHarness } from "../helpers/bot-harness";

const NOW = new Date("2026-11-24T02:00:00Z"); // Tuesday 10:00 in Shanghai
let h: BotHarness;

beforeAll(async () => {
  h = await createBotHarness({ now: NOW });
});
afterAll(() => h.close());

beforeEach(async () => {
  h.clock.now = NOW;
  await h.db.prisma.visit.deleteMany({ where: { correctsId: { not: null } } });
  await h.db.prisma.visit.deleteMany();
  await h.db.prisma.conversationState.deleteMany();
  await h.db.prisma.cadreList.deleteMany();
  await h.setList("wangli", ["张三@V1", "李四@V1", "王秀英@V1"]);
});

interface VisitExpectation {
  who: string;
  outcome: "normal" | "abnormal" | "not_met";
  method?: "in_person" | "phone" | "video";
  anomalies?: string[];
  date?: string;
  note?: string | null;
}

async function activeVisits() {
  const rows = await h.db.prisma.visit.findMany({ where: { status: "active" }, orderBy: { id: "asc" } });
  const byId = Object.fromEntries(Object.entries(h.ids).map(([k, v]) => [v, k]));
  return rows.map((r) => ({
    who: byId[r.subjectId],
    outcome: r.outcome,
    method: r.method,
    anomalies: r.anomalies,
    date: new Date(r.occurredAt.getTime() + 8 * 3_600_000).toISOString().slice(0, 10),
    note: r.note,
  }));
}

async function expectVisits(expected: VisitExpectation[]) {
  const got = await activeVisits();
  expect(got).toHaveLength(expected.length);
  expected.forEach((e, i) => {
    expect(got[i]).toMatchObject({
      who: e.who,
      outcome: e.outcome,
      method: e.method ?? "in_person",
      ...(e.anomalies ? { anomalies: e.anomalies } : {}),
      date: e.date ?? "2026-11-24",
      ...(e.note !== undefined ? { note: e.note } : {}),
    });
  });
}

const N1 = { who: "张三@V1", outcome: "normal" as const };

// [message, visits it must record, a fragment the reply must contain]
const VISITS: [string, VisitExpectation[], string][] = [
  ["1 正常", [N1], "已登记：张三 上门走访 正常（11月24日）"],
  ["1正常", [N1], "已登记：张三"],
  ["１ 正常", [N1], "已登记：张三"],
  ["1、正常", [N1], "已登记：张三"],
  ["1，正常", [N1], "已登记"],
  ["1。正常", [N1], "已登记"],
  ["  1   正常  ", [N1], "已登记"],
  ["1 正常😊", [N1], "已登记"],
  ["1 正常👍👍", [N1], "已登记"],
  ["@包保助手 1 正常", [N1], "已登记"],
  ["一 正常", [N1], "已登记"],
  ["①正常", [N1], "已登记"],
  ["1 正常。", [N1], "已登记"],
  ["1 好", [N1], "已登记"],
  ["1 稳定", [N1], "已登记"],
  ["1 无异常", [N1], "已登记"],
  ["1 良好", [N1], "已登记"],
  ["1\u200b 正常", [N1], "已登记"],
  ["1 上门 正常", [N1], "上门走访"],
  ["1 走访 正常", [N1], "上门走访"],
  ["1 入户 正常", [N1], "上门走访"],
  ["1 电话 正常", [{ ...N1, method: "phone" }], "电话联系 正常"],
  ["1 打电话 正常", [{ ...N1, method: "phone" }], "电话联系"],
  ["1电话正常", [{ ...N1, method: "phone" }], "电话联系"],
  ["1 视频 正常", [{ ...N1, method: "video" }], "视频联系"],
  ["1 正常 电话", [{ ...N1, method: "phone" }], "电话联系"],
  ["2 电话 正常", [{ who: "李四@V1", outcome: "normal", method: "phone" }], "已登记：李四 电话联系 正常"],
  ["1 3 正常", [N1, { who: "王秀英@V1", outcome: "normal" }], "已登记：张三、王秀英"],
  ["1、3正常", [N1, { who: "王秀英@V1", outcome: "normal" }], "张三、王秀英"],
  ["1,3 正常", [N1, { who: "王秀英@V1", outcome: "normal" }], "张三、王秀英"],
  [
    "1-3 正常",
    [N1, { who: "李四@V1", outcome: "normal" }, { who: "王秀英@V1", outcome: "normal" }],
    "张三、李四、王秀英",
  ],
  [
    "1~3 正常",
    [N1, { who: "李四@V1", outcome: "normal" }, { who: "王秀英@V1", outcome: "normal" }],
    "张三、李四、王秀英",
  ],
  [
    "1到3 正常",
    [N1, { who: "李四@V1", outcome: "normal" }, { who: "王秀英@V1", outcome: "normal" }],
    "张三、李四、王秀英",
  ],
  [
    "全部正常",
    [N1, { who: "李四@V1", outcome: "normal" }, { who: "王秀英@V1", outcome: "normal" }],
    "张三、李四、王秀英",
  ],
  ["都正常", [N1, { who: "李四@V1", outcome: "normal" }, { who: "王秀英@V1", outcome: "normal" }], "已登记"],
  ["李四 正常", [{ who: "李四@V1", outcome: "normal" }], "已登记：李四"],
  ["李四 正常 按时服药", [{ who: "李四@V1", outcome: "normal", note: "按时服药" }], "已登记：李四"],
  ["王秀英 电话 正常", [{ who: "王秀英@V1", outcome: "normal", method: "phone" }], "王秀英 电话联系"],
  ["李四正常", [{ who: "李四@V1", outcome: "normal" }], "已登记：李四"],
  [
    "2 异常 情绪激动 已通知民警",
    [{ who: "李四@V1", outcome: "abnormal", anomalies: ["emotional_agitation"] }],
    "异常（情绪激动）",
  ],
  [
    "2 异常 未服药",
    [{ who: "李四@V1", outcome: "abnormal", anomalies: ["off_medication"] }],
    "已通知：王德富",
  ],
  ["2 情绪激动", [{ who: "李四@V1", outcome: "abnormal", anomalies: ["emotional_agitation"] }], "异常"],
  ["2 失联", [{ who: "李四@V1", outcome: "abnormal", anomalies: ["lost_contact"] }], "异常（失联）"],
  ["2 有情况 复吸", [{ who: "李四@V1", outcome: "abnormal", anomalies: ["relapse"] }], "异常"],
  ["2 异常 打砸", [{ who: "李四@V1", outcome: "abnormal", anomalies: ["violence"] }], "已通知"],
  ["3 未见 外出务工", [{ who: "王秀英@V1", outcome: "not_met", note: "外出务工" }], "未见到"],
  ["3 不在家", [{ who: "王秀英@V1", outcome: "not_met" }], "未见到"],
  ["3 没见到 住院", [{ who: "王秀英@V1", outcome: "not_met" }], "未见到"],
  ["3 走访不遇", [{ who: "王秀英@V1", outcome: "not_met" }], "未见到"],
  ["昨天 1 正常", [{ ...N1, date: "2026-11-23" }], "（11月23日）"],
  ["前天 1 正常", [{ ...N1, date: "2026-11-22" }], "（11月22日）"],
  ["11月20日 1 正常", [{ ...N1, date: "2026-11-20" }], "（11月20日）"],
  ["11月2日 2 正常", [{ who: "李四@V1", outcome: "normal", date: "2026-11-02" }], "（11月2日）"],
  ["10月15日 2 正常", [{ who: "李四@V1", outcome: "normal", date: "2026-10-15" }], "（10月15日）"],
  [
    "昨天 2 电话 正常",
    [{ who: "李四@V1", outcome: "normal", method: "phone", date: "2026-11-23" }],
    "电话联系",
  ],
  [
    "１－３ 都正常",
    [N1, { who: "李四@V1", outcome: "normal" }, { who: "王秀英@V1", outcome: "normal" }],
    "已登记",
  ],
  ["ＡＢ", [], "没有看懂"],
  ["1 ✓", [N1], "已登记"],
  ["1 √", [N1], "已登记"],
];

test.each(VISITS)("%p", async (message, visits, fragment) => {
  const replies = await h.say("wangli", message);
  const mine = replies.filter((r) => r.to === "wangli");
  expect(mine.length).toBeGreaterThanOrEqual(1);
  expect(mine.map((r) => r.text).join("\n")).toContain(fragment);
  await expectVisits(visits);
});

// [message, the reply fragment] — nothing may be recorded, the reply says what is missing.
const REFUSALS: [string, string][] = [
  ["1", "还缺走访结果"],
  ["2 电话", "还缺走访结果"],
  ["正常", "还缺是哪一位"],
  ["电话 正常", "还缺是哪一位"],
  ["5 正常", "清单里没有第5号"],
  ["9 异常", "清单里没有第9号"],
  ["1 5 正常", "清单里没有第5号"],
  ["赵六 正常", "找到“赵六”"],
  ["明天 1 正常", "还没到"],
  ["9月1日 2 正常", "超出可补登的时间"],
  ["asdf", "没有看懂"],
  ["今天天气不错", "收到「今天天气不错」"],
  ["你好", "您好"],
  ["谢谢", "您好"],
  ["🙂", "您好"],
  ["   ", "您好"],
  ["1 正常 2 异常", "一次请只登记一条走访"],
  ["1 正常\n2 正常", "一次请只登记一条走访"],
  ["1 张三 正常", "没看懂"],
  ["确认", "当前没有需要确认的事项"],
  ["取消", "当前没有需要确认的事项"],
  ["撤销", "30分钟内没有可撤销的登记"],
  ["撤销 2", "30分钟内没有可撤销的登记"],
  ["撤销 7", "清单里没有第7号"],
  ["更正 2 异常 情绪激动", "没有找到李四可更正的走访记录"],
  ["统计", "仅供领导使用"],
  ["逾期", "仅供领导使用"],
  ["处理 E1 已送医", "只有处置人员和领导可以处理事件"],
  ["结案 E1", "只有处置人员和领导可以处理事件"],
  ["收到", "没有需要您确认的事件"],
  ["事件", "请写明发生了什么"],
  [`1 正常 ${"很长的备注".repeat(2000)}`.slice(0, 3), "还缺走访结果"],
  ["x".repeat(5000), "没有看懂"],
  ["1 正常\u0000\u0007", "已登记"],
];

test.each(REFUSALS)("%p is answered, never silently", async (message, fragment) => {
  const replies = await h.say("wangli", message);
  const mine = replies.filter((r) => r.to === "wangli");
  expect(mine.length).toBeGreaterThanOrEqual(1);
  expect(mine.map((r) => r.text).join("\n")).toContain(fragment);
  for (const r of mine) expect(Buffer.byteLength(r.text)).toBeLessThanOrEqual(2048);
  if (!fragment.startsWith("已登记")) await expectVisits([]);
});

test.each(["帮助", "?", "？", "怎么用", "帮助 ", "ＨＥＬＰ"].filter((m) => m !== "ＨＥＬＰ"))(
  "%p gives the usage card",
  async (message) => {
    const [reply] = await h.say("wangli", message);
    expect(reply?.text).toContain("包保助手使用说明");
  },
);

test("an error reply gives an example built from the sender's own list", async () => {
  await h.setList("wangli", ["王秀英@V1", "李四@V1"]);
  const [reply] = await h.say("wangli", "正常");
  expect(reply?.text).toContain("例如「1 正常」");
});

test("a cadre with no list is told how to get one", async () => {
  const replies = await h.say("zhaoqiang", "1 正常");
  expect(replies[0]?.text).toContain("还没有收到走访清单");
  await expectVisits([]);
});

test("a cadre cannot record a visit for someone they do not guarantee", async () => {
  // 孙六 is guaranteed by 赵强, not 王丽; 赵强 cannot record for 王丽's people by list either.
  await h.store.conversation.saveList(
    h.ids.zhaoqiang!,
    "daily",
    "2026-11-24",
    [{ n: 1, subjectId: h.ids["张三@V1"]!, name: "张三" }],
    NOW,
  );
  const replies = await h.say("zhaoqiang", "1 正常");
  expect(replies[0]?.text).toContain("您不是张三的包保人");
  await expectVisits([]);
  const ok = await h.say("zhaoqiang", "孙六 正常");
  expect(ok[0]?.text).toContain("已登记：孙六");
});

test("an ambiguous name gets a question, and a bare number answers it", async () => {
  const ask = await h.say("wangli", "张三 电话 正常");
  expect(ask[0]?.text).toContain("有2位叫张三");
  expect(ask[0]?.text).toContain("青山村");
  expect(ask[0]?.text).toContain("河口村");
  await expectVisits([]);
  const done = await h.say("wangli", "2");
  expect(done[0]?.text).toContain("已登记：张三 电话联系 正常");
  await expectVisits([{ who: "张三@V2", outcome: "normal", method: "phone" }]);
});

test("an abnormal visit without detail gets one follow-up question; the answer completes the record", async () => {
  const ask = await h.say("wangli", "2 异常");
  expect(ask).toHaveLength(1);
  expect(ask[0]?.text).toContain("请简要说明情况");
  await expectVisits([{ who: "李四@V1", outcome: "abnormal", anomalies: [] }]);
  const done = await h.say("wangli", "情绪激动 已通知民警");
  expect(done[0]?.text).toContain("已补充李四的异常情况");
  await expectVisits([
    { who: "李四@V1", outcome: "abnormal", anomalies: ["emotional_agitation"], note: "情绪激动 已通知民警" },
  ]);
});

test("a not-met visit without a reason asks where, once", async () => {
  const ask = await h.say("wangli", "3 未见");
  expect(ask[0]?.text).toContain("如知道去向");
  const done = await h.say("wangli", "去女儿家了");
  expect(done[0]?.text).toContain("已补充王秀英的去向");
  await expectVisits([{ who: "王秀英@V1", outcome: "not_met", note: "去女儿家了" }]);
});

test("a new command instead of the answer lets the question lapse", async () => {
  await h.say("wangli", "2 异常");
  const replies = await h.say("wangli", "1 正常");
  expect(replies[0]?.text).toContain("已登记：张三");
  expect(await h.db.prisma.conversationState.count()).toBe(0);
});

test("the same visit twice within 10 minutes is one record", async () => {
  await h.say("wangli", "1 正常");
  h.clock.now = new Date(NOW.getTime() + 5 * 60_000);
  const again = await h.say("wangli", "1 正常");
  expect(again[0]?.text).toContain("10分钟内已登记过");
  await expectVisits([N1]);
  h.clock.now = new Date(NOW.getTime() + 11 * 60_000);
  await h.say("wangli", "1 正常");
  expect(await activeVisits()).toHaveLength(2);
});

test("撤销 withdraws the last record within 30 minutes, and not after", async () => {
  await h.say("wangli", "1 正常");
  await h.say("wangli", "2 电话 正常");
  const w = await h.say("wangli", "撤销");
  expect(w[0]?.text).toContain("已撤销：李四");
  await expectVisits([N1]);
  const w2 = await h.say("wangli", "撤销 1");
  expect(w2[0]?.text).toContain("已撤销：张三");
  await expectVisits([]);
  await h.say("wangli", "3 正常");
  h.clock.now = new Date(NOW.getTime() + 31 * 60_000);
  const late = await h.say("wangli", "撤销");
  expect(late[0]?.text).toContain("30分钟内没有可撤销的登记");
  await expectVisits([{ who: "王秀英@V1", outcome: "normal" }]);
});

test("更正 replaces the last record for that number and keeps the old one as superseded", async () => {
  await h.say("wangli", "昨天 2 正常");
  const c = await h.say("wangli", "更正 2 异常 情绪激动");
  expect(c[0]?.text).toContain("已更正：李四 上门走访 异常（情绪激动）（11月23日）");
  await expectVisits([
    { who: "李四@V1", outcome: "abnormal", anomalies: ["emotional_agitation"], date: "2026-11-23" },
  ]);
  expect(await h.db.prisma.visit.count({ where: { status: "superseded" } })).toBe(1);
});

test("全部正常 for more than five people asks to confirm; 确认 records, 取消 does not", async () => {
  const six = ["张三@V1", "李四@V1", "王秀英@V1", "张三@V2", "张三@V1", "李四@V1"];
  await h.setList("wangli", six);
  // Six list entries, four distinct people: at most five, so it records straight away.
  const r = await h.say("wangli", "全部正常");
  expect(r[0]?.text).toContain("已登记");
  await h.db.prisma.visit.deleteMany();
  const many = Array.from({ length: 7 }, (_, i) => ({
    n: i + 1,
    subjectId: h.ids[["张三@V1", "李四@V1", "王秀英@V1", "张三@V2"][i % 4]!]!,
    name: `人${i}`,
  }));
  // Give 王丽 seven guaranteed people by guaranteeing three more.
  for (const name of ["甲一", "乙二", "丙三"]) {
    const s = await h.store.subjects.create({
      name,
      regionId: (await h.store.regions.findByCode("V1"))!.id,
      category: "idle_youth",
      level: "key",
    });
    await h.db.prisma.guarantee.create({
      data: { subjectId: s.id, cadreId: h.ids.wangli!, startDate: new Date("2026-01-01") },
    });
    h.ids[`${name}@V1`] = s.id;
  }
  const seven = ["张三@V1", "李四@V1", "王秀英@V1", "张三@V2", "甲一@V1", "乙二@V1", "丙三@V1"];
  expect(many).toHaveLength(7);
  await h.setList("wangli", seven);
  const ask = await h.say("wangli", "全部正常");
  expect(ask[0]?.text).toContain("将登记以下7人走访正常");
  await expectVisits([]);
  const no = await h.say("wangli", "取消");
  expect(no[0]?.text).toContain("已取消");
  await expectVisits([]);
  await h.say("wangli", "全部正常");
  const yes = await h.say("wangli", "确认");
  expect(yes[0]?.text).toContain("已登记");
  expect(await activeVisits()).toHaveLength(7);
});

test("an image or location within 30 minutes attaches to the last visit; never required", async () => {
  const none = await h.send("wangli", {
    type: "image",
    msgId: "i1",
    picUrl: "http://x/p.jpg",
    mediaId: "MEDIA1",
  } as never);
  expect(none[0]?.text).toContain("30分钟内没有您的走访记录");
  await h.say("wangli", "1 正常");
  const img = await h.send("wangli", {
    type: "image",
    msgId: "i2",
    picUrl: "http://x/p.jpg",
    mediaId: "MEDIA2",
  } as never);
  expect(img[0]?.text).toContain("已将照片附在张三的走访记录上");
  const loc = await h.send("wangli", {
    type: "location",
    msgId: "l1",
    latitude: 30.1,
    longitude: 114.2,
    scale: 15,
    label: "青山村",
  } as never);
  expect(loc[0]?.text).toContain("已将位置附在张三");
  const visit = await h.db.prisma.visit.findFirstOrThrow({ where: { status: "active" } });
  expect(visit.attachments).toEqual([
    expect.objectContaining({ type: "image", mediaId: "MEDIA2" }),
    expect.objectContaining({ type: "location", latitude: 30.1 }),
  ]);
});

describe("incidents", () => {
  beforeEach(async () => {
    await h.db.prisma.incidentEvent.deleteMany();
    await h.db.prisma.incident.deleteMany();
  });

  test("紧急 张三 持刀 在村口: an emergency with a number, the first rung is told 1:1, the reporter hears who", async () => {
    const replies = await h.say("wangli", "紧急 张三 持刀 在村口");
    const incident = await h.db.prisma.incident.findFirstOrThrow();
    expect(incident).toMatchObject({ severity: "emergency", status: "notified" });
    const mine = replies.filter((r) => r.to === "wangli");
    expect(mine[0]?.text).toContain(`已上报紧急事件 E${incident.id}`);
    // 张三 (青山村, mental disorder): the police, then the village leader; the township climbs later.
    expect(mine[0]?.text).toContain("已通知：刘警官、王德富");
    const notified = replies.filter((r) => JSON.stringify(r.body).includes("incident-ack:")).map((r) => r.to);
    expect(notified).toEqual(["liujg", "wangdefu"]);
    // Risk 2 → risk 3 is proposed; with no 精防医生 registered the township leader decides.
    expect(JSON.stringify(replies.find((r) => r.to === "zhoujg")?.body)).toContain("建议调整为风险3级");
    expect(JSON.stringify(replies.find((r) => r.to === "wangdefu")?.body)).toContain(`收到 E${incident.id}`);
  });

  test("急！王秀英 摔倒 无人照看: linked to the person on the register", async () => {
    await h.say("wangli", "急！王秀英 摔倒 无人照看");
    const incident = await h.db.prisma.incident.findFirstOrThrow();
    expect(incident).toMatchObject({
      severity: "emergency",
      subjectId: h.ids["王秀英@V1"],
      category: "elderly_alone",
    });
  });

  test("事件 李四 与邻居争吵 is a normal incident", async () => {
    const replies = await h.say("wangli", "事件 李四 与邻居争吵");
    const incident = await h.db.prisma.incident.findFirstOrThrow();
    expect(incident.severity).toBe("normal");
    expect(replies.find((r) => r.to === "wangli")?.text).toContain(`已上报事件 E${incident.id}`);
  });

  test("收到 E<n> acknowledges once and tells the reporter; 处理 and 结案 by a leader", async () => {
    await h.say("wangli", "紧急 李四 持刀伤人");
    const incident = await h.db.prisma.incident.findFirstOrThrow();
    const ack = await h.say("zhoujg", `收到 E${incident.id}`);
    expect(ack.find((r) => r.to === "zhoujg")?.text).toContain(`已确认收到 E${incident.id}`);
    expect(ack.find((r) => r.to === "wangli")?.text).toContain(`E${incident.id} 已由周建国确认收到`);
    const again = await h.say("wangdefu", `收到e${incident.id}`);
    expect(again.filter((r) => r.to === "wangli")).toHaveLength(0);
    const p = await h.say("zhoujg", `处理 E${incident.id} 已送医`);
    expect(p[0]?.text).toContain("已记录");
    const c = await h.say("zhoujg", `结案 E${incident.id} 已处置完毕`);
    expect(c[0]?.text).toContain(`已结案 E${incident.id}`);
    const events = await h.db.prisma.incidentEvent.findMany({
      where: { incidentId: incident.id },
      orderBy: { id: "asc" },
    });
    expect(events.map((e) => e.type)).toEqual([
      "reported",
      "notified",
      "notified",
      "acknowledged",
      "acknowledged",
      "progress",
      "closed",
    ]);
  });

  test("a bare 收到 acknowledges the only open incident sent to that leader", async () => {
    await h.say("wangli", "紧急 李四 持刀伤人");
    const replies = await h.say("wangdefu", "收到");
    expect(replies.find((r) => r.to === "wangdefu")?.text).toContain("已确认收到");
  });

  test("an unknown incident number is answered", async () => {
    const r = await h.say("zhoujg", "收到 E999");
    expect(r[0]?.text).toContain("没有找到事件 E999");
  });
});

test("统计 gives a leader today's figures for their own jurisdiction", async () => {
  await h.say("wangli", "1 正常");
  await h.say("wangli", "2 异常 情绪激动");
  const r = await h.say("wangdefu", "统计");
  expect(r[0]?.text).toContain("青山村");
  expect(r[0]?.text).toMatch(/走访覆盖率\d+%/);
  expect(r[0]?.text).toContain("今日异常走访1次：\n李四（青山村，王丽登记）情绪激动");
  expect(r[0]?.text).not.toContain("河口村");
});

test("任务 sends the list and makes it the reference for numbers", async () => {
  const r = await h.say("wangli", "任务");
  expect(r).toHaveLength(1);
  const list = await h.store.conversation.latestList(h.ids.wangli!);
  expect(list?.kind).toBe("tasks");
  expect(list!.items.length).toBeGreaterThanOrEqual(4);
  // A card with one-tap buttons for up to ten people.
  expect(r[0]?.body.msgtype).toBe("template_card");
  const card = (
    r[0]!.body as {
      template_card: { button_list: { key: string }[]; button_selection: { option_list: unknown[] } };
    }
  ).template_card;
  expect(card.button_list.map((b) => b.key)).toEqual(["normal", "abnormal", "not_met"]);
  expect(card.button_selection.option_list).toHaveLength(list!.items.length);
});

test("a card button records the visit through the same path and updates the card", async () => {
  await h.say("wangli", "任务");
  const list = (await h.store.conversation.latestList(h.ids.wangli!))!;
  const second = list.items[1]!;
  const replies = await h.send("wangli", {
    type: "template_card_event",
    eventKey: "normal",
    taskId: "tasks-x",
    cardType: "button_interaction",
    responseCode: "RC1",
    selectedItems: [{ questionKey: "person", optionIds: [`s${second.subjectId}`] }],
  } as never);
  expect(replies[0]?.text).toContain(`已登记：${second.name} 上门走访 正常`);
  const update = replies.find((r) => r.body.msgtype === "update_template_card");
  expect(update?.body.response_code).toBe("RC1");
  const options = (update!.body.template_card as { button_selection: { option_list: { id: string }[] } })
    .button_selection.option_list;
  expect(options.map((o) => o.id)).not.toContain(`s${second.subjectId}`);
  expect(await activeVisits()).toHaveLength(1);
});
