import type { Command } from "commander";
import { loadTemplates } from "../../bot/templates";
import { describePlanItem } from "../../jobs/daily-card";
import { dayView } from "../../jobs/day-view";
import { planWarnings } from "../../jobs/job-outcome";
import { zoneOf } from "../../domain/local-date";
import { createPlanner } from "../../planning/planner";
import type { CliContext } from "../cli-context";
import { CliError } from "../cli-error";
import { calendarOutlook, parseDateOption, progressLine, withCalendarFirst, withStore } from "./with-store";

/** The `plan --json` document (stable: scripts read it). */
export interface PlanJson {
  date: string;
  workday: boolean;
  cadres: {
    userid: string;
    name: string;
    items: {
      n: number;
      subjectId: number;
      name: string;
      category: string;
      level: string;
      status: "due" | "overdue";
      overdueDays: number;
    }[];
  }[];
  /** Missing holiday schedules (the day's year; from 1 December also the next): also first in `warnings`. */
  calendarWarnings: { year: number; message: string }[];
  warnings: string[];
}

/** `baobao plan --date YYYY-MM-DD [--cadre userid] [--json]`. */
export function registerPlanCommand(program: Command, ctx: CliContext): void {
  program
    .command("plan")
    .description("显示某天每位包保干部的走访清单（即当天早上的走访卡片内容）")
    .option("--date <YYYY-MM-DD>", "日期（默认今天；其他日期按当天 8:30 计算）")
    .option("--cadre <userid>", "只显示这位干部")
    .option("--json", "以 JSON 输出")
    .action(async (opts: { date?: string; cadre?: string; json?: boolean }) => {
      const tz = ctx.config().tz;
      const now = ctx.now();
      const date = parseDateOption(opts.date, zoneOf(tz).localDateAt(now));
      const progress = progressLine(!opts.json);
      await withStore(ctx, async (store) => {
        const planner = createPlanner({ repos: store, tz, onProgress: progress.onProgress });
        // The holiday-schedule gap first, before the (long) plan: it decides whether cards go out.
        const calendarWarnings = await calendarOutlook(planner, date);
        if (!opts.json) for (const w of calendarWarnings) ctx.io.err(`警告：${w.message}`);
        const plan = await planner.planForDate({ now, date });
        progress.done();
        const lists = opts.cadre ? plan.lists.filter((l) => l.cadre.userid === opts.cadre) : plan.lists;
        if (
          opts.cadre &&
          lists.length === 0 &&
          ![...plan.cadres.values()].some((c) => c.userid === opts.cadre)
        ) {
          throw new CliError(`找不到在岗干部：${opts.cadre}`);
        }
        const warnings = withCalendarFirst(calendarWarnings, planWarnings(plan.warnings));
        if (opts.json) {
          const doc: PlanJson = {
            date: plan.date,
            workday: plan.workday,
            cadres: lists.map((list) => ({
              userid: list.cadre.userid,
              name: list.cadre.name,
              items: list.items.map((item) => ({
                n: item.number,
                subjectId: item.subjectId as number,
                name: item.name,
                category: item.category,
                level: item.level,
                status: item.state,
                overdueDays: item.overdueDays,
              })),
            })),
            calendarWarnings,
            warnings,
          };
          ctx.io.out(JSON.stringify(doc));
          return;
        }
        const templates = loadTemplates();
        const day = dayView(plan.date);
        const items = lists.reduce((n, l) => n + l.items.length, 0);
        const overdue = lists.reduce((n, l) => n + l.items.filter((i) => i.state === "overdue").length, 0);
        const lines = [
          `${day.month}月${day.day}日（${day.weekday}）走访计划：${plan.workday ? "工作日" : "非工作日，不推送走访卡片"}`,
        ];
        for (const list of lists) {
          lines.push(`${list.cadre.name}（${list.cadre.userid}）${list.items.length} 人`);
          for (const item of list.items) {
            const { label, state } = describePlanItem(templates, item);
            lines.push(`  ${item.number}. ${item.name}  ${label}  ${state}`);
          }
        }
        lines.push(`共 ${lists.length} 名干部、${items} 项待访（其中逾期 ${overdue} 项）。`);
        ctx.io.out(lines.join("\n"));
        for (const warning of warnings.slice(calendarWarnings.length)) ctx.io.err(`警告：${warning}`);
      });
    });
}
