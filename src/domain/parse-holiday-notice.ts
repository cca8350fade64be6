/**
 * Parses the State Council's yearly holiday notice (国务院办公厅关于20XX年部分节假日安排的通知)
 * into days off and make-up working days (调休上班). Pure: text in, data or specific errors out.
 *
 * The notice has a fixed wording, one numbered item per holiday:
 *
 *   一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
 *   二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
 *   一、元旦：1月1日（周三）放假1天，不调休。
 *   一、元旦：1月1日放假，与周末连休。
 *   一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。
 *
 * Text is NFKC-normalised first (full-width digits and punctuation become ASCII). Every date is
 * checked: a real date, a weekday in parentheses that matches, a range that runs forward, a day
 * count (共N天 / 放假N天) that matches the range, no date twice, make-up days on weekends, dates
 * within the notice's year (or the adjacent December/January). Sentences that are neither a day
 * off nor a make-up day (e.g. 鼓励各单位…安排职工在除夕休息) are kept as remarks.
 */
import { dayNumberOfYmd, formatDayNumber, isoWeekdayOf, type LocalDate, ymdOf } from "./local-date";

/** One numbered item of the notice. */
export interface NoticeHoliday {
  /** The holiday as the notice names it: 元旦, 春节, 国庆节、中秋节 … */
  name: string;
  /** 1-based line of the item in the text as given. */
  line: number;
  daysOff: LocalDate[];
  /** Make-up working days (调休上班). */
  workdays: LocalDate[];
  /** Sentences of the item that state neither (kept so the operator sees them). */
  remarks: string[];
}

export interface HolidayNotice {
  year: number;
  /** The title line, when the text has one. */
  title: string | null;
  holidays: NoticeHoliday[];
}

/** Something in the text that stops the import: where, what, why (Chinese, for operators). */
export interface NoticeError {
  /** 1-based line; 0 for the text as a whole. */
  line: number;
  /** The offending text (an item or a date), as normalised. */
  text: string;
  reason: string;
}

export type NoticeParseResult = { ok: true; notice: HolidayNotice } | { ok: false; errors: NoticeError[] };

export interface NoticeParseOptions {
  /** The year when the text has no title (or to check the title against). */
  year?: number;
}

const CN_DIGITS: Record<string, number> = {
  零: 0,
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};

/** 1–99 in Arabic or simple Chinese numerals (三, 十, 十二, 二十一). */
function numberOf(text: string): number | null {
  if (/^\d+$/.test(text)) return Number(text);
  const m = /^([一二两三四五六七八九])?(十)?([一二三四五六七八九])?$/.exec(text);
  if (!m || text === "") return null;
  const [, tens, ten, ones] = m;
  if (!ten) return tens && !ones ? (CN_DIGITS[tens] ?? null) : null;
  return (tens ? (CN_DIGITS[tens] ?? 0) : 1) * 10 + (ones ? (CN_DIGITS[ones] ?? 0) : 0);
}

const WEEKDAYS: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7 };
const WEEKDAY_NAMES = ["", "周一", "周二", "周三", "周四", "周五", "周六", "周日"];

/** `M月D日`, formatted for messages. */
function monthDay(dayNumber: number, withYear = false): string {
  const { year, month, day } = ymdOf(dayNumber);
  return `${withYear ? `${year}年` : ""}${month}月${day}日`;
}

// After NFKC: （）→(), ：→:, ，→, ; 、 and 。 stay. Dashes and tildes join ranges.
const RANGE_JOIN = "(?:至|到|-|—|–|−|~|〜)";
const DATE = "(?:(\\d{4})年)?(?:(\\d{1,2})月)?(\\d{1,2})日(?:\\(([^()]*)\\))?";
const RANGE_RE = new RegExp(`^${DATE}(?:${RANGE_JOIN}${DATE})?$`);
const SINGLE_RE = new RegExp(`^${DATE}$`);
const ITEM_RE = /^([一二三四五六七八九十]+)、([\u4e00-\u9fff]{1,12}(?:、[\u4e00-\u9fff]{1,12})*):(.*)$/;
// An item header inside a line (the whole notice pasted as one paragraph).
const ITEM_START_RE =
  /(?<=[。\s])(?=[一二三四五六七八九十]+、[\u4e00-\u9fff]{1,12}(?:、[\u4e00-\u9fff]{1,12})*:)/g;
