import type { Command } from "commander";
import { dbDateFromLocalDate, zoneOf } from "../../domain/local-date";
import { writeRosterWorkbook } from "../../register/roster-export";
import type { CliContext } from "../cli-context";
import { checkOutputPath, writeThroughTemp } from "../output-path";
import { regionOption } from "./region-option";
import { cliActor, withStore } from "./with-store";

interface RosterExportOptions {
  out: string;
  region?: string;
  fullId?: boolean;
  json?: boolean;
}

/**
 * `baobao roster export --out 台账.xlsx [--region CODE] [--full-id] [--json]`: the register in
 * the layout `roster import` reads. ID numbers are masked unless `--full-id`; every export is a
 * read of sensitive records and is audited (who, when, how many, which region, full or masked).
 */
export function registerRosterExport(roster: Command, ctx: CliContext): void {
  roster
    .command("export")
    .description("导出台账（地区、干部、管控对象三张表，格式与导入相同，可改后再导入）")
    .requiredOption("--out <文件.xlsx>", "写出的 Excel 文件")
    .option("--region <地区编码>", "只导出该地区及其下级（默认整个台账）")
    .option("--full-id", "写出完整身份证号（敏感操作，记入审计日志；默认打码）")
    .option("--json", "以 JSON 输出导出摘要")
    .action(async (opts: RosterExportOptions) => {
      const file = checkOutputPath(opts.out, "--out", ".xlsx");
      const now = ctx.now();
      const today = zoneOf(ctx.config().tz).localDateAt(now);
      const progress = !opts.json && process.stderr.isTTY;
      await withStore(ctx, async (store, _db, cipher) => {
        const root = await regionOption(store, opts.region);
        const counts = await writeThroughTemp(
          file,
          (tmp) =>
            writeRosterWorkbook(store, {
              file: tmp,
              root,
              on: dbDateFromLocalDate(today),
              decrypt: opts.fullId ? (box) => cipher.decrypt(box) : undefined,
              onProgress: progress
                ? (n) => process.stderr.write(`\r正在导出管控对象：${n.toLocaleString("zh-CN")} 人   `)
                : undefined,
            }),
          (result) =>
            store.audit.record({
              actor: cliActor(),
              action: opts.fullId ? "roster.export_full_id" : "roster.export",
              entity: "Subject",
              detail: {
                file,
                region: root?.code ?? null,
                fullId: !!opts.fullId,
                regions: result.regions,
                cadres: result.cadres,
                subjects: result.subjects,
              },
              at: now,
            }),
        );
        if (progress) process.stderr.write("\n");
        if (opts.json) {
          ctx.io.out(JSON.stringify({ file, region: root?.code ?? null, fullId: !!opts.fullId, counts }));
          return;
        }
        const scope = root ? `${root.name}（${root.code}）` : "整个台账";
        ctx.io.out(`已导出${scope}：${file}`);
        ctx.io.out(`地区 ${counts.regions} 个，干部 ${counts.cadres} 名，管控对象 ${counts.subjects} 人。`);
        ctx.io.out(
          opts.fullId
            ? "身份证号为完整号码（已记入审计日志），请妥善保管文件，用后及时删除。"
            : "身份证号已打码；需要完整号码时加 --full-id（记入审计日志）。",
        );
      });
    });
}
