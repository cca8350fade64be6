/**
 * `帮助` / `?` (issue 11 item 7): examples built from the sender's own list, the generic card
 * otherwise, and the leader and responder commands for those who hold the roles.
 */
import { parseMessage } from "../../src/bot/parse/parse-message";
import { type BotHarness, createBotHarness } from "../helpers/bot-harness";

const NOW = new Date("2026-11-24T02:00:00Z"); // Tuesday 10:00 in Shanghai
let h: BotHarness;

beforeAll(async () => {
  h = await createBotHarness({ now: NOW });
});
afterAll(() => h.close());

beforeEach(async () => {
  await h.db.prisma.visit.deleteMany();
  await h.db.prisma.conversationState.deleteMany();
  await h.db.prisma.cadreList.deleteMany();
});

const GENERIC = [
  "包保助手使用说明：",
  "· 回复「1 正常」登记第1人走访正常；「2 异常 情绪激动」登记异常",
  "· 「任务」查看今天的清单，「撤销」撤回上一条登记",
  "· 「紧急 张三 持刀 在村口」立即上报紧急情况",
];
const INCIDENT_LINE =
  "· 事件：「收到 E12」确认收到，「处理 E12 已送医」报告进展，「结案 E12 已妥善处置」结案";
const LEADER_LINE = "· 领导：「统计」查看本辖区今日概况，「逾期」查看逾期名单";

async function help(from: string, message = "帮助"): Promise<string> {
  const replies = await h.say(from, message);
  expect(replies).toHaveLength(1);
  expect(replies[0]?.to).toBe(from);
  return replies[0]?.text ?? "";
}

/** Every example the card quotes: 「…」. */
const quoted = (card: string) => [...card.matchAll(/「([^」]+)」/g)].map((m) => m[1] as string);

test("with a list, the examples use the first person's number and name", async () => {
  await h.setList("wangli", ["王秀英@V1", "李四@V1"]);
  expect(await help("wangli")).toBe(
    [
      "包保助手使用说明：",
      "· 回复「1 正常」登记王秀英走访正常；「1 异常 情绪激动」登记异常；「1 未见 外出务工」登记未见到",
      "· 电话联系写「1 电话 正常」；几人一起写「1 2 正常」；也可写姓名「王秀英 正常」",
      "· 补登昨天的走访：「昨天 1 正常」",
      "· 「任务」查看今天的清单，「本周」查看本周应访；「撤销」撤回上一条登记，「更正 1 异常 情绪激动」改正第1人的上一条",
      "· 「紧急 王秀英 情绪失控 在村口」立即上报紧急情况",
    ].join("\n"),
  );
  // `?` and the menu button give the same card.
  expect(await help("wangli", "？")).toContain("登记王秀英走访正常");
  const [click] = await h.send("wangli", { type: "click", eventKey: "help" } as never);
  expect(click?.text).toContain("登记王秀英走访正常");
});

test("every example on the personal card is understood as what it says, and the first one works", async () => {
  await h.setList("wangli", ["王秀英@V1", "李四@V1"]);
  const card = await help("wangli");
  const kinds = quoted(card).map((example) => [example, parseMessage(example, { today: "2026-11-24" }).kind]);
  expect(kinds).toEqual([
    ["1 正常", "visit"],
    ["1 异常 情绪激动", "visit"],
    ["1 未见 外出务工", "visit"],
    ["1 电话 正常", "visit"],
    ["1 2 正常", "visit"],
    ["王秀英 正常", "visit"],
    ["昨天 1 正常", "visit"],
    ["任务", "tasks"],
    ["本周", "week"],
    ["撤销", "withdraw"],
    ["更正 1 异常 情绪激动", "correct"],
    ["紧急 王秀英 情绪失控 在村口", "incident"],
  ]);
  const [reply] = await h.say("wangli", "王秀英 正常");
  expect(reply?.text).toContain("已登记：王秀英");
});

test("a number is taken from the list as sent: the first person need not be number 1", async () => {
  // Number 1 is no longer 王丽's (赵强's 孙六 on a stale list); 2 is hers.
  await h.store.conversation.saveList(
    h.ids.wangli!,
    "daily",
    "2026-11-24",
    [
      { n: 1, subjectId: h.ids["孙六@V2"]!, name: "孙六" },
      { n: 2, subjectId: h.ids["李四@V1"]!, name: "李四" },
    ],
    NOW,
  );
  const card = await help("wangli");
  expect(card).toContain("回复「2 正常」登记李四走访正常");
  expect(card).not.toContain("孙六");
  // Only one person is still hers: no several-people example.
  expect(card).not.toContain("几人一起");
});

test("a name two of the sender's people share is not offered as a name example", async () => {
  await h.setList("wangli", ["张三@V1", "李四@V1"]);
  const card = await help("wangli");
  expect(card).toContain("回复「1 正常」登记张三走访正常");
  expect(card).not.toContain("「张三 正常」");
  expect(card).not.toContain("也可写姓名");
});

test("without a list, with an empty one, or with nobody on it still theirs: the generic card", async () => {
  expect(await help("zhaoqiang")).toBe(GENERIC.join("\n"));
  await h.store.conversation.saveList(h.ids.zhaoqiang!, "daily", "2026-11-24", [], NOW);
  expect(await help("zhaoqiang")).toBe(GENERIC.join("\n"));
  await h.setList("zhaoqiang", ["张三@V1"]); // not one of 赵强's people
  expect(await help("zhaoqiang")).toBe(GENERIC.join("\n"));
});

test("leaders also see 统计 and 逾期; responders see how to handle an incident", async () => {
  expect(await help("zhoujg")).toBe([...GENERIC, INCIDENT_LINE, LEADER_LINE].join("\n"));
  expect(await help("liujg")).toBe([...GENERIC, INCIDENT_LINE].join("\n"));
  // A village leader who also guarantees, with a list: the personal examples and the leader lines.
  await h.db.prisma.guarantee.create({
    data: { subjectId: h.ids["孙六@V2"]!, cadreId: h.ids.wangdefu!, startDate: new Date("2026-01-01") },
  });
  await h.setList("wangdefu", ["孙六@V2"]);
  const card = await help("wangdefu");
  expect(card).toContain("回复「1 正常」登记孙六走访正常");
  expect(card.endsWith(`${INCIDENT_LINE}\n${LEADER_LINE}`)).toBe(true);
  expect(quoted(card).filter((q) => q === "统计" || q === "逾期")).toEqual(["统计", "逾期"]);
  for (const example of ["收到 E12", "处理 E12 已送医", "结案 E12 已妥善处置", "统计", "逾期"]) {
    expect(parseMessage(example, { today: "2026-11-24" }).kind).not.toMatch(/unknown|incomplete/);
  }
});
