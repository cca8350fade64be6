import type { Command } from "commander";
import { DEFAULT_CADENCE_POLICIES } from "../../domain/cadence-defaults";
import { CATEGORIES, isCategory } from "../../domain/categories";
import {
  ANY_LEVEL_LABEL,
  ANY_REGION_LABEL,
  CATEGORY_FULL_LABELS,
  GUARANTOR_RULE_LABELS,
  LEVEL_LABELS,
  PERIOD_LABELS,
  POLICY_METHOD_LABELS,
} from "../../domain/labels";
import type { CadencePolicy } from "../../domain/policy";
import { cadencePolicySchema } from "../../domain/schemas";
import type { PolicyRow } from "../../store/policy-repository";
import type { CliContext } from "../cli-context";
import { CliError } from "../cli-error";
import { cliActor, withStore } from "./with-store";

/** One row as `policy list` prints it. */
export function describePolicy(p: CadencePolicy): string {
  const level = p.level === "*" ? ANY_LEVEL_LABEL : (LEVEL_LABELS[p.category][p.level] ?? p.level);
  const region = p.regionCode === "*" ? ANY_REGION_LABEL : `区域 ${p.regionCode}`;
  const cadence = p.period === "days" ? `每隔${p.intervalDays}天` : PERIOD_LABELS[p.period];
  return `${CATEGORY_FULL_LABELS[p.category]} · ${level} · ${region}：${cadence}${POLICY_METHOD_LABELS[p.method]}至少 ${p.minCount} 次（${GUARANTOR_RULE_LABELS[p.rule]}）`;
}

function toJson(row: PolicyRow) {
  return {
    regionCode: row.regionCode,
    category: row.category,
    level: row.level,
    method: row.method,
    period: row.period,
    intervalDays: row.intervalDays,
    minCount: row.minCount,
    rule: row.rule,
    source: row.source,
    updatedBy: row.updatedBy,
    updatedAt: row.updatedAt.toISOString(),
  };
}

function categoryOption(value: string | undefined): CadencePolicy["category"] | undefined {
  if (value === undefined) return undefined;
  if (!isCategory(value)) throw new CliError(`未知类别：${value}（可选 ${CATEGORIES.join("、")}）`);
  return value;
}

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new CliError(`${name}必须是正整数：${value}`);
    return n;
  };
}

