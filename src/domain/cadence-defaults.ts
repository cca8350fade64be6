/**
 * The cadence policy table Baobao ships (product.md, "Categories and the rules that drive
 * cadences"). Operators override rows per region; every row states its source.
 * All defaults apply everywhere (`*`) and let any one guarantor's visit satisfy the period.
 */

import type { CadencePolicy } from "./policy";

const SOURCE = {
  mentalStable:
    "《国家基本公共卫生服务规范（第三版）》严重精神障碍患者管理：病情稳定（危险性评估0级）者每3个月随访1次。",
  mentalBasicallyStable:
    "《国家基本公共卫生服务规范（第三版）》：基本稳定（危险性评估1–2级）者2周时随访，直至病情稳定；本地实践：每14天上门走访1次。",
  mentalUnstable:
    "《国家基本公共卫生服务规范（第三版）》：不稳定（危险性评估3–5级）者2周内随访；本地实践：病情稳定前每周上门走访1次。",
  drugRehab:
    "《戒毒条例》《社区戒毒社区康复工作规定》；本地实践：每月至少联系1次（检测安排由禁毒部门管理，不在本系统记录）。",
  correctionStrict: "《社区矫正法》《社区矫正法实施办法》分类管理；本地实践：严管对象每周走访或联系1次。",
  correctionNormal: "《社区矫正法》《社区矫正法实施办法》分类管理；本地实践：普管对象每月走访或联系1次。",
  correctionLenient: "《社区矫正法》《社区矫正法实施办法》分类管理；本地实践：宽管对象每季度走访或联系1次。",
  releasedKey: "本地实践：安置帮教期5年，重点帮教对象每月上门走访1次；出狱7日内首次走访由乡镇另行安排。",
  releasedOrdinary:
    "本地实践：安置帮教期5年，一般帮教对象每季度上门走访1次；出狱7日内首次走访由乡镇另行安排。",
  child:
    "本地实践：每月上门走访1次（农村留守儿童和困境儿童关爱保护要求）；父母每周联系属监护人义务（《未成年人保护法》第二十三条），不计入包保走访。",
  elderlyHigh:
    "本地实践：高风险独居老人每周探访1次，上门、电话或视频均可（参照民政部等部门2022年特殊困难老年人探访关爱服务指导意见）。",
  elderlyKey:
    "民政部等部门2022年特殊困难老年人探访关爱服务指导意见：月探访率达到100%；本地实践：重点对象每月上门探访1次。",
  elderlyOrdinary:
    "本地实践：一般对象每季度上门探访1次；属特殊困难老年人的，按2022年指导意见应每月探访，请将其等级设为“重点”。",
  idleYouth: "本地实践：每月走访或联系1次。",
  petitioner: "本地实践：每月走访或联系1次；敏感时期每日联系由乡镇另行部署，不自动生成。",
} as const;

const row = (
  category: CadencePolicy["category"],
  level: string,
  cadence: Pick<CadencePolicy, "method" | "period"> & { intervalDays?: number },
  source: string,
): CadencePolicy =>
  Object.freeze({
    regionCode: "*",
    category,
    level,
    method: cadence.method,
    period: cadence.period,
    intervalDays: cadence.intervalDays ?? null,
    minCount: 1,
    rule: "any",
    source,
  });

/** The default cadence policies, one row per (category, level) or per category (`*`). */
export const DEFAULT_CADENCE_POLICIES: readonly CadencePolicy[] = Object.freeze([
  row("mental_disorder", "risk0", { method: "any", period: "quarter" }, SOURCE.mentalStable),
  row(
    "mental_disorder",
    "risk1",
    { method: "in_person", period: "days", intervalDays: 14 },
    SOURCE.mentalBasicallyStable,
  ),
  row(
    "mental_disorder",
    "risk2",
    { method: "in_person", period: "days", intervalDays: 14 },
    SOURCE.mentalBasicallyStable,
  ),
  row("mental_disorder", "risk3", { method: "in_person", period: "week" }, SOURCE.mentalUnstable),
  row("mental_disorder", "risk4", { method: "in_person", period: "week" }, SOURCE.mentalUnstable),
  row("mental_disorder", "risk5", { method: "in_person", period: "week" }, SOURCE.mentalUnstable),
  row("drug_rehab", "*", { method: "any", period: "month" }, SOURCE.drugRehab),
  row("community_correction", "strict", { method: "any", period: "week" }, SOURCE.correctionStrict),
  row("community_correction", "normal", { method: "any", period: "month" }, SOURCE.correctionNormal),
  row("community_correction", "lenient", { method: "any", period: "quarter" }, SOURCE.correctionLenient),
  row("released_prisoner", "key", { method: "in_person", period: "month" }, SOURCE.releasedKey),
  row("released_prisoner", "ordinary", { method: "in_person", period: "quarter" }, SOURCE.releasedOrdinary),
  row("left_behind_child", "*", { method: "in_person", period: "month" }, SOURCE.child),
  row("elderly_alone", "high", { method: "any", period: "week" }, SOURCE.elderlyHigh),
  row("elderly_alone", "key", { method: "in_person", period: "month" }, SOURCE.elderlyKey),
  row("elderly_alone", "ordinary", { method: "in_person", period: "quarter" }, SOURCE.elderlyOrdinary),
  row("idle_youth", "*", { method: "any", period: "month" }, SOURCE.idleYouth),
  row("petitioner", "*", { method: "any", period: "month" }, SOURCE.petitioner),
]);
