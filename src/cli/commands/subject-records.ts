import type { Command } from "commander";
import { CATEGORIES, type Category, listLevels } from "../../domain/categories";
import {
  CATEGORY_FULL_LABELS,
  CATEGORY_LABELS,
  formatCategoryLevel,
  LEVEL_LABELS,
} from "../../domain/labels";
import { dbDateFromLocalDate, isLocalDate, localDateFromDbDate } from "../../domain/local-date";
import { idNumberFacts } from "../../register/id-number-facts";
import { categoryOf, levelOf } from "../../register/cell-values";
import type { CadreRow } from "../../store/cadre-repository";
import { IdNumberError, maskIdNumber, normaliseIdNumber } from "../../store/id-cipher";
import type { Repos } from "../../store/store";
import type { SubjectPatch, SubjectRow } from "../../store/subject-repository";
import type { CliContext } from "../cli-context";
import { CliError } from "../cli-error";
import { findActiveCadre, findRegion, findSubject, parseMobile, splitUserids, today } from "./register-refs";
import { cliActor, withStore } from "./with-store";

const GENDER_WORDS: Record<string, "male" | "female"> = {
  男: "male",
  女: "female",
  male: "male",
  female: "female",
};
const GENDER_LABELS = { male: "男", female: "女", unknown: "未知" } as const;
/** Allowed category words with their codes, for `subject add|set` errors. */
function categoryHint(): string {
  return CATEGORIES.map((c) => `${CATEGORY_LABELS[c]}（${c}）`).join("、");
}

/** Allowed levels of a category with their codes. */
function levelHint(category: Category): string {
  return listLevels(category)
    .map((l) => `${l.label}（${l.code}）`)
    .join("、");
}

const STATUS_LABELS = { active: "在管", paused: "暂停管理", closed: "已销档" } as const;

function maskPhone(phone: string): string {
  return phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : "****";
}

interface FieldOptions {
  name?: string;
  idNumber?: string;
  category?: string;
  level?: string;
  gender?: string;
  birthDate?: string;
  phone?: string;
  address?: string;
  department?: string;
  notes?: string;
}

/**
 * The fields of `subject add|set`, checked: the ID number's checksum, the birth date and gender it
 * implies (a conflicting --gender or --birth-date is an error), category and level in words.
 */
function readFields(opts: FieldOptions, current?: SubjectRow): SubjectPatch {
  const patch: SubjectPatch = {};
  if (opts.name !== undefined) {
    const name = opts.name.trim();
    if (!name) throw new CliError("姓名不能为空。");
    patch.name = name;
  }
  if (opts.gender !== undefined) {
    const gender = GENDER_WORDS[opts.gender.trim()];
    if (!gender) throw new CliError(`性别应为 男 或 女：${opts.gender}`);
    patch.gender = gender;
  }
  if (opts.birthDate !== undefined) {
    if (!isLocalDate(opts.birthDate))
      throw new CliError(`出生日期应为 YYYY-MM-DD 格式的真实日期：${opts.birthDate}`);
    patch.birthDate = dbDateFromLocalDate(opts.birthDate);
  }
  if (opts.idNumber !== undefined) {
    let id: string;
    try {
      id = normaliseIdNumber(opts.idNumber);
    } catch (err) {
      if (err instanceof IdNumberError) throw new CliError(`${err.message}：${opts.idNumber}`);
      throw err;
    }
    const facts = idNumberFacts(id);
    if (!facts.birthDate) throw new CliError(`身份证号中的出生日期不是真实日期：${maskIdNumber(id)}`);
    if (opts.birthDate !== undefined && opts.birthDate !== facts.birthDate) {
      throw new CliError(`出生日期 ${opts.birthDate} 与身份证号中的 ${facts.birthDate} 不一致。`);
    }
    if (patch.gender && patch.gender !== facts.gender) {
      throw new CliError(`性别「${opts.gender}」与身份证号（${GENDER_LABELS[facts.gender]}）不一致。`);
    }
    patch.idNumber = id;
    patch.birthDate = dbDateFromLocalDate(facts.birthDate);
    patch.gender = facts.gender;
  }
  if (opts.category !== undefined) {
    const category = categoryOf(opts.category);
    if (!category) throw new CliError(`无法识别的人员类别：${opts.category}。可填写：${categoryHint()}`);
    patch.category = category;
  }
  const category = (patch.category ?? current?.category) as Category | undefined;
  if (opts.level !== undefined && category) {
    const level = levelOf(category, opts.level);
    if (!level) {
      throw new CliError(
        `无法识别的${CATEGORY_FULL_LABELS[category]}管理等级：${opts.level}。可填写：${levelHint(category)}`,
      );
    }
    patch.level = level;
  } else if (patch.category && current && !(current.level in LEVEL_LABELS[patch.category])) {
    throw new CliError(
      `改为${CATEGORY_FULL_LABELS[patch.category]}时请同时用 --level 填写管理等级：${levelHint(patch.category)}`,
    );
  }
  if (opts.phone !== undefined)
    patch.phone = opts.phone.trim() === "" ? null : parseMobileOrLandline(opts.phone);
  if (opts.address !== undefined) patch.address = opts.address.trim() || null;
  if (opts.department !== undefined) patch.department = opts.department.trim() || null;
  if (opts.notes !== undefined) patch.notes = opts.notes.trim() || null;
  return patch;
}