/** `baobao policy list|set|reset`: the cadence policy table. */
export function registerPolicyCommands(program: Command, ctx: CliContext): void {
  const policy = program.command("policy").description("走访频次规则：查看、设置、恢复默认");

  policy
    .command("list")
    .description("列出全部走访频次规则（区域越具体越优先，同一区域具体等级优先于“所有等级”）")
    .option("--category <类别>", "只看一个类别，如 mental_disorder")
    .option("--json", "以 JSON 输出")
    .action(async (opts: { category?: string; json?: boolean }) => {
      const category = categoryOption(opts.category);
      await withStore(ctx, async (store) => {
        const rows = (await store.policies.list()).filter((r) => !category || r.category === category);
        if (opts.json) {
          ctx.io.out(JSON.stringify({ policies: rows.map(toJson) }));
          return;
        }
        if (rows.length === 0) {
          ctx.io.out("没有走访频次规则。可执行 baobao policy reset --yes 恢复默认规则。");
          return;
        }
        const lines: string[] = [];
        for (const row of rows) lines.push(describePolicy(row), `    依据：${row.source}`);
        lines.push(`共 ${rows.length} 条。`);
        ctx.io.out(lines.join("\n"));
      });
    });

  policy
    .command("set")
    .description("新增或修改一条规则（按 区域+类别+等级 唯一）")
    .requiredOption("--category <类别>", "类别代码，如 mental_disorder、elderly_alone")
    .option("--level <等级>", "等级代码，如 risk3、key；* 表示所有等级", "*")
    .option("--region <区域代码>", "适用区域（含下级）；* 表示全域", "*")
    .requiredOption("--period <周期>", "week | month | quarter | year | days")
    .option("--interval <天数>", "周期为 days 时：每隔多少天", positiveInt("间隔天数"))
    .option("--min <次数>", "每个周期至少走访次数", positiveInt("最少次数"), 1)
    .option("--method <方式>", "in_person 上门 | phone 电话或视频（上门亦可） | any 不限", "any")
    .option("--rule <规则>", "any 任一包保人走访即可 | each 每位包保人均须走访", "any")
    .requiredOption("--source <依据>", "规则依据（法规、标准或本地文件）")
    .option("--json", "以 JSON 输出")
    .action(
      async (opts: {
        category: string;
        level: string;
        region: string;
        period: string;
        interval?: number;
        min: number;
        method: string;
        rule: string;
        source: string;
        json?: boolean;
      }) => {
        const parsed = cadencePolicySchema.safeParse({
          regionCode: opts.region,
          category: opts.category,
          level: opts.level,
          method: opts.method,
          period: opts.period,
          intervalDays: opts.interval ?? null,
          minCount: opts.min,
          rule: opts.rule,
          source: opts.source,
        });
        if (!parsed.success) {
          const problems = parsed.error.issues.map((i) =>
            i.path.length > 0 ? `${i.path.join(".")}：${i.message}` : i.message,
          );
          throw new CliError(`规则无效：${problems.join("；")}`);
        }
        const row: CadencePolicy = { ...parsed.data, intervalDays: parsed.data.intervalDays ?? null };
        await withStore(ctx, async (store) => {
          if (row.regionCode !== "*" && !(await store.regions.findByCode(row.regionCode))) {
            throw new CliError(`区域代码不存在：${row.regionCode}`);
          }
          const at = ctx.now();
          const actor = cliActor();
          const result = await store.transaction(async (repos) => {
            const saved = await repos.policies.upsert(row, actor, at);
            await repos.audit.record({
              actor,
              action: "policy.set",
              entity: "CadencePolicy",
              entityId: saved.row.id,
              detail: { ...row, intervalDays: row.intervalDays ?? null, created: saved.created },
              at,
            });
            return saved;
          });
          if (opts.json) ctx.io.out(JSON.stringify({ created: result.created, policy: toJson(result.row) }));
          else ctx.io.out(`${result.created ? "已新增" : "已修改"}规则：${describePolicy(result.row)}`);
        });
      },
    );

  policy
    .command("reset")
    .description("删除规则并恢复默认：不加条件时恢复整张默认表；可按类别或区域只恢复一部分")
    .option("--category <类别>", "只处理这个类别")
    .option("--region <区域代码>", "只处理这个区域的规则（删除后适用上级或全域规则）")
    .option("--yes", "确认执行（会删除运维人员设置的规则）")
    .option("--json", "以 JSON 输出")
    .action(async (opts: { category?: string; region?: string; yes?: boolean; json?: boolean }) => {
      const category = categoryOption(opts.category);
      if (!opts.yes) throw new CliError("此操作会删除已设置的规则，请加 --yes 确认。");
      await withStore(ctx, async (store) => {
        const at = ctx.now();
        const actor = cliActor();
        const filter = { category, regionCode: opts.region };
        const result = await store.transaction(async (repos) => {
          const counts = await repos.policies.reset(filter, DEFAULT_CADENCE_POLICIES, actor, at);
          await repos.audit.record({
            actor,
            action: "policy.reset",
            entity: "CadencePolicy",
            detail: { category: category ?? null, regionCode: opts.region ?? null, ...counts },
            at,
          });
          return counts;
        });
        if (opts.json) ctx.io.out(JSON.stringify(result));
        else ctx.io.out(`已删除 ${result.deleted} 条规则，恢复默认规则 ${result.restored} 条。`);
      });
    });
}
