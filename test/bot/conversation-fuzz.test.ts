/**
 * Random input through bot.handle: whatever a cadre (or a broken client) sends, the bot answers
 * at least once, within WeCom's text limit, and never crashes.
 */
import { prng } from "../helpers/prng";
import { type BotHarness, createBotHarness } from "../helpers/bot-harness";

let h: BotHarness;
beforeAll(async () => {
  h = await createBotHarness({ now: new Date("2026-11-24T02:00:00Z") });
  await h.setList("wangli", ["张三@V1", "李四@V1", "王秀英@V1"]);
});
afterAll(() => h.close());

const PIECES = [
  "1",
  "2",
  " ",
  "、",
  "正常",
  "异常",
  "未见",
  "电话",
  "撤销",
  "更正",
  "紧急",
  "收到",
  "E",
  "张三",
  "全部",
  "昨天",
  "11月",
  "-",
  "😀",
  "\u200b",
  "？",
  "，",
  "\n",
  "ｘ",
  "@机器人",
  "确认",
  "取消",
  "任务",
  "99999999999",
  "\ud800",
];

test("200 random messages each get an answer within WeCom's limit and nothing crashes", async () => {
  const rand = prng(20261124);
  for (let i = 0; i < 200; i++) {
    const n = 1 + Math.floor(rand() * 8);
    let message = "";
    for (let k = 0; k < n; k++) {
      message +=
        rand() < 0.8
          ? PIECES[Math.floor(rand() * PIECES.length)]
          : String.fromCharCode(Math.floor(rand() * 0xffff));
    }
    if (rand() < 0.05) message = message.repeat(500);
    const replies = await h.say("wangli", message);
    const mine = replies.filter((r) => r.to === "wangli");
    expect({ message, count: mine.length > 0 }).toEqual({ message, count: true });
    for (const r of replies) expect(Buffer.byteLength(JSON.stringify(r.body))).toBeLessThan(4096);
    // Nothing ends as a failure (which would mean an unexpected exception in the bot).
  }
  const failed = await h.db.prisma.inboundMessage.findMany({
    where: { status: "failed" },
    select: { error: true },
  });
  expect(failed.map((f) => f.error).slice(0, 3)).toEqual([]);
  expect(await h.db.prisma.inboundMessage.count({ where: { status: "received" } })).toBe(0);
}, 300_000);
