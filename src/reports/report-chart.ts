import fs from "node:fs";
import { Resvg } from "@resvg/resvg-js";
import * as echarts from "echarts";
import { dayView } from "../jobs/day-view";
import type { Report } from "./report";
import { REPORT_KIND_LABELS } from "./report";

/** Noto Sans CJK from Debian's fonts-noto-cjk: without a CJK font Chinese renders as boxes. */
export const DEFAULT_CHART_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
const FONT_FAMILY = "Noto Sans CJK SC";

export const CHART_SIZE = { width: 1000, height: 560 } as const;

/** The chart font is missing: a setup problem the operator can fix. */
export class ChartFontMissingError extends Error {
  readonly code = "report.font_missing";
  constructor(file: string) {
    super(
      `找不到中文字体 ${file}，无法生成图表。请安装 Noto CJK 字体（Debian/Ubuntu：apt-get install fonts-noto-cjk），命令行也可用 --font 指定其他字体文件。`,
    );
  }
}

export interface ChartOptions {
  width?: number;
  height?: number;
  /** A .ttc/.otf/.ttf with CJK glyphs; default DEFAULT_CHART_FONT. */
  fontFile?: string;
}

function shortDay(date: string): string {
  const v = dayView(date);
  return `${v.month}/${v.day}`;
}

/** The ECharts option of the report chart: coverage % per day (line) and incidents per day (bars). */
export function chartOption(report: Report): echarts.EChartsCoreOption {
  const { series } = report;
  const maxIncidents = Math.max(0, ...series.map((p) => p.incidentsReported));
  const first = series[0]?.date ?? report.period.start;
  const last = series[series.length - 1]?.date ?? report.period.asOf;
  const from = dayView(first);
  const to = dayView(last);
  const span =
    first === last ? `${from.month}月${from.day}日` : `${from.month}月${from.day}日—${to.month}月${to.day}日`;
  const text = { fontFamily: FONT_FAMILY, color: "#333" };
  return {
    animation: false,
    backgroundColor: "#ffffff",
    textStyle: text,
    title: {
      text: `${report.region.name} 走访覆盖率与事件`,
      subtext: `${REPORT_KIND_LABELS[report.kind]} · ${span}`,
      left: "center",
      top: 14,
      textStyle: { ...text, fontSize: 22, fontWeight: "normal" },
      subtextStyle: { ...text, fontSize: 14, color: "#666" },
    },
    legend: {
      bottom: 12,
      textStyle: { ...text, fontSize: 14 },
      data: ["走访覆盖率（%）", "新报事件（件）"],
    },
    grid: { left: 80, right: 80, top: 100, bottom: 90 },
    xAxis: {
      type: "category",
      data: series.map((p) => shortDay(p.date)),
      axisLabel: { ...text, fontSize: 13 },
      axisTick: { alignWithLabel: true },
    },
    yAxis: [
      {
        type: "value",
        name: "覆盖率（%）",
        min: 0,
        max: 100,
        interval: 20,
        nameTextStyle: { ...text, fontSize: 13 },
        axisLabel: { ...text, fontSize: 13 },
      },
      {
        type: "value",
        name: "事件（件）",
        min: 0,
        max: Math.max(5, maxIncidents + 1),
        minInterval: 1,
        splitLine: { show: false },
        nameTextStyle: { ...text, fontSize: 13 },
        axisLabel: { ...text, fontSize: 13 },
      },
    ],
    series: [
      {
        name: "新报事件（件）",
        type: "bar",
        yAxisIndex: 1,
        barMaxWidth: 26,
        itemStyle: { color: "#f0a35e" },
        label: {
          show: true,
          position: "top",
          ...text,
          fontSize: 12,
          formatter: (p: { value: number }) => (p.value > 0 ? String(p.value) : ""),
        },
        data: series.map((p) => p.incidentsReported),
      },
      {
        name: "走访覆盖率（%）",
        type: "line",
        yAxisIndex: 0,
        symbolSize: 8,
        lineStyle: { width: 3, color: "#2f6fd0" },
        itemStyle: { color: "#2f6fd0" },
        label: { show: series.length <= 16, position: "top", ...text, fontSize: 12, formatter: "{c}%" },
        data: series.map((p) => (p.coverage === null ? "-" : p.coverage)),
      },
    ],
  };
}

/** The SVG of the report chart (server-side ECharts). */
export function renderChartSvg(report: Report, opts: ChartOptions = {}): string {
  const chart = echarts.init(null, null, {
    renderer: "svg",
    ssr: true,
    width: opts.width ?? CHART_SIZE.width,
    height: opts.height ?? CHART_SIZE.height,
  });
  try {
    chart.setOption(chartOption(report));
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** The report chart as PNG bytes, rasterised with the CJK font loaded explicitly. */
export function renderChartPng(report: Report, opts: ChartOptions = {}): Buffer {
  const fontFile = opts.fontFile ?? DEFAULT_CHART_FONT;
  if (!fs.existsSync(fontFile)) throw new ChartFontMissingError(fontFile);
  const svg = renderChartSvg(report, opts);
  const resvg = new Resvg(svg, {
    background: "#ffffff",
    font: { fontFiles: [fontFile], loadSystemFonts: false, defaultFontFamily: FONT_FAMILY },
  });
  return resvg.render().asPng();
}
