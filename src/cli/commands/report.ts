import fs from "node:fs";
import type { Command } from "commander";
import { zoneOf } from "../../domain/local-date";
import { buildReport, REPORT_KINDS, type ReportKind } from "../../reports/report";
import { CHART_SIZE, renderChartPng } from "../../reports/report-chart";
import { reportJson } from "../../reports/report-json";
import { renderReportText } from "../../reports/report-text";
import { writeReportXlsx } from "../../reports/report-xlsx";
import type { CliContext } from "../cli-context";
import { CliError } from "../cli-error";
import { checkOutputPath } from "../output-path";
import { parseDateOption, progressLine, withStore } from "./with-store";

interface ReportOptions {
  date?: string;
  region?: string;
  json?: boolean;
  xlsx?: string;
  png?: string;
  font?: string;
}

/**
 * `baobao report daily|weekly|monthly --date YYYY-MM-DD [--region CODE] [--json|--xlsx FILE|--png FILE]`.
 * Default output: readable Chinese text. `--xlsx` and `--png` may be combined.
 */
export function registerReportCommand(program: Command, ctx: CliContext): void {
  program
    .command("report")
    .description("辖区报表：日报、周报、月报（覆盖率、逾期名单、走访、事件），可导出 Excel 和图表")
    .argument("<周期>", "daily（日报）| weekly（周报，周一至周日）| monthly（月报）")
    .option("--date <YYYY-MM-DD>", "报表周期内的任一天（默认今天）")
    .option("--region <地区编码>", "只统计该地区及其下级（默认整个登记范围）")
    .option("--json", "以 JSON 输出（供脚本使用，字段见 README）")
    .option("--xlsx <文件>", "写出 Excel 工作簿（汇总、各村覆盖率、逾期名单、走访记录、事件）")
    .option("--png <文件>", `写出覆盖率与事件趋势图（PNG，${CHART_SIZE.width}×${CHART_SIZE.height}）`)
    .option("--font <字体文件>", "图表使用的中文字体（默认 Noto Sans CJK）")
    .action(async (kind: string, opts: ReportOptions) => {
      if (!(REPORT_KINDS as readonly string[]).includes(kind)) {
        throw new CliError(`未知报表周期：${kind}（可选 daily、weekly、monthly）`);
      }
      if (opts.json && (opts.xlsx || opts.png)) {
        throw new CliError("--json 不能与 --xlsx、--png 同时使用。");
      }
      const xlsx = opts.xlsx ? checkOutputPath(opts.xlsx, "--xlsx") : undefined;
      const png = opts.png ? checkOutputPath(opts.png, "--png") : undefined;
      if (opts.font && !fs.existsSync(opts.font)) throw new CliError(`找不到字体文件：${opts.font}`);
      const tz = ctx.config().tz;
      const now = ctx.now();
      const date = parseDateOption(opts.date, zoneOf(tz).localDateAt(now));
      const progress = progressLine(!opts.json);
      await withStore(ctx, async (store) => {
        const report = await buildReport(
          {
            repos: store,
            tz,
            onProgress: progress.onProgress,
            onDay: (done, total) => {
              if (!opts.json && process.stderr.isTTY)
                process.stderr.write(`\r正在计算每日覆盖率：${done}/${total}   `);
            },
          },
          now,
          { kind: kind as ReportKind, date, regionCode: opts.region },
        );
        progress.done();
        if (!opts.json && process.stderr.isTTY) process.stderr.write("\n");
        if (opts.json) {
          ctx.io.out(JSON.stringify(reportJson(report)));
          return;
        }
        if (!xlsx && !png) {
          ctx.io.out(renderReportText(report, tz));
        }
        if (png) {
          fs.writeFileSync(png, renderChartPng(report, { fontFile: opts.font }));
          ctx.io.out(`已写出图表：${png}`);
        }
        if (xlsx) {
          await writeReportXlsx(report, tz, xlsx);
          ctx.io.out(`已写出 Excel：${xlsx}`);
        }
        for (const warning of report.warnings) ctx.io.err(`警告：${warning}`);
      });
    });
}
