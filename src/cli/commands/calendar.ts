import fs from "node:fs";
import type { Command } from "commander";
import { formatScheduleMissingWarning } from "../../domain/labels";
import { addDays, isLocalDate, toDayNumber, ymdOf, zoneOf } from "../../domain/local-date";
import {
  type HolidayNotice,
  missingHolidays,
  type NoticeError,
  parseHolidayNotice,
} from "../../domain/parse-holiday-notice";
import { libraryScheduleYears } from "../../domain/calendar";
import { dayView } from "../../jobs/day-view";
import {
  CALENDAR_SETTING_KEY,
  changeCalendarSettings,
  noticeDifferences,
  parseCalendarSettings,
  type RulingSource,
  type StoredOverride,
  withNotice,
  withOverride,
  withoutOverride,
  withYearComplete,
  type YearRuling,
  yearCalendar,
} from "../../planning/calendar-settings";
import type { CliContext } from "../cli-context";
import { CliError } from "../cli-error";
import { cliActor, withStore } from "./with-store";

/** How a notice is imported: `npx baobao calendar import 通知.txt`. */
export const IMPORT_HINT = "npx baobao calendar import 通知.txt";

const SOURCE_LABELS: Record<RulingSource, string> = {
  library: "chinese-days",
  notice: "国务院通知（导入）",
  operator: "运维设置",
};

/** Largest notice file read (a real one is about 2 KB). */
const MAX_NOTICE_BYTES = 1 << 20;

function dayText(date: string): string {
  const d = dayView(date);
  return `${d.month}月${d.day}日（${d.weekday}）`;
}

function dayTextWithYear(date: string, year: number): string {
  const d = dayView(date);
  return `${d.year !== year ? `${d.year}年` : ""}${d.month}月${d.day}日（${d.weekday}）`;
}

/** Consecutive dates as ranges: "1月1日（周五）至1月3日（周日），共3天" or one day. */
function rangesText(dates: readonly string[], year: number): string[] {
  const ranges: { from: string; to: string; n: number }[] = [];
  for (const date of [...dates].sort()) {
    const last = ranges[ranges.length - 1];
    if (last && addDays(last.to, 1) === date) {
      last.to = date;
      last.n++;
    } else ranges.push({ from: date, to: date, n: 1 });
  }
  return ranges.map((r) =>
    r.n === 1
      ? dayTextWithYear(r.from, year)
      : `${dayTextWithYear(r.from, year)}至${dayTextWithYear(r.to, year)}，共${r.n}天`,
  );
}

function yearOption(value: string): number {
  const n = Number(value);
  if (!/^\d{4}$/.test(value) || n < 2000 || n > 2099)
    throw new CliError(`年份应为 2000–2099 的四位数：${value}`);
  return n;
}

const libraryRange = () => {
  const years = libraryScheduleYears();
  return `${years[0]}–${years[years.length - 1]}`;
};

/** The `calendar list --json` document (stable: scripts read it). */
export interface CalendarListJson {
  year: number;
  /** library: chinese-days has it; entered: imported or marked complete; missing: Mon–Fri only. */
  schedule: "library" | "entered" | "missing";
  daysOff: { date: string; name: string | null; source: RulingSource }[];
  workdays: { date: string; name: string | null; source: RulingSource }[];
  /** Years of the imported notices among them. */
  notices: number[];
  warning: string | null;
}

