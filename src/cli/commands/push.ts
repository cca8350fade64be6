import type { Command } from "commander";
import { zoneOf } from "../../domain/local-date";
import { dayView } from "../../jobs/day-view";
import { CLOSE_OUT_JOB } from "../../jobs/close-out";
import type { JobOutcome, JobStatus } from "../../jobs/job";
import { findJob } from "../../jobs/job-table";
import type { CliContext } from "../cli-context";
import { CliError } from "../cli-error";
import {
  calendarOutlook,
  cliJobDeps,
  parseDateOption,
  progressLine,
  withCalendarFirst,
  withStore,
} from "./with-store";

/** CLI names of the scheduled jobs. */
const JOBS: Record<string, { job: string; title: string }> = {
  daily: { job: "daily-push", title: "早间走访卡片" },
  reminder: { job: "reminder", title: "下午逾期提醒" },
  summary: { job: "leader-summary", title: "领导每日概况" },
  "close-out": { job: "close-out", title: "周期结算（前一天结束的周期，只记录未访）" },
  missed: { job: "missed-notice", title: "未按期走访通知（按发送时仍未补访的记录）" },
  weekly: { job: "weekly-report", title: "上周周报（镇领导，文字与趋势图，含周周清）" },
  "incident-idle": { job: "incident-idle-reminder", title: "事件未结提醒（已收到7天无进展）" },
};

const STATUS_TEXT: Record<JobStatus, string> = {
  done: "已执行",
  dry_run: "试运行：未保存、未发送，以下为将发送的内容",
  not_workday: "非工作日，不推送",
  already_done: "该日已执行过（定时任务、其他实例或此前的手动执行），本次未重复发送",
  running_elsewhere: "另一实例正在执行，本次未发送",
  nothing_due: "今天没有需要结算的周期",
};

/** The `push --json` document (stable: scripts read it). */
export interface PushJson {
  date: string;
  workday: boolean;
  enqueued: number;
  messages: { to: string; body: string }[];
  status: JobStatus;
  /** Missing holiday schedules (the day's year; from 1 December also the next): also first in `warnings`. */
  calendarWarnings: { year: number; message: string }[];
  warnings: string[];
}

/** `baobao push daily|reminder|summary|close-out|missed|weekly --date YYYY-MM-DD [--dry-run] [--json]`. */
export function registerPushCommand(program: Command, ctx: CliContext): void {
  program
    .command("push")
    .description(
      "手动执行定时推送：daily 早间卡片、reminder 逾期提醒、summary 领导概况、close-out 周期结算、missed 未按期走访通知、weekly 上周周报、incident-idle 事件未结提醒",
    )
    .argument("<任务>", "daily | reminder | summary | close-out | missed | weekly | incident-idle")
    .option("--date <YYYY-MM-DD>", "日期（默认今天）；close-out 结算这一天之前结束的周期")
    .option("--dry-run", "试运行：只显示将发送的内容，不保存、不发送")
    .option("--json", "以 JSON 输出")
    .action(async (name: string, opts: { date?: string; dryRun?: boolean; json?: boolean }) => {
      const entry = JOBS[name];
      const job = entry ? findJob(entry.job) : undefined;
      if (!entry || !job) throw new CliError(`未知任务：${name}（可选 ${Object.keys(JOBS).join("、")}）`);
      const tz = ctx.config().tz;
      const now = ctx.now();
      const date = parseDateOption(opts.date, zoneOf(tz).localDateAt(now));
      const progress = progressLine(!opts.json);
      await withStore(ctx, async (store, db) => {
        const deps = cliJobDeps(ctx, store, db, progress.onProgress);
        // The holiday-schedule gap first: it decides whether cards go out at all.
        const calendarWarnings = await calendarOutlook(deps.planner, date);
        if (!opts.json) for (const w of calendarWarnings) ctx.io.err(`警告：${w.message}`);
        const outcome = await job.run(deps, now, { date, dryRun: !!opts.dryRun });
        const warnings = withCalendarFirst(calendarWarnings, outcome.warnings);
        progress.done();
        if (opts.json) {
          const doc: PushJson = {
            date: outcome.date,
            workday: outcome.workday,
            enqueued: outcome.enqueued,
            messages: outcome.messages,
            status: outcome.status,
            calendarWarnings,
            warnings,
          };
          ctx.io.out(JSON.stringify(doc));
          return;
        }
        ctx.io.out(describeOutcome(entry.title, outcome));
        for (const warning of warnings.slice(calendarWarnings.length)) ctx.io.err(`警告：${warning}`);
      });
    });
}

function describeOutcome(title: string, outcome: JobOutcome): string {
  const day = dayView(outcome.date);
  const lines = [`${day.month}月${day.day}日（${day.weekday}）${title}：${STATUS_TEXT[outcome.status]}。`];
  if (outcome.status === "done" && outcome.job === CLOSE_OUT_JOB) {
    // Close-out only records; the notices are built by the 09:00 job (`push missed`).
    const runs = (outcome.detail.runs ?? []) as { recorded?: number }[];
    const recorded = runs.reduce((n, run) => n + (run.recorded ?? 0), 0);
    lines.push(
      `新记录未按期走访 ${recorded} 条；通知在工作日 09:00 按届时仍未补访的记录发送（push missed）。`,
    );
  } else if (outcome.status === "done")
    lines.push(`已加入发送队列 ${outcome.enqueued} 条（共 ${outcome.messages.length} 位收件人）。`);
  if (outcome.status === "dry_run") {
    lines.push(`将发送 ${outcome.messages.length} 条。`);
    for (const message of outcome.messages) lines.push("", `→ ${message.to}`, message.body);
  }
  return lines.join("\n");
}
