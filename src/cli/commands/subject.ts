import type { Command } from "commander";
import { dbDateFromLocalDate, localDateFromDbDate, toDayNumber, zoneOf } from "../../domain/local-date";
import type { CliContext } from "../cli-context";
import { CliError } from "../cli-error";
import { findSubject } from "./register-refs";
import { registerSubjectRecordCommands } from "./subject-records";
import { cliActor, parseDateOption, withStore } from "./with-store";

/**
 * `baobao subject show|add|set|transfer|close` (subject-records.ts) and `pause|resume`: pausing
 * people who are hospitalised, in custody, away…
 */
export function registerSubjectCommands(program: Command, ctx: CliContext): void {
  const subject = program
    .command("subject")
    .description("管控对象：查看、新增、修改、迁移、销档，暂停与恢复管理（暂停期间不产生走访任务）");
  registerSubjectRecordCommands(subject, ctx);

  subject
    .command("pause")
    .description("暂停管理：住院、羁押、外出、死亡等；涉及的整个周期都不再计为应访")
    .argument("<对象>", "编号或身份证号")
    .requiredOption("--reason <原因>", "暂停原因，如 住院、被羁押、外出务工")
    .option("--from <YYYY-MM-DD>", "暂停开始日期（默认今天）")
    .option("--until <YYYY-MM-DD>", "预计结束日期（含）；不填则至恢复为止")
    .option("--json", "以 JSON 输出")
    .action(async (ref: string, opts: { reason: string; from?: string; until?: string; json?: boolean }) => {
      const today = zoneOf(ctx.config().tz).localDateAt(ctx.now());
      const from = parseDateOption(opts.from, today);
      const until = opts.until === undefined ? null : parseDateOption(opts.until, today);
      if (until && toDayNumber(until) < toDayNumber(from)) throw new CliError("结束日期不能早于开始日期。");
      const reason = opts.reason.trim();
      if (!reason) throw new CliError("请填写暂停原因。");
      await withStore(ctx, async (store) => {
        const row = await findSubject(store, ref);
        const at = ctx.now();
        await store.transaction(async (repos) => {
          await repos.subjects.pause(row.id, {
            reason,
            from: dbDateFromLocalDate(from),
            until: until ? dbDateFromLocalDate(until) : null,
          });
          await repos.audit.record({
            actor: cliActor(),
            action: "subject.pause",
            entity: "Subject",
            entityId: row.id,
            detail: { reason, from, until },
            at,
          });
        });
        if (opts.json)
          ctx.io.out(JSON.stringify({ subjectId: row.id, status: "paused", reason, from, until }));
        else {
          ctx.io.out(
            `已暂停管理：${row.name}（#${row.id}），原因：${reason}，自 ${from} 起${until ? `至 ${until}` : "，至恢复为止"}。`,
          );
        }
      });
    });

  subject
    .command("resume")
    .description("恢复管理：从指定日期起重新产生走访任务（暂停涉及的周期仍不计为应访）")
    .argument("<对象>", "编号或身份证号")
    .option("--date <YYYY-MM-DD>", "恢复日期（默认今天）")
    .option("--json", "以 JSON 输出")
    .action(async (ref: string, opts: { date?: string; json?: boolean }) => {
      const on = parseDateOption(opts.date, zoneOf(ctx.config().tz).localDateAt(ctx.now()));
      await withStore(ctx, async (store) => {
        const row = await findSubject(store, ref);
        if (row.status !== "paused") throw new CliError(`${row.name}（#${row.id}）未处于暂停状态。`);
        if (row.pausedFrom && toDayNumber(on) < toDayNumber(localDateFromDbDate(row.pausedFrom))) {
          throw new CliError(`恢复日期不能早于暂停开始日期 ${localDateFromDbDate(row.pausedFrom)}。`);
        }
        const at = ctx.now();
        await store.transaction(async (repos) => {
          await repos.subjects.resume(row.id, { on: dbDateFromLocalDate(on) });
          await repos.audit.record({
            actor: cliActor(),
            action: "subject.resume",
            entity: "Subject",
            entityId: row.id,
            detail: { on, pausedFrom: row.pausedFrom ? localDateFromDbDate(row.pausedFrom) : null },
            at,
          });
        });
        if (opts.json) ctx.io.out(JSON.stringify({ subjectId: row.id, status: "active", on }));
        else ctx.io.out(`已恢复管理：${row.name}（#${row.id}），自 ${on} 起重新安排走访。`);
      });
    });
}
