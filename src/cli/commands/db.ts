import type { Command } from "commander";
import { formatNoWecomAccountWarning, formatUnassignedWarning } from "../../domain/labels";
import { dbDateFromLocalDate, zoneOf } from "../../domain/local-date";
import { PrismaGuaranteeRepository } from "../../store/guarantee-repository";
import { migrateDeploy, readMigrationStatus } from "../../store/migrate";
import type { CliContext } from "../cli-context";
import { CliError } from "../cli-error";

/** `baobao db migrate|status`. */
export function registerDbCommands(program: Command, ctx: CliContext): void {
  const db = program.command("db").description("数据库维护：迁移与状态");

  db.command("migrate")
    .description("执行尚未执行的数据库迁移（服务运行中也可执行）")
    .option("--json", "以 JSON 输出")
    .action(async (opts: { json?: boolean }) => {
      const database = await ctx.openDb();
      try {
        const before = await readMigrationStatus(database.url);
        if (before.pending.length > 0 || before.failed.length > 0) await migrateDeploy(database.url);
        const after = await readMigrationStatus(database.url);
        if (opts.json) {
          ctx.io.out(JSON.stringify({ db: database.kind, applied: before.pending, pending: after.pending }));
        } else if (before.pending.length === 0) {
          ctx.io.out(`数据库已是最新（共 ${after.applied.length} 个迁移）。`);
        } else {
          ctx.io.out(
            `已执行 ${before.pending.length} 个迁移：\n${before.pending.map((m) => `  - ${m}`).join("\n")}`,
          );
        }
      } finally {
        await database.close();
      }
    });

  db.command("status")
    .description("显示数据库类型、迁移状态和主要数据量")
    .option("--json", "以 JSON 输出")
    .action(async (opts: { json?: boolean }) => {
      const database = await ctx.openDb();
      try {
        const status = await readMigrationStatus(database.url);
        const counts =
          status.applied.length > 0
            ? {
                regions: await database.prisma.region.count(),
                cadres: await database.prisma.cadre.count(),
                subjects: await database.prisma.subject.count(),
                visits: await database.prisma.visit.count(),
                incidents: await database.prisma.incident.count(),
                outbox: await database.prisma.outboundMessage.count(),
              }
            : null;
        // People under management whom no active guarantor carries today (not closed, not paused).
        const today = dbDateFromLocalDate(zoneOf(ctx.config().tz).localDateAt(ctx.now()));
        const ready = status.applied.length > 0 && status.pending.length === 0;
        const guarantees = new PrismaGuaranteeRepository(database.prisma);
        const unassigned = ready ? await guarantees.unassigned(today, 20) : null;
        // Guarantors imported without a WeCom account (`pending:<mobile>`): nothing reaches them.
        const unreachable = ready ? await guarantees.withoutWecomAccount(today, 20) : null;
        const warnings = [
          ...(unassigned && unassigned.count > 0 ? [formatUnassignedWarning(unassigned.count)] : []),
          ...(unreachable && unreachable.count > 0
            ? [formatNoWecomAccountWarning(unreachable.count, unreachable.names)]
            : []),
        ];
        if (opts.json) {
          ctx.io.out(
            JSON.stringify({
              db: database.kind,
              ...status,
              counts,
              unassigned: unassigned
                ? { count: unassigned.count, subjectIds: unassigned.subjects.map((s) => s.id) }
                : null,
              withoutWecomAccount: unreachable,
              warnings,
            }),
          );
        } else {
          const lines = [
            `数据库：${database.kind === "embedded" ? `内置（${ctx.config().dataDir}）` : "PostgreSQL"}`,
            `已执行迁移：${status.applied.length} 个`,
            `待执行迁移：${status.pending.length === 0 ? "无" : status.pending.join("、")}`,
          ];
          if (status.failed.length > 0) {
            lines.push(`失败的迁移：${status.failed.join("、")}（请检查后重新执行 baobao db migrate）`);
          }
          if (counts) {
            lines.push(
              `数据量：地区 ${counts.regions}，干部 ${counts.cadres}，管控对象 ${counts.subjects}，走访 ${counts.visits}，事件 ${counts.incidents}，消息 ${counts.outbox}`,
            );
          }
          ctx.io.out(lines.join("\n"));
          for (const warning of warnings) ctx.io.err(`警告：${warning}`);
        }
        if (status.failed.length > 0) throw new CliError("存在失败的迁移。", 2);
      } finally {
        await database.close();
      }
    });
}