const ITEM_NUMBER_RE = /^[一二三四五六七八九十]+、/;
// "1月1日放假,1月4日上班": a make-up clause joined by a comma is a sentence of its own.
const SENTENCE_SPLIT_RE = /[。;]|,(?=(?:\d{4}年)?\d{1,2}月\d{1,2}日[^放。]*上班(?:[。;]|$))/;
const TITLE_RE = /关于(\d{4})年(?:部分)?节假日安排的通知/;
const INTRO_YEAR_RE = /现将(\d{4})年.{0,40}?(?:放假|安排)/;

interface RawDate {
  year?: string;
  month?: string;
  day: string;
  paren?: string;
}

interface ItemContext {
  line: number;
  noticeYear: number;
  errors: NoticeError[];
}

/** Resolves a written date (year and month may come from the date before it). */
function resolveDate(
  raw: RawDate,
  ctx: ItemContext,
  text: string,
  previous?: { year: number; month: number },
): number | null {
  const month = raw.month !== undefined ? Number(raw.month) : previous?.month;
  const day = Number(raw.day);
  if (month === undefined) {
    ctx.errors.push({ line: ctx.line, text, reason: `“${raw.day}日”前缺少月份` });
    return null;
  }
  let year = raw.year !== undefined ? Number(raw.year) : (previous?.year ?? ctx.noticeYear);
  // A range written "12月31日至1月2日" ends in the next year.
  if (raw.year === undefined && previous && month < previous.month) year = previous.year + 1;
  if (month < 1 || month > 12 || day < 1 || day > 31) {
    ctx.errors.push({ line: ctx.line, text, reason: `${month}月${day}日不是有效日期` });
    return null;
  }
  const dayNumber = dayNumberOfYmd(year, month, day);
  const back = ymdOf(dayNumber);
  if (back.month !== month || back.day !== day) {
    ctx.errors.push({ line: ctx.line, text, reason: `${year}年${month}月${day}日不是有效日期` });
    return null;
  }
  const first = dayNumberOfYmd(ctx.noticeYear - 1, 12, 1);
  const last = dayNumberOfYmd(ctx.noticeYear + 1, 1, 31);
  if (dayNumber < first || dayNumber > last) {
    ctx.errors.push({
      line: ctx.line,
      text,
      reason: `${monthDay(dayNumber, true)}不在${ctx.noticeYear}年的安排范围内（只接受${ctx.noticeYear}年及前后相邻的12月、1月）`,
    });
    return null;
  }
  if (raw.paren !== undefined) {
    for (const part of raw.paren.split(/[、,]/)) {
      const w = /^(?:周|星期|礼拜)([一二三四五六日天])$/.exec(part.trim());
      if (!w) continue;
      const written = WEEKDAYS[w[1] as string] as number;
      const actual = isoWeekdayOf(dayNumber);
      if (written !== actual) {
        ctx.errors.push({
          line: ctx.line,
          text,
          reason: `${monthDay(dayNumber, true)}是${WEEKDAY_NAMES[actual]}，通知写的是${part.trim()}（年份或日期有误？）`,
        });
        return null;
      }
    }
  }
  return dayNumber;
}

function rawDate(m: RegExpExecArray, offset: number): RawDate | undefined {
  const day = m[offset + 3];
  if (day === undefined) return undefined;
  return { year: m[offset + 1], month: m[offset + 2], day, paren: m[offset + 4] };
}