function listLines(
  year: number,
  rulings: YearRuling[],
  schedule: CalendarListJson["schedule"],
  notices: number[],
) {
  const lines: string[] = [];
  const status =
    schedule === "library"
      ? `chinese-days 已收录${notices.length > 0 ? "，另有导入的国务院通知" : ""}`
      : schedule === "entered"
        ? notices.includes(year)
          ? "已导入国务院办公厅通知"
          : "运维人员已录入并标记为完整"
        : "未收录";
  lines.push(`${year}年工作日安排：${status}`);
  if (schedule === "missing") {
    lines.push(
      `⚠ ${year}年的法定节假日和调休安排未收录（chinese-days 收录 ${libraryRange()} 年，也未导入通知），` +
        `整年暂按周一至周五为工作日计算：元旦、春节等节假日会照常推送走访卡片，调休上班的周末不推送。`,
      `  修正方法：把国务院办公厅《关于${year}年部分节假日安排的通知》全文保存为 通知.txt，执行 ${IMPORT_HINT}`,
    );
  }
  // Group consecutive rulings with the same kind, name and source.
  const groups: { rulings: YearRuling[] }[] = [];
  for (const r of rulings) {
    const last = groups[groups.length - 1]?.rulings;
    const prev = last?.[last.length - 1];
    if (
      last &&
      prev &&
      addDays(prev.date, 1) === r.date &&
      prev.workday === r.workday &&
      prev.name === r.name &&
      prev.source === r.source
    )
      last.push(r);
    else groups.push({ rulings: [r] });
  }
  const describe = (g: { rulings: YearRuling[] }) => {
    const first = g.rulings[0] as YearRuling;
    const dates = g.rulings.map((r) => r.date);
    const replaced = g.rulings.find((r) => r.overrides)?.overrides;
    return `  ${rangesText(dates, year)[0]}  ${first.name ?? "（无说明）"}  〔${SOURCE_LABELS[first.source]}${
      replaced ? `，替代 chinese-days 的“${replaced.name}”` : ""
    }〕`;
  };
  const off = groups.filter((g) => !g.rulings[0]?.workday);
  const work = groups.filter((g) => g.rulings[0]?.workday);
  if (off.length > 0) lines.push(`放假（不推送走访卡片）：`, ...off.map(describe));
  if (work.length > 0) lines.push(`工作日（调休上班等，照常推送）：`, ...work.map(describe));
  if (rulings.length === 0 && schedule !== "missing") lines.push("（没有放假或调休上班的日期）");
  lines.push(
    schedule === "missing" && rulings.length > 0
      ? `以上为已录入的日期；该年尚未标记为完整（全部录入后执行 npx baobao calendar set ${year} --complete），其余日期按周一至周五计算。`
      : "其余日期：周一至周五为工作日，周六、周日休息。",
  );
  return lines;
}

function errorLines(errors: readonly NoticeError[]): string[] {
  return errors.map(
    (e) => `  ${e.line > 0 ? `第${e.line}行` : "全文"}：${e.reason}${e.text ? `（${e.text}）` : ""}`,
  );
}

function noticeLines(notice: HolidayNotice): string[] {
  const lines = [`${notice.title ?? `${notice.year}年节假日安排`}`];
  for (const h of notice.holidays) {
    const parts = [`放假 ${rangesText(h.daysOff, notice.year).join("、")}`];
    if (h.workdays.length > 0)
      parts.push(`调休上班 ${h.workdays.map((d) => dayTextWithYear(d, notice.year)).join("、")}`);
    lines.push(`  ${h.name}：${parts.join("；")}`);
  }
  const off = notice.holidays.flatMap((h) => h.daysOff);
  const weekdaysOff = off.filter((d) => {
    const w = dayView(d).weekday;
    return w !== "周六" && w !== "周日";
  }).length;
  const work = notice.holidays.flatMap((h) => h.workdays);
  lines.push(
    `共放假 ${off.length} 天（其中周一至周五 ${weekdaysOff} 天不推送走访卡片），调休上班 ${work.length} 天（照常推送）。`,
  );
  const remarks = notice.holidays.flatMap((h) => h.remarks.map((r) => `  第${h.line}行 ${h.name}：${r}`));
  if (remarks.length > 0) lines.push("以下说明不是放假或上班日期，未录入：", ...remarks);
  return lines;
}

function overrideText(o: StoredOverride): string {
  return `${o.date} ${o.workday ? "上班" : "放假"}${o.note ? `（${o.note}）` : ""}〔${
    o.notice !== null ? `${o.notice}年通知` : "运维设置"
  }〕`;
}

async function readNotice(ctx: CliContext, file: string): Promise<string> {
  let bytes: Buffer;
  if (file === "-") {
    if (!ctx.io.input) throw new CliError("没有标准输入可读：请给出通知文件路径，或用管道传入通知全文");
    bytes = await ctx.io.input.readAll();
  } else {
    try {
      const stat = fs.statSync(file);
      if (!stat.isFile()) throw new CliError(`不是文件：${file}`);
      if (stat.size > MAX_NOTICE_BYTES)
        throw new CliError(`文件过大（${stat.size} 字节）：通知全文通常只有几千字节`);
      bytes = fs.readFileSync(file);
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError(
        `无法读取文件 ${file}：${(err as NodeJS.ErrnoException).code === "ENOENT" ? "文件不存在" : String(err)}`,
      );
    }
  }
  if (bytes.length > MAX_NOTICE_BYTES)
    throw new CliError(`输入过大（${bytes.length} 字节）：通知全文通常只有几千字节`);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    throw new CliError("通知不是 UTF-8 编码的文本（如为 GBK 编码，请另存为 UTF-8 后重试）");
  }
}

