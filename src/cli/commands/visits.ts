import type { Command } from "commander";
import { toDayNumber } from "../../domain/local-date";
import { createPlanner } from "../../planning/planner";
import { writeVisitsWorkbook } from "../../reports/visits-export";
import type { CliContext } from "../cli-context";
import { CliError } from "../cli-error";
import { checkOutputPath, writeThroughTemp } from "../output-path";
import { regionOption } from "./region-option";
import { cliActor, parseDateOption, progressLine, withStore } from "./with-store";

interface VisitsExportOptions {
  from: string;
  to: string;
  out: string;
  region?: string;
  json?: boolean;
}

/**
 * `baobao visits export --from YYYY-MM-DD --to YYYY-MM-DD --out 走访记录.xlsx [--region CODE]`:
 * the visits of the range for the county or provincial platform. Audited as a read of
 * sensitive records.
 */
export function registerVisitsCommands(program: Command, ctx: CliContext): void {
  const visits = program.command("visits").description("走访记录：导出给县级、省级平台");
  visits
    .command("export")
    .description("导出走访记录（标题行 + 平台所需各列；身份证号打码，只含有效记录）")
    .requiredOption("--from <YYYY-MM-DD>", "起始日期（含）")
    .requiredOption("--to <YYYY-MM-DD>", "截止日期（含）")
    .requiredOption("--out <文件.xlsx>", "写出的 Excel 文件")
    .option("--region <地区编码>", "只导出该地区及其下级（默认全部地区）")
    .option("--json", "以 JSON 输出导出摘要")
    .action(async (opts: VisitsExportOptions) => {
      const from = parseDateOption(opts.from, "");
      const to = parseDateOption(opts.to, "");
      if (toDayNumber(from) > toDayNumber(to)) {
        throw new CliError(`起始日期 ${from} 晚于截止日期 ${to}。`);
      }
      const file = checkOutputPath(opts.out, "--out", ".xlsx");
      const tz = ctx.config().tz;
      const now = ctx.now();
      const progress = progressLine(!opts.json);
      const tty = !opts.json && process.stderr.isTTY;
      await withStore(ctx, async (store) => {
        const root = await regionOption(store, opts.region);
        const planner = createPlanner({ repos: store, tz, onProgress: progress.onProgress });
        const result = await writeThroughTemp(
          file,
          (tmp) =>
            writeVisitsWorkbook(
              { repos: store, planner, tz },
              {
                file: tmp,
                from,
                to,
                root,
                now,
                onProgress: tty
                  ? (n) => process.stderr.write(`\r正在导出走访记录：${n.toLocaleString("zh-CN")} 条   `)
                  : undefined,
              },
            ),
          (written) =>
            store.audit.record({
              actor: cliActor(),
              action: "visits.export",
              entity: "Visit",
              detail: { file, region: root?.code ?? null, from, to, rows: written.rows },
              at: now,
            }),
        );
        progress.done();
        if (tty) process.stderr.write("\n");
        if (opts.json) {
          ctx.io.out(
            JSON.stringify({
              file,
              region: root?.code ?? null,
              from,
              to,
              title: result.title,
              rows: result.rows,
              nextDueAsOf: result.nextDueAsOf.toISOString(),
            }),
          );
          return;
        }
        ctx.io.out(`已导出走访记录：${file}`);
        ctx.io.out(`${result.title}，共 ${result.rows} 条（不含已撤销、已更正的记录，身份证号已打码）。`);
      });
    });
}
