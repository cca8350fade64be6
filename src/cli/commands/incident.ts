import type { Command } from "commander";
import { loadTemplates } from "../../bot/templates";
import { runLadderTick } from "../../jobs/incident-ladder";
import type { CliContext } from "../cli-context";
import { CliError } from "../cli-error";
import { withStore } from "./with-store";

/**
 * `baobao incident tick [--json]`: climbs every unacknowledged incident whose deadline has passed,
 * once — what the server does every 30 seconds (issue 6). Safe while servers run: each step is
 * claimed in the database, so nobody is notified twice.
 */
export function registerIncidentCommands(program: Command, ctx: CliContext): void {
  const incident = program.command("incident").description("紧急事件：逐级上报");
  incident
    .command("tick")
    .description("立即检查一次：超过确认时限仍无人“收到”的事件升级到上一级（服务运行时每30秒自动执行）")
    .option("--json", "以 JSON 输出")
    .action(async (opts: { json?: boolean }) => {
      const config = ctx.config();
      await withStore(ctx, async (store) => {
        const result = await runLadderTick(
          { store, templates: loadTemplates(), tz: config.tz, deadlines: config.ackDeadlines },
          ctx.now(),
        );
        if (opts.json) {
          ctx.io.out(JSON.stringify(result));
          return;
        }
        ctx.io.out(
          result.due === 0
            ? "没有到期未确认的事件。"
            : `到期未确认的事件 ${result.due} 件，本次升级 ${result.moved} 件${result.failed ? `，失败 ${result.failed} 件（见日志）` : ""}。`,
        );
        if (result.failed > 0) throw new CliError(`${result.failed} 件事件升级失败，请查看服务日志后重试。`);
      });
    });
}