/** `baobao calendar list|set|import`: the working-day calendar without SQL. */
export function registerCalendarCommands(program: Command, ctx: CliContext): void {
  const calendar = program
    .command("calendar")
    .description("工作日日历：查看某年的放假与调休安排、设置单日、导入国务院放假通知");

  calendar
    .command("list")
    .description("显示某年的工作日安排：放假日、调休上班日、名称和来源（chinese-days、导入的通知、运维设置）")
    .option("--year <年份>", "年份（默认今年）", yearOption)
    .option("--json", "以 JSON 输出")
    .action(async (opts: { year?: number; json?: boolean }) => {
      const tz = ctx.config().tz;
      const year = opts.year ?? ymdOf(toDayNumber(zoneOf(tz).localDateAt(ctx.now()))).year;
      await withStore(ctx, async (store) => {
        const settings = parseCalendarSettings(await store.settings.get(CALENDAR_SETTING_KEY));
        const y = yearCalendar(settings, year);
        if (opts.json) {
          const doc: CalendarListJson = {
            year,
            schedule: y.schedule,
            daysOff: y.rulings
              .filter((r) => !r.workday)
              .map((r) => ({ date: r.date, name: r.name, source: r.source })),
            workdays: y.rulings
              .filter((r) => r.workday)
              .map((r) => ({ date: r.date, name: r.name, source: r.source })),
            notices: y.notices,
            warning: y.schedule === "missing" ? formatScheduleMissingWarning(year) : null,
          };
          ctx.io.out(JSON.stringify(doc));
          return;
        }
        ctx.io.out(listLines(year, y.rulings, y.schedule, y.notices).join("\n"));
      });
    });

  calendar
    .command("set")
    .description(
      "设置一天：--off 放假、--workday 上班（如调休上班）、--clear 清除设置（恢复 chinese-days 或周一至周五）；" +
        "给出年份时用 --complete 标记该年安排已全部录入（不再提示未收录），--incomplete 取消标记",
    )
    .argument("<日期或年份>", "YYYY-MM-DD，或四位年份（配合 --complete / --incomplete）")
    .option("--off", "这一天放假（不推送走访卡片）")
    .option("--workday", "这一天上班（照常推送）")
    .option("--clear", "清除这一天的设置")
    .option("--note <说明>", "名称或说明，如 元旦、春节调休上班、防汛停工（最多 50 字）")
    .option("--complete", "该年的放假和调休安排已全部录入")
    .option("--incomplete", "取消“已全部录入”的标记（恢复未收录警告）")
    .option("--json", "以 JSON 输出")
    .action(
      async (
        target: string,
        opts: {
          off?: boolean;
          workday?: boolean;
          clear?: boolean;
          note?: string;
          complete?: boolean;
          incomplete?: boolean;
          json?: boolean;
        },
      ) => {
        const modes = [opts.off, opts.workday, opts.clear].filter(Boolean).length;
        if (opts.complete && opts.incomplete) throw new CliError("--complete 与 --incomplete 不能同时使用");
        const note = opts.note?.trim() || null;
        if (note && note.length > 50) throw new CliError(`说明最多 50 字：${note}`);
        const actor = cliActor();
        const at = ctx.now();
        if (/^\d{4}$/.test(target)) {
          const year = yearOption(target);
          if (modes > 0 || note)
            throw new CliError("给出年份时只能用 --complete 或 --incomplete；设置单日请写 YYYY-MM-DD");
          if (!opts.complete && !opts.incomplete) throw new CliError("请用 --complete 或 --incomplete");
          const complete = !!opts.complete;
          if (libraryScheduleYears().includes(year))
            throw new CliError(
              `${year}年已由 chinese-days 收录，无需标记；单日调整请用 calendar set YYYY-MM-DD`,
            );
          await withStore(ctx, (store) =>
            changeCalendarSettings(store, actor, at, (current) => ({
              settings: withYearComplete(current, year, complete),
              result: undefined,
              audit: { action: "calendar.year", detail: { year, complete } },
            })),
          );
          if (opts.json) ctx.io.out(JSON.stringify({ year, complete }));
          else
            ctx.io.out(
              complete
                ? `已标记${year}年的放假和调休安排已全部录入：不再提示未收录，未设置的日期按周一至周五计算。`
                : `已取消${year}年“已全部录入”的标记：计划和推送将重新提示${year}年未收录。`,
            );
          return;
        }
        if (!isLocalDate(target))
          throw new CliError(`日期应为 YYYY-MM-DD 格式的真实日期（或四位年份）：${target}`);
        if (modes !== 1)
          throw new CliError("请用 --off（放假）、--workday（上班）或 --clear（清除）中的一个");
        if (opts.clear && note) throw new CliError("--clear 不需要 --note");
        if (opts.incomplete)
          throw new CliError("--incomplete 只能与年份一起使用：calendar set <年份> --incomplete");
        const year = ymdOf(toDayNumber(target)).year;
        if (opts.complete && libraryScheduleYears().includes(year))
          throw new CliError(`${year}年已由 chinese-days 收录，无需 --complete`);
        const markComplete = !!opts.complete;
        type SetResult = {
          removed: StoredOverride | null;
          replaced: StoredOverride | null;
          scheduled: boolean;
        };
        const result = await withStore(ctx, (store) =>
          changeCalendarSettings<SetResult>(store, actor, at, (current) => {
            if (opts.clear) {
              const cleared = withoutOverride(current, target);
              if (!cleared) throw new CliError(`${target} 没有设置或导入的安排，无需清除`);
              return {
                settings: cleared.settings,
                result: {
                  removed: cleared.removed,
                  replaced: null,
                  scheduled: current.scheduledYears.includes(year),
                },
                audit: {
                  action: "calendar.clear",
                  detail: { date: target, removed: { ...cleared.removed } },
                },
              };
            }
            const set = withOverride(current, { date: target, workday: !!opts.workday, note });
            const settings = markComplete ? withYearComplete(set.settings, year, true) : set.settings;
            return {
              settings,
              result: {
                removed: null,
                replaced: set.replaced,
                scheduled: settings.scheduledYears.includes(year),
              },
              audit: {
                action: "calendar.set",
                detail: {
                  date: target,
                  workday: !!opts.workday,
                  note,
                  replaced: set.replaced ? { ...set.replaced } : null,
                  yearComplete: markComplete,
                },
              },
            };
          }),
        );
        const scheduled = result.scheduled || libraryScheduleYears().includes(year);
        if (opts.json) {
          ctx.io.out(
            JSON.stringify({
              date: target,
              cleared: !!opts.clear,
              workday: opts.clear ? null : !!opts.workday,
              note,
              replaced: result.replaced ?? result.removed,
              yearScheduled: scheduled,
            }),
          );
          return;
        }
        const lines = [
          opts.clear
            ? `已清除 ${dayText(target)} 的设置（原为 ${overrideText(result.removed as StoredOverride)}）。`
            : `已设置 ${dayText(target)} ${opts.workday ? "上班" : "放假"}${note ? `（${note}）` : ""}` +
              `${result.replaced ? `，替换原有的 ${overrideText(result.replaced)}` : ""}。`,
        ];
        if (!scheduled)
          lines.push(
            `注意：${year}年仍未标记为完整录入，计划和推送会继续提示未收录；` +
              `全部录入后执行 npx baobao calendar set ${year} --complete，或直接导入通知：${IMPORT_HINT}`,
          );
        ctx.io.out(lines.join("\n"));
      },
    );

  calendar
    .command("import")
    .description(
      "导入国务院办公厅《关于20XX年部分节假日安排的通知》：读取全文（文件或 - 表示标准输入，UTF-8），" +
        "识别各节日的放假日和调休上班日，显示后确认保存；重新导入同一年会替换上次导入的内容",
    )
    .argument("<文件>", "通知全文的文本文件；- 表示从标准输入读取")
    .option("--year <年份>", "年份（默认取通知标题中的年份；两者不符时报错）", yearOption)
    .option("--yes", "不询问，直接保存")
    .option("--json", "以 JSON 输出（不询问；不加 --yes 时只显示、不保存）")
    .action(async (file: string, opts: { year?: number; yes?: boolean; json?: boolean }) => {
      const text = await readNotice(ctx, file);
      const parsed = parseHolidayNotice(text, opts.year === undefined ? {} : { year: opts.year });
      if (!parsed.ok) {
        if (opts.json) ctx.io.out(JSON.stringify({ stored: false, errors: parsed.errors }));
        throw new CliError(["通知无法识别，未保存任何内容：", ...errorLines(parsed.errors)].join("\n"));
      }
      const notice = parsed.notice;
      const differences = noticeDifferences(notice);
      const absent = missingHolidays(notice);
      const inLibrary = libraryScheduleYears().includes(notice.year);
      const doc = {
        year: notice.year,
        title: notice.title,
        holidays: notice.holidays,
        missingHolidays: absent,
        differencesFromLibrary: differences,
      };
      const preview = noticeLines(notice);
      if (absent.length > 0) {
        preview.push(
          `注意：通知中没有${absent.join("、")}。正式通知每年都列出这七个节日，请确认复制的是通知全文；` +
            `导入后${notice.year}年将视为已完整录入，未列出的节日按周一至周五计算。`,
        );
      }
      if (differences.length > 0) {
        const label = (v: boolean | null) => (v === null ? "无安排" : v ? "上班" : "放假");
        preview.push(
          `与 chinese-days 收录的${notice.year}年安排有 ${differences.length} 处不同：`,
          ...differences.map(
            (d) =>
              `  ${dayText(d.date)}：通知 ${label(d.notice)}，chinese-days ${label(d.library)}` +
              (d.notice === null ? "（通知未提及，仍按 chinese-days）" : "（保存后以通知为准）"),
          ),
        );
      } else if (inLibrary) {
        preview.push(`与 chinese-days 收录的${notice.year}年安排完全一致。`);
      }

      const actor = cliActor();
      const store = async () =>
        withStore(ctx, (s) =>
          changeCalendarSettings(s, actor, ctx.now(), (current) => {
            const change = withNotice(current, notice);
            return {
              settings: change.settings,
              result: change,
              audit: {
                action: "calendar.import",
                detail: {
                  year: notice.year,
                  title: notice.title,
                  daysOff: change.added.filter((o) => !o.workday).map((o) => o.date),
                  workdays: change.added.filter((o) => o.workday).map((o) => o.date),
                  replaced: change.replaced.map((o) => ({ ...o })),
                },
              },
            };
          }),
        );

      if (opts.json) {
        if (!opts.yes) {
          ctx.io.out(JSON.stringify({ ...doc, stored: false }));
          throw new CliError("未保存：加 --yes 才会保存（--json 时不询问）。", 2);
        }
        const change = await store();
        ctx.io.out(JSON.stringify({ ...doc, stored: true, replaced: change.replaced }));
        return;
      }
      ctx.io.out(preview.join("\n"));
      if (!opts.yes) {
        const input = ctx.io.input;
        if (!input?.interactive) {
          throw new CliError(
            `未保存：没有终端可以确认。请核对以上安排，无误后加 --yes 重新执行：npx baobao calendar import ${file === "-" ? "-" : file} --yes`,
            2,
          );
        }
        const answer = (await input.ask(`确认保存${notice.year}年的以上安排？[y/N] `)).trim().toLowerCase();
        if (!["y", "yes", "是", "确认"].includes(answer)) throw new CliError("已取消，未保存任何内容。");
      }
      const change = await store();
      const lines = [
        `已保存${notice.year}年放假安排：放假 ${change.added.filter((o) => !o.workday).length} 天、调休上班 ${
          change.added.filter((o) => o.workday).length
        } 天。计划、推送和提醒即日起按此计算${inLibrary ? "（chinese-days 也收录了该年，两者不同时以导入的为准）" : `，不再提示${notice.year}年未收录`}。`,
      ];
      if (change.replaced.length > 0) {
        const again = change.replaced.filter((o) => o.notice === notice.year).length;
        const others = change.replaced.filter((o) => o.notice !== notice.year);
        if (again > 0) lines.push(`替换了此前导入的${notice.year}年安排 ${again} 条。`);
        if (others.length > 0)
          lines.push(`替换了已有的设置 ${others.length} 条：${others.map(overrideText).join("；")}`);
      }
      lines.push(`查看：npx baobao calendar list --year ${notice.year}`);
      ctx.io.out(lines.join("\n"));
    });
}
