import { normalise, parseMessage } from "../../../src/bot/parse";
import { parsedCommandSchema } from "./parsed-command-schema";

const TODAY = "2026-11-24";
const RUNS = 4000;

/** mulberry32: a tiny seeded PRNG, so a failure can be replayed from its seed. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Fragments cadres (and phones) really produce, plus hostile ones.
const FRAGMENTS = [
  ..."0123456789一二三四五六七八九十①②⑳⑴❶１２３",
  ..." 　\t\n\r、，。：；！？（）【】「」～·・-—~.:/,?!@#[]",
  "正常",
  "异常",
  "未见",
  "好",
  "好转",
  "电话",
  "视频",
  "上门",
  "全部",
  "都",
  "昨天",
  "明天",
  "11月20日",
  "2月30日",
  "11-20",
  "11.20",
  "2026-11-20",
  "撤销",
  "更正",
  "紧急",
  "急",
  "事件",
  "收到",
  "处理",
  "结案",
  "E12",
  "e",
  "任务",
  "本周",
  "帮助",
  "统计",
  "逾期",
  "确认",
  "取消",
  "张三",
  "王秀英",
  "阿依古丽·买买提",
  "情绪激动",
  "未服药",
  "未复吸",
  "无",
  "外出务工",
  "外出未报告",
  "住院",
  "不在家",
  "已通知民警",
  "@包保助手 ",
  "[微笑]",
  "[强]",
  "😀",
  "👍🏻",
  "👨‍👩‍👧",
  "🇨🇳",
  "1️⃣",
  "\u200b",
  "\ufeff",
  "\u202e",
  "\u0000",
  "\u0085",
  "\u2028",
  "\ud800",
  "\udfff",
  "\ufffd",
  "𠮷",
  "İ",
  "ß",
  "ＡＢＣ",
  "ok",
  "OK",
  "13800138000",
  "999",
  "1000",
  "0",
];

function randomText(random: () => number): string {
  const length = Math.floor(random() * 12);
  let text = "";
  for (let i = 0; i < length; i += 1) {
    if (random() < 0.15) {
      // Any code unit at all, including lone surrogates.
      text += String.fromCharCode(Math.floor(random() * 0x10000));
    } else if (random() < 0.05) {
      text += String.fromCodePoint(Math.floor(random() * 0x110000));
    } else {
      text += FRAGMENTS[Math.floor(random() * FRAGMENTS.length)];
    }
  }
  return text;
}

const LINE_BREAKS = /[\n\r\u2028\u2029\u0085]/;

describe("parseMessage on random input", () => {
  const random = createRandom(20261124);
  const inputs = Array.from({ length: RUNS }, () => randomText(random));
  const parse = (text: string) => parseMessage(text, { today: TODAY });

  // Each property collects the inputs that break it, so a failure names them all at once.
  test(`${RUNS} random messages: never throws, always a valid variant`, () => {
    const failures: string[] = [];
    for (const input of inputs) {
      try {
        const parsed = parse(input);
        const checked = parsedCommandSchema.safeParse(parsed);
        if (!checked.success)
          failures.push(`${JSON.stringify(input)} → ${JSON.stringify(parsed)}: ${checked.error.message}`);
      } catch (error) {
        failures.push(`${JSON.stringify(input)} threw ${String(error)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  test("visit dates are never after today and parsing is deterministic", () => {
    const failures: string[] = [];
    for (const input of inputs) {
      const parsed = parse(input);
      if ((parsed.kind === "visit" || parsed.kind === "correct") && parsed.date > TODAY)
        failures.push(JSON.stringify(input));
      if (JSON.stringify(parse(input)) !== JSON.stringify(parsed)) failures.push(JSON.stringify(input));
    }
    expect(failures).toEqual([]);
  });

  test("normalise is idempotent and leaves no invisible, control or full-width characters", () => {
    const failures: string[] = [];
    for (const input of inputs) {
      const once = normalise(input);
      if (normalise(once) !== once) failures.push(`${JSON.stringify(input)} → ${JSON.stringify(once)}`);
      if (/\p{Cc}|\p{Cs}|\p{Default_Ignorable_Code_Point}|[\uff01-\uff5e\u3000]|\s\s|^\s|\s$/u.test(once)) {
        failures.push(`${JSON.stringify(input)} → ${JSON.stringify(once)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  test("parsing the normalised text gives the same command (single-line messages)", () => {
    const failures: string[] = [];
    for (const input of inputs) {
      if (LINE_BREAKS.test(input)) continue;
      if (JSON.stringify(parse(normalise(input))) !== JSON.stringify(parse(input)))
        failures.push(JSON.stringify(input));
    }
    expect(failures).toEqual([]);
  });
});