/** A mobile, or a landline such as 0710-1234567. */
function parseMobileOrLandline(text: string): string {
  const t = text.trim();
  if (/^0\d{2,3}-?\d{7,8}$/.test(t)) return t;
  return parseMobile(t);
}

async function activeCadres(repos: Pick<Repos, "cadres">, text: string | undefined): Promise<CadreRow[]> {
  if (text === undefined) return [];
  const userids = splitUserids(text);
  if (userids.length === 0) throw new CliError("请填写包保人的企业微信账号。");
  const rows: CadreRow[] = [];
  for (const userid of userids) rows.push(await findActiveCadre(repos, userid));
  return rows;
}

/** The audit detail of a change: field names, with before/after except for the ID number. */
function auditChanges(before: SubjectRow, patch: SubjectPatch): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === "idNumber") {
      out.idMasked = { from: before.idMasked, to: value ? maskIdNumber(String(value)) : null };
      continue;
    }
    const from = (before as unknown as Record<string, unknown>)[key];
    const norm = (v: unknown) => (v instanceof Date ? localDateFromDbDate(v) : (v ?? null));
    if (JSON.stringify(norm(from)) !== JSON.stringify(norm(value)))
      out[key] = { from: norm(from), to: norm(value) };
  }
  return out;
}

/** `subject show|add|set|transfer|close` (registered under `subject`, next to pause/resume). */
export function registerSubjectRecordCommands(subject: Command, ctx: CliContext): void {
  subject
    .command("show")
    .description("查看一名管控对象的档案和包保人（身份证号默认打码）")
    .argument("<对象>", "编号或身份证号")
    .option("--full-id", "显示完整身份证号和电话（敏感查询，记入审计日志）")
    .option("--json", "以 JSON 输出")
    .action(async (ref: string, opts: { fullId?: boolean; json?: boolean }) => {
      const day = today(ctx);
      await withStore(ctx, async (store) => {
        const row = await findSubject(store, ref, { allowClosed: true });
        const regions = await store.regions.listAncestors(row.regionId);
        const guarantees = await store.guarantees.listOpenForSubject(row.id, day.db);
        const fullId = opts.fullId
          ? await store.transaction((repos) =>
              repos.subjects.revealIdNumber(row.id, cliActor(), "subject show --full-id"),
            )
          : null;
        const idNumber = opts.fullId ? fullId : row.idMasked;
        const phone = row.phone ? (opts.fullId ? row.phone : maskPhone(row.phone)) : null;
        const date = (d: Date | null) => (d ? localDateFromDbDate(d) : null);
        const guarantors = guarantees.map((g) => ({
          userid: g.userid,
          name: g.cadreName,
          active: g.cadreActive,
          from: localDateFromDbDate(g.startDate),
          until: date(g.endDate),
        }));
        const region = regions[regions.length - 1];
        if (opts.json) {
          ctx.io.out(
            JSON.stringify({
              id: row.id,
              name: row.name,
              idNumber,
              gender: row.gender,
              birthDate: date(row.birthDate),
              phone,
              address: row.address,
              region: region
                ? { code: region.code, name: region.name, path: regions.map((r) => r.name) }
                : null,
              category: row.category,
              level: row.level,
              status: row.status,
              pauseReason: row.pauseReason,
              pausedFrom: date(row.pausedFrom),
              pausedUntil: date(row.pausedUntil),
              closedAt: row.closedAt?.toISOString() ?? null,
              closeReason: row.closeReason,
              department: row.department,
              notes: row.notes,
              guarantors,
            }),
          );
          return;
        }
        const status =
          row.status === "paused"
            ? `${STATUS_LABELS.paused}（${row.pauseReason ?? ""}，${date(row.pausedFrom) ?? ""} 起${row.pausedUntil ? `至 ${date(row.pausedUntil)}` : ""}）`
            : row.status === "closed"
              ? `${STATUS_LABELS.closed}（${row.closeReason ?? ""}）`
              : STATUS_LABELS.active;
        const activeGuarantors = guarantors.filter((g) => g.active);
        const lines = [
          `${row.name}（#${row.id}）${status}`,
          `身份证号：${idNumber ?? "未登记"}  性别：${GENDER_LABELS[row.gender]}  出生日期：${date(row.birthDate) ?? "未登记"}`,
          `所属地区：${regions.map((r) => r.name).join(" ")}（${region?.code ?? ""}）`,
          `人员类别：${formatCategoryLevel(row.category as Category, row.level)}`,
          `联系电话：${phone ?? "未登记"}  现住址：${row.address ?? "未登记"}`,
          ...(row.department ? [`责任单位：${row.department}`] : []),
          ...(row.notes ? [`备注：${row.notes}`] : []),
          `包保人：${
            guarantors.length === 0
              ? "无"
              : guarantors
                  .map(
                    (g) =>
                      `${g.name}（${g.userid}，${g.from} 起${g.until ? `至 ${g.until}` : ""}${g.active ? "" : "，已停用"}）`,
                  )
                  .join("、")
          }`,
        ];
        if (row.status !== "closed" && activeGuarantors.length === 0)
          lines.push("警告：没有在岗包保人，应访任务无人接收。");
        ctx.io.out(lines.join("\n"));
      });
    });

  const fieldOptions = (cmd: Command) =>
    cmd
      .option("--gender <男|女>", "性别（有身份证号时由号码得出）")
      .option("--birth-date <YYYY-MM-DD>", "出生日期（有身份证号时由号码得出）")
      .option("--phone <电话>", "联系电话")
      .option("--address <住址>", "现住址")
      .option("--department <单位>", "责任单位")
      .option("--notes <备注>", "备注")
      .option("--json", "以 JSON 输出");

  fieldOptions(
    subject
      .command("add")
      .description("新增管控对象（身份证号校验 GB 11643，出生日期和性别由号码得出）")
      .argument("<姓名>", "姓名")
      .requiredOption("--category <类别>", "人员类别，如 严重精神障碍患者、社区矫正对象、mental_disorder")
      .requiredOption("--level <等级>", "管理等级，如 危险性评估3级、严管、重点、高风险")
      .requiredOption("--village <地区>", "所属村（社区）或网格：地区编码或台账中唯一的名称")
      .option("--id-number <身份证号>", "公民身份号码（18位）")
      .option("--guarantor <账号>", "包保人的企业微信账号，多个用逗号分隔"),
  ).action(
    async (name: string, opts: FieldOptions & { village: string; guarantor?: string; json?: boolean }) => {
      const patch = readFields({ ...opts, name });
      const day = today(ctx);
      await withStore(ctx, async (store) => {
        if (patch.idNumber) {
          const existing = await store.subjects.findByIdNumber(patch.idNumber);
          if (existing) throw new CliError(`该身份证号已在台账中：${existing.name}（#${existing.id}）。`);
        }
        const region = await findRegion(store, opts.village);
        const cadres = await activeCadres(store, opts.guarantor);
        const at = ctx.now();
        const row = await store.transaction(async (repos) => {
          const created = await repos.subjects.create({
            ...patch,
            name: patch.name as string,
            regionId: region.id,
            category: patch.category as Category,
            level: patch.level as string,
          });
          for (const c of cadres) {
            await repos.guarantees.start({ subjectId: created.id, cadreId: c.id, startDate: day.db });
          }
          await repos.audit.record({
            actor: cliActor(),
            action: "subject.create",
            entity: "Subject",
            entityId: created.id,
            detail: {
              region: region.code,
              category: created.category,
              level: created.level,
              idMasked: created.idMasked,
              guarantors: cadres.map((c) => c.userid),
            },
            at,
          });
          return created;
        });
        if (opts.json) {
          ctx.io.out(
            JSON.stringify({
              id: row.id,
              name: row.name,
              idNumber: row.idMasked,
              region: region.code,
              category: row.category,
              level: row.level,
              guarantors: cadres.map((c) => c.userid),
            }),
          );
          return;
        }
        const lines = [
          `已新增管控对象：${row.name}（#${row.id}）${formatCategoryLevel(row.category as Category, row.level)}，${region.name}` +
            (cadres.length > 0
              ? `，包保人 ${cadres.map((c) => c.name).join("、")}（自 ${day.date} 起）。`
              : "。"),
        ];
        if (cadres.length === 0) {
          lines.push(`警告：${row.name} 还没有包保人，请执行 npx baobao guarantee add ${row.id} <账号>。`);
        }
        ctx.io.out(lines.join("\n"));
      });
    },
  );

  fieldOptions(
    subject
      .command("set")
      .description("修改管控对象的档案（换村请用 subject transfer，换包保人请用 guarantee）")
      .argument("<对象>", "编号或身份证号")
      .option("--name <姓名>", "姓名")
      .option("--id-number <身份证号>", "公民身份号码（18位）")
      .option("--category <类别>", "人员类别")
      .option("--level <等级>", "管理等级"),
  ).action(async (ref: string, opts: FieldOptions & { json?: boolean }) => {
    await withStore(ctx, async (store) => {
      const before = await findSubject(store, ref);
      const patch = readFields(opts, before);
      if (Object.keys(patch).length === 0) throw new CliError("请至少指定一项要修改的内容（见 --help）。");
      if (patch.idNumber) {
        const existing = await store.subjects.findByIdNumber(patch.idNumber);
        if (existing && existing.id !== before.id) {
          throw new CliError(`该身份证号已属于 ${existing.name}（#${existing.id}）。`);
        }
      }
      const changed = auditChanges(before, patch);
      const at = ctx.now();
      const after = await store.transaction(async (repos) => {
        const updated = await repos.subjects.update(before.id, patch);
        if (Object.keys(changed).length > 0) {
          await repos.audit.record({
            actor: cliActor(),
            action: "subject.update",
            entity: "Subject",
            entityId: before.id,
            detail: changed as object,
            at,
          });
        }
        return updated;
      });
      if (opts.json) {
        ctx.io.out(JSON.stringify({ id: after.id, changed: Object.keys(changed) }));
      } else if (Object.keys(changed).length === 0) {
        ctx.io.out(`没有变化：${after.name}（#${after.id}）。`);
      } else {
        ctx.io.out(
          `已修改 ${after.name}（#${after.id}）：${Object.keys(changed).length} 项（${formatCategoryLevel(after.category as Category, after.level)}）。`,
        );
      }
    });
  });

  subject
    .command("transfer")
    .description("迁入另一个村（社区）或网格；可同时指定新的包保人、结束原包保关系")
    .argument("<对象>", "编号或身份证号")
    .requiredOption("--to <地区>", "新的所属地区：地区编码或台账中唯一的名称")
    .option("--guarantor <账号>", "新的包保人（企业微信账号，多个用逗号分隔），自今天起")
    .option("--end-guarantees", "原包保关系今天结束")
    .option("--force", "即使结束后没有在岗包保人也执行")
    .option("--json", "以 JSON 输出")
    .action(
      async (
        ref: string,
        opts: { to: string; guarantor?: string; endGuarantees?: boolean; force?: boolean; json?: boolean },
      ) => {
        const day = today(ctx);
        await withStore(ctx, async (store) => {
          const row = await findSubject(store, ref);
          const region = await findRegion(store, opts.to);
          if (region.id === row.regionId)
            throw new CliError(`${row.name}（#${row.id}）已在 ${region.name}。`);
          const from = await store.regions.findById(row.regionId);
          const cadres = await activeCadres(store, opts.guarantor);
          const open = await store.guarantees.listOpenForSubject(row.id, day.db);
          const ending = opts.endGuarantees
            ? open.filter((g) => !cadres.some((c) => c.id === g.cadreId))
            : [];
          const keeping = open.filter((g) => g.cadreActive && !ending.includes(g));
          if (keeping.length === 0 && cadres.length === 0 && !opts.force) {
            throw new CliError(
              `迁移后 ${row.name}（#${row.id}）将没有在岗包保人。请用 --guarantor 指定新的包保人；确需如此请加 --force。`,
            );
          }
          const at = ctx.now();
          await store.transaction(async (repos) => {
            await repos.subjects.update(row.id, { regionId: region.id });
            for (const g of ending) await repos.guarantees.end(g.id, day.db);
            for (const c of cadres) {
              if (open.some((g) => g.cadreId === c.id)) continue;
              await repos.guarantees.start({ subjectId: row.id, cadreId: c.id, startDate: day.db });
            }
            await repos.audit.record({
              actor: cliActor(),
              action: "subject.transfer",
              entity: "Subject",
              entityId: row.id,
              detail: {
                from: from?.code ?? null,
                to: region.code,
                on: day.date,
                endedGuarantees: ending.map((g) => g.userid),
                newGuarantors: cadres.map((c) => c.userid),
              },
              at,
            });
          });
          if (opts.json) {
            ctx.io.out(
              JSON.stringify({
                subjectId: row.id,
                from: from?.code ?? null,
                to: region.code,
                endedGuarantees: ending.map((g) => g.userid),
                newGuarantors: cadres.map((c) => c.userid),
              }),
            );
            return;
          }
          const lines = [`已将 ${row.name}（#${row.id}）从 ${from?.name ?? ""} 迁至 ${region.name}。`];
          if (ending.length > 0) {
            lines.push(`原包保人 ${ending.map((g) => g.cadreName).join("、")} 的包保关系 ${day.date} 结束。`);
          }
          if (cadres.length > 0)
            lines.push(`新包保人：${cadres.map((c) => c.name).join("、")}，自 ${day.date} 起。`);
          if (keeping.length === 0 && cadres.length === 0)
            lines.push(`警告：${row.name} 现在没有在岗包保人，请尽快指定。`);
          ctx.io.out(lines.join("\n"));
        });
      },
    );

  subject
    .command("close")
    .description("销档：解除管控、死亡、迁出本县等；销档后不再产生走访任务")
    .argument("<对象>", "编号或身份证号")
    .requiredOption("--reason <原因>", "销档原因，如 已解除、死亡、迁出")
    .option("--json", "以 JSON 输出")
    .action(async (ref: string, opts: { reason: string; json?: boolean }) => {
      const reason = opts.reason.trim();
      if (!reason) throw new CliError("请填写销档原因。");
      await withStore(ctx, async (store) => {
        const row = await findSubject(store, ref);
        const at = ctx.now();
        await store.transaction(async (repos) => {
          await repos.subjects.close(row.id, { reason, at });
          await repos.audit.record({
            actor: cliActor(),
            action: "subject.close",
            entity: "Subject",
            entityId: row.id,
            detail: { reason, previousStatus: row.status },
            at,
          });
        });
        if (opts.json) ctx.io.out(JSON.stringify({ subjectId: row.id, status: "closed", reason }));
        else ctx.io.out(`已销档：${row.name}（#${row.id}），原因：${reason}。此后不再安排走访。`);
      });
    });
}
