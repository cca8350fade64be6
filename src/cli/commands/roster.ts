import path from "node:path";
import type { Command } from "commander";
import { zoneOf } from "../../domain/local-date";
import { RegisterLayoutError } from "../../register/import-plan";
import { formatImportSummary } from "../../register/import-summary";
import { writeErrorWorkbook, writeTemplateWorkbook } from "../../register/register-workbooks";
import { runImport } from "../../register/run-import";
import { RegisterFileError } from "../../register/sheet-reader";
import type { CliContext } from "../cli-context";
import { CliError } from "../cli-error";
import { rosterCommand } from "./roster-command";
import { cliActor, withStore } from "./with-store";

/** A row counter on stderr while reading (terminals only, never with --json). */
function rowProgress(enabled: boolean): { onRow?: () => void; done(): void } {
  if (!enabled || !process.stderr.isTTY) return { done: () => undefined };
  let rows = 0;
  return {
    onRow: () => {
      rows++;
      if (rows % 1000 === 0) process.stderr.write(`\r正在读取：${rows.toLocaleString("zh-CN")} 行      `);
    },
    done: () => {
      if (rows >= 1000)
        process.stderr.write(`\r已读取 ${rows.toLocaleString("zh-CN")} 行，正在核对与写入…\n`);
    },
  };
}

/** `baobao roster template|import`: getting a township's own register in. */
export function registerRosterCommands(program: Command, ctx: CliContext): void {
  const roster = rosterCommand(program);

  roster
    .command("template")
    .description("生成标准台账模板（地区、干部、管控对象三张表和填写说明）")
    .requiredOption("--out <文件.xlsx>", "输出文件")
    .action(async (opts: { out: string }) => {
      if (path.extname(opts.out).toLowerCase() !== ".xlsx") throw new CliError("模板文件名应以 .xlsx 结尾。");
      await writeTemplateWorkbook(opts.out);
      ctx.io.out(`已生成台账模板：${opts.out}（含“说明”工作表：各列可填的值，以及身份证号列须设为文本）。`);
    });

  roster
    .command("import")
    .description("导入台账（.xlsx 或 .csv）：按表头识别列；默认有一行错误就全部不写入")
    .argument("<文件>", "乡镇台账 .xlsx 或 .csv（UTF-8 或 GBK）")
    .option("--dry-run", "只核对，报告将新增、更新多少，不写入")
    .option("--partial", "跳过有错误的行，导入其余各行")
    .option("--errors <错误.xlsx>", "把被拒绝的行（原样，加“行号”“错误原因”）写入此文件，改正后可再导入")
    .option("--json", "以 JSON 输出")
    .action(
      async (
        file: string,
        opts: { dryRun?: boolean; partial?: boolean; errors?: string; json?: boolean },
      ) => {
        if (opts.errors && path.extname(opts.errors).toLowerCase() !== ".xlsx")
          throw new CliError("--errors 的文件名应以 .xlsx 结尾。");
        if (opts.errors && path.resolve(opts.errors) === path.resolve(file))
          throw new CliError("--errors 不能与导入文件相同。");
        const progress = rowProgress(!opts.json);
        const now = ctx.now();
        const today = zoneOf(ctx.config().tz).localDateAt(now);
        const outcome = await withStore(ctx, (store) =>
          runImport(store, file, {
            dryRun: !!opts.dryRun,
            partial: !!opts.partial,
            actor: cliActor(),
            now,
            today,
            onRow: progress.onRow,
          }),
        ).catch((err: unknown) => {
          progress.done();
          if (err instanceof RegisterFileError || err instanceof RegisterLayoutError)
            throw new CliError(err.message);
          throw err;
        });
        progress.done();
        const { report } = outcome;
        let errorsFile: string | undefined;
        if (opts.errors && report.errors.length > 0) {
          await writeErrorWorkbook(opts.errors, outcome.read, report.errors);
          errorsFile = opts.errors;
        }
        if (opts.json) ctx.io.out(JSON.stringify(report));
        else ctx.io.out(formatImportSummary(report, path.basename(file), errorsFile));
        if (report.errors.length > 0) throw new CliError("", 1);
      },
    );
}
