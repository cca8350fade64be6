/**
 * Text normalisation, the first step of parsing. It turns what a phone keyboard produces into one
 * canonical form so the command grammar only has to deal with half-width digits, single spaces and
 * simplified characters.
 */

// Circled and parenthesised numbers people use for list items: ①, ⑴, ⒈, ❶, ➀, ➊, ㉑, ㊱, ㈠, ㊀.
const NUMBERED_BLOCKS: readonly (readonly [first: number, count: number, firstValue: number])[] = [
  [0x2460, 20, 1], // ① .. ⑳
  [0x2474, 20, 1], // ⑴ .. ⒇
  [0x2488, 20, 1], // ⒈ .. ⒛
  [0x24eb, 10, 11], // ⓫ .. ⓴
  [0x24f5, 10, 1], // ⓵ .. ⓾
  [0x2776, 10, 1], // ❶ .. ❿
  [0x2780, 10, 1], // ➀ .. ➉
  [0x278a, 10, 1], // ➊ .. ➓
  [0x3251, 15, 21], // ㉑ .. ㉟
  [0x32b1, 15, 36], // ㊱ .. ㊿
  [0x3220, 10, 1], // ㈠ .. ㈩
  [0x3280, 10, 1], // ㊀ .. ㊉
];

const DASHES = new Set([
  "\u2010",
  "\u2011",
  "\u2012",
  "\u2013",
  "\u2014",
  "\u2015",
  "\u2212",
  "\ufe58",
  "\ufe63",
]);
const WAVES = new Set(["\u301c", "\u223c", "\u3030"]);
const MIDDLE_DOTS = new Set(["\u00b7", "\u30fb", "\uff65", "\u2027", "\u2022", "\u2219", "\u22c5", "\u0387"]);
const CHECK_MARKS = new Set(["\u2713", "\u2714", "\u2705", "\u2611"]);
const HALF_WIDTH_CJK: Readonly<Record<string, string>> = {
  "\uff61": "。",
  "\uff62": "「",
  "\uff63": "」",
  "\uff64": "、",
};

/** Traditional characters that occur in command and outcome words, mapped to simplified ones. */
const TRADITIONAL = new Map(
  Object.entries({
    異: "异",
    電: "电",
    話: "话",
    視: "视",
    頻: "频",
    銷: "销",
    幫: "帮",
    統: "统",
    計: "计",
    緊: "紧",
    處: "处",
    結: "结",
    見: "见",
    無: "无",
    沒: "没",
    門: "门",
    訪: "访",
    報: "报",
    務: "务",
    週: "周",
    當: "当",
    態: "态",
    緒: "绪",
    動: "动",
    藥: "药",
    殘: "残",
    聯: "联",
    繫: "系",
    復: "复",
    獨: "独",
    爭: "争",
    紛: "纷",
    醫: "医",
    況: "况",
    題: "题",
    穩: "稳",
    離: "离",
    開: "开",
    現: "现",
    兒: "儿",
    號: "号",
    個: "个",
    單: "单",
    們: "们",
    發: "发",
    鬧: "闹",
    傷: "伤",
    殺: "杀",
    鬥: "斗",
    學: "学",
    錯: "错",
    對: "对",
    認: "认",
    確: "确",
    說: "说",
    問: "问",
    後: "后",
    還: "还",
    過: "过",
    檢: "检",
    驗: "验",
    陽: "阳",
    總: "总",
    匯: "汇",
    覽: "览",
    長: "长",
  }),
);

// WeChat and WeCom send their built-in faces as text such as [微笑]; they carry no command.
const WECHAT_FACES = [
  "微笑",
  "撇嘴",
  "色",
  "发呆",
  "得意",
  "流泪",
  "害羞",
  "闭嘴",
  "睡",
  "大哭",
  "尴尬",
  "发怒",
  "调皮",
  "呲牙",
  "惊讶",
  "难过",
  "囧",
  "抓狂",
  "吐",
  "偷笑",
  "愉快",
  "白眼",
  "傲慢",
  "困",
  "惊恐",
  "憨笑",
  "悠闲",
  "咒骂",
  "疑问",
  "嘘",
  "晕",
  "衰",
  "骷髅",
  "敲打",
  "再见",
  "擦汗",
  "抠鼻",
  "鼓掌",
  "坏笑",
  "右哼哼",
  "鄙视",
  "委屈",
  "快哭了",
  "阴险",
  "亲亲",
  "可怜",
  "笑脸",
  "生病",
  "脸红",
  "破涕为笑",
  "恐惧",
  "失望",
  "无语",
  "嘿哈",
  "捂脸",
  "奸笑",
  "机智",
  "皱眉",
  "耶",
  "吃瓜",
  "加油",
  "汗",
  "天啊",
  "Emm",
  "社会社会",
  "旺柴",
  "好的",
  "打脸",
  "哇",
  "翻白眼",
  "666",
  "让我看看",
  "叹气",
  "苦涩",
  "裂开",
  "合十",
  "强",
  "弱",
  "握手",
  "胜利",
  "抱拳",
  "勾引",
  "拳头",
  "OK",
  "玫瑰",
  "凋谢",
  "嘴唇",
  "爱心",
  "心碎",
  "拥抱",
  "礼物",
  "红包",
  "福",
  "烟花",
  "爆竹",
  "猪头",
  "跳跳",
  "发抖",
  "转圈",
];
const WECHAT_FACE_PATTERN = new RegExp(`\\[(?:${WECHAT_FACES.join("|")})\\]`, "giu");