/** "…放假[调休|公休][,共N天|N天][,与周末连休|,不调休]" → the days off. */
function parseDaysOff(sentence: string, ctx: ItemContext): number[] | null {
  const at = sentence.indexOf("放假");
  const head = sentence.slice(0, at);
  const tail = sentence.slice(at + 2);
  const tailMatch =
    /^(?:调休|公休)?(?:,?共?([\d一二两三四五六七八九十]+)天)?(?:,?(?:与周末连休|不调休|调休))?$/.exec(tail);
  if (!tailMatch) {
    ctx.errors.push({ line: ctx.line, text: sentence, reason: `看不懂“放假”之后的“${tail}”` });
    return null;
  }
  const m = RANGE_RE.exec(head);
  if (!m) {
    ctx.errors.push({
      line: ctx.line,
      text: sentence,
      reason: `看不懂放假日期“${head || "（空）"}”，应为“1月1日至3日”或“4月4日”的形式`,
    });
    return null;
  }
  const start = rawDate(m, 0) as RawDate;
  const startDay = resolveDate(start, ctx, sentence);
  if (startDay === null) return null;
  const endRaw = rawDate(m, 4);
  let endDay = startDay;
  if (endRaw) {
    const s = ymdOf(startDay);
    const resolved = resolveDate(endRaw, ctx, sentence, { year: s.year, month: s.month });
    if (resolved === null) return null;
    endDay = resolved;
    if (endDay <= startDay) {
      ctx.errors.push({
        line: ctx.line,
        text: sentence,
        reason: `日期范围倒置：结束日${monthDay(endDay, true)}不晚于开始日${monthDay(startDay, true)}`,
      });
      return null;
    }
    if (endDay - startDay > 15) {
      ctx.errors.push({
        line: ctx.line,
        text: sentence,
        reason: `放假范围${monthDay(startDay)}至${monthDay(endDay)}长达${endDay - startDay + 1}天，不像节假日安排`,
      });
      return null;
    }
  }
  const days: number[] = [];
  for (let d = startDay; d <= endDay; d++) days.push(d);
  if (tailMatch[1] !== undefined) {
    const stated = numberOf(tailMatch[1]);
    if (stated !== days.length) {
      ctx.errors.push({
        line: ctx.line,
        text: sentence,
        reason: `天数不符：${monthDay(startDay)}${endDay !== startDay ? `至${monthDay(endDay)}` : ""}是${days.length}天，通知写共${tailMatch[1]}天`,
      });
      return null;
    }
  }
  return days;
}

/** "M月D日(周六)、M月D日(周日)上班" → the make-up working days. */
function parseWorkdays(sentence: string, ctx: ItemContext): number[] | null {
  const at = sentence.lastIndexOf("上班");
  const head = sentence.slice(0, at).replace(/^(?:另|另外|其中),?/, "");
  const tail = sentence.slice(at + 2);
  if (tail !== "") {
    ctx.errors.push({ line: ctx.line, text: sentence, reason: `看不懂“上班”之后的“${tail}”` });
    return null;
  }
  const parts = head.split(/[、,]/).filter((p) => p !== "");
  // A weekday in parentheses contains 、 only with a lunar date; rejoin "(农历…、周日)" pieces.
  const dates: string[] = [];
  for (const part of parts) {
    const last = dates[dates.length - 1];
    if (last?.includes("(") && !last.includes(")")) dates[dates.length - 1] = `${last}、${part}`;
    else dates.push(part);
  }
  if (dates.length === 0) {
    ctx.errors.push({ line: ctx.line, text: sentence, reason: "“上班”前没有日期" });
    return null;
  }
  const days: number[] = [];
  let previous: { year: number; month: number } | undefined;
  for (const text of dates) {
    const m = SINGLE_RE.exec(text);
    if (!m) {
      ctx.errors.push({
        line: ctx.line,
        text: sentence,
        reason: `看不懂上班日期“${text}”，应为“1月4日（周日）”的形式`,
      });
      return null;
    }
    const raw = rawDate(m, 0) as RawDate;
    // A make-up day without a month takes the previous one's ("2月14日、28日上班").
    const day = resolveDate(raw, ctx, sentence, raw.month === undefined ? previous : undefined);
    if (day === null) return null;
    if (isoWeekdayOf(day) <= 5) {
      ctx.errors.push({
        line: ctx.line,
        text: sentence,
        reason: `${monthDay(day, true)}是${WEEKDAY_NAMES[isoWeekdayOf(day)]}，本来就是工作日，不会是调休上班日`,
      });
      return null;
    }
    const ymd = ymdOf(day);
    previous = { year: ymd.year, month: ymd.month };
    days.push(day);
  }
  return days;
}

/**
 * The text as normalised lines (NFKC: full-width digits and punctuation become ASCII; no
 * whitespace, which Chinese text does not need), a pasted paragraph broken before each item
 * header. `line` is the line of the text as given.
 */
function linesOf(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    const pieces = raw.normalize("NFKC").replace(ITEM_START_RE, "\n").split("\n");
    for (const piece of pieces) {
      out.push({ line: i + 1, text: piece.replace(/[\s\u200b\ufeff]+/g, "").replace(/[“”《》]/g, "") });
    }
  });
  return out;
}

/** Parses the notice; on any error nothing is returned but the errors, each with its line. */
export function parseHolidayNotice(text: string, options: NoticeParseOptions = {}): NoticeParseResult {
  const lines = linesOf(text);
  const errors: NoticeError[] = [];

  let title: string | null = null;
  let titleYear: number | undefined;
  for (const l of lines) {
    const m = TITLE_RE.exec(l.text);
    if (m) {
      title = l.text;
      titleYear = Number(m[1]);
      break;
    }
  }
  if (titleYear === undefined) {
    for (const l of lines) {
      const m = INTRO_YEAR_RE.exec(l.text);
      if (m) {
        titleYear = Number(m[1]);
        break;
      }
    }
  }
  if (options.year !== undefined && titleYear !== undefined && options.year !== titleYear) {
    return {
      ok: false,
      errors: [
        {
          line: 0,
          text: title ?? "",
          reason: `通知写的是${titleYear}年的安排，与指定的年份${options.year}不符`,
        },
      ],
    };
  }
  const year = options.year ?? titleYear;
  if (year === undefined) {
    return {
      ok: false,
      errors: [
        {
          line: 0,
          text: "",
          reason:
            "无法确定年份：文本中没有“国务院办公厅关于20XX年部分节假日安排的通知”标题，请用 --year 指定",
        },
      ],
    };
  }
  if (!Number.isInteger(year) || year < 2000 || year > 2099) {
    return {
      ok: false,
      errors: [{ line: 0, text: String(year), reason: `年份${year}超出范围（2000–2099）` }],
    };
  }

  const holidays: NoticeHoliday[] = [];
  const seen = new Map<number, { line: number; name: string }>();
  for (const l of lines) {
    const m = ITEM_RE.exec(l.text);
    if (!m) {
      if (ITEM_NUMBER_RE.test(l.text) && /放假|上班/.test(l.text)) {
        errors.push({
          line: l.line,
          text: l.text,
          reason: "看不懂这一条：应为“一、元旦：1月1日至3日放假调休，共3天。”的形式（序号、节日名、冒号）",
        });
      }
      continue;
    }
    const name = m[2] as string;
    const body = m[3] as string;
    const ctx: ItemContext = { line: l.line, noticeYear: year, errors };
    const before = errors.length;
    const holiday: NoticeHoliday = { name, line: l.line, daysOff: [], workdays: [], remarks: [] };
    const sentences = body
      .split(SENTENCE_SPLIT_RE)
      .map((s) => s.replace(/^,+|,+$/g, ""))
      .filter((s) => s !== "");
    const offs: number[] = [];
    const works: number[] = [];
    for (const sentence of sentences) {
      if (sentence.includes("放假")) {
        const days = parseDaysOff(sentence, ctx);
        if (days) offs.push(...days);
      } else if (sentence.endsWith("上班") || /\d日(?:\([^()]*\))?上班/.test(sentence)) {
        const days = parseWorkdays(sentence, ctx);
        if (days) works.push(...days);
      } else {
        holiday.remarks.push(sentence);
      }
    }
    if (errors.length === before && offs.length === 0) {
      errors.push({ line: l.line, text: l.text, reason: `“${name}”一项中没有找到放假日期` });
    }
    if (errors.length > before) continue;
    for (const day of [...offs, ...works]) {
      const other = seen.get(day);
      if (other) {
        errors.push({
          line: l.line,
          text: l.text,
          reason: `${monthDay(day, true)}重复出现（第${other.line}行“${other.name}”已有此日）`,
        });
      } else {
        seen.set(day, { line: l.line, name });
      }
    }
    holiday.daysOff = offs.map(formatDayNumber);
    holiday.workdays = works.map(formatDayNumber);
    holidays.push(holiday);
  }
  if (errors.length === 0 && holidays.length === 0) {
    errors.push({
      line: 0,
      text: "",
      reason: "没有找到放假安排条目（应有“一、元旦：1月1日至3日放假调休，共3天。”这样的条目）",
    });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, notice: { year, title, holidays } };
}

/** The seven holidays every notice since 2008 names (中秋节 sometimes together with 国庆节). */
export const STATUTORY_HOLIDAYS = ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"] as const;

/** Statutory holidays the notice does not name: a notice copied only in part, most likely. */
export function missingHolidays(notice: HolidayNotice): string[] {
  return STATUTORY_HOLIDAYS.filter(
    (name) => !notice.holidays.some((h) => h.name.includes(name.replace(/节$/, ""))),
  );
}