const EMOJI = /\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{Regional_Indicator}/u;
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/u;
const CONTROL = /\p{Cc}|\p{Zl}|\p{Zp}|\p{Co}|\p{Cs}/u;
const HAN = /\p{Script=Han}/u;

/** Punctuation that always separates words. */
const SEPARATORS = new Set(
  Array.from(
    "，。、；：！？（）【】「」『』《》〈〉〔〕〖〗“”‘’…‥〃〝〞〟﹁﹂﹃﹄︰︱,;!?()[]{}\"'<>|\\`^*=+#_&※★☆●○■□▲△◆◇→←↑↓",
  ),
);
const CHINESE_NUMERAL_CHARS = "一二三四五六七八九十";

const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= "0" && ch <= "9";
const isNumeral = (ch: string | undefined): boolean =>
  ch !== undefined && (isDigit(ch) || CHINESE_NUMERAL_CHARS.includes(ch));
const isHan = (ch: string | undefined): boolean => ch !== undefined && HAN.test(ch);

/** Maps one code point (or lone surrogate) to its canonical form; "" drops it, " " separates. */
function mapCharacter(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  if (IGNORABLE.test(ch)) return ""; // zero-width space/joiner, BOM, variation selectors, bidi marks
  if (CONTROL.test(ch)) return " "; // newlines, tabs, NUL, private use, lone surrogates
  if (cp === 0x20e3) return ""; // combining keycap: 1️⃣ becomes 1
  if (cp === 0x3000) return " ";
  if (cp >= 0xff01 && cp <= 0xff5e) return String.fromCharCode(cp - 0xfee0);
  const halfWidth = HALF_WIDTH_CJK[ch];
  if (halfWidth !== undefined) return halfWidth;
  for (const [first, count, firstValue] of NUMBERED_BLOCKS) {
    if (cp >= first && cp < first + count) return ` ${firstValue + cp - first} `;
  }
  if (cp === 0x24ea) return " 0 "; // ⓪
  if (DASHES.has(ch)) return "-";
  if (WAVES.has(ch)) return "~";
  if (MIDDLE_DOTS.has(ch)) return "·";
  if (CHECK_MARKS.has(ch)) return " √ ";
  if (EMOJI.test(ch)) return " ";
  return TRADITIONAL.get(ch) ?? ch;
}

const collapseSpaces = (text: string): string => text.replace(/\s+/gu, " ").trim();

/** Removes leading @mentions (group chats: "@包保助手 1 正常") and trailing ones. */
function stripMentions(text: string): string {
  let result = text;
  while (result.startsWith("@")) {
    const space = result.indexOf(" ");
    result = space === -1 ? "" : result.slice(space + 1);
  }
  while (/ @\S+$/u.test(result)) result = result.replace(/ @\S+$/u, "");
  return result;
}

/** Turns punctuation into separators, keeping what carries meaning between digits or names. */
function separatePunctuation(text: string): string {
  const chars = Array.from(text);
  const nonSpace = (from: number, step: 1 | -1): string | undefined => {
    for (let i = from; i >= 0 && i < chars.length; i += step) if (chars[i] !== " ") return chars[i];
    return undefined;
  };
  return chars
    .map((ch, i) => {
      if (SEPARATORS.has(ch)) return " ";
      // 10.5, 11.20, 10:30, 11/20 keep their mark; "1." (a copied card line) does not.
      if (ch === "." || ch === ":" || ch === "/")
        return isDigit(chars[i - 1]) && isDigit(chars[i + 1]) ? ch : " ";
      // Ranges: 1-3, 1 ~ 3, 一~三, 2026-11-20.
      if (ch === "-" || ch === "~")
        return isNumeral(nonSpace(i - 1, -1)) && isNumeral(nonSpace(i + 1, 1)) ? ch : " ";
      // Names such as 阿依古丽·买买提 keep their dot; elsewhere it is a separator.
      if (ch === "·") return isHan(chars[i - 1]) && isHan(chars[i + 1]) ? ch : " ";
      return ch;
    })
    .join("");
}

/**
 * Normalises a message: full-width letters, digits and spaces to half-width; zero-width and
 * control characters, BOM, lone surrogates and emoji removed; circled numbers to digits; dashes and
 * middle dots unified; a few traditional characters simplified; leading @mentions removed; Chinese
 * and ASCII punctuation turned into single spaces (except "." ":" "/" between digits, "-" "~"
 * between numbers and "·" inside names). A message of only question marks becomes "?".
 * Never throws; letters keep their case.
 */
export function normalise(input: string): string {
  const raw = typeof input === "string" ? input : "";
  let text = "";
  for (const ch of raw) text += mapCharacter(ch);
  text = collapseSpaces(text.replace(WECHAT_FACE_PATTERN, " "));
  text = stripMentions(text);
  if (text !== "" && /^[? ]+$/.test(text)) return "?";
  // Repeat until nothing changes: a mention only exposed once punctuation is gone ("（@包保助手）1 正常")
  // can in turn expose a dash that no longer sits between numbers. Each round only removes text.
  let previous: string;
  do {
    previous = text;
    text = stripMentions(collapseSpaces(separatePunctuation(text)));
  } while (text !== previous);
  return text;
}
