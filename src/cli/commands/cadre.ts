import type { Command } from "commander";
import { CADRE_ROLE_LABELS } from "../../domain/labels";
import type { CadrePatch, CadreRow } from "../../store/cadre-repository";
import type { RegionRow } from "../../store/region-repository";
import type { Repos } from "../../store/store";
import type { CliContext } from "../cli-context";
import { CliError } from "../cli-error";
import { findCadre, findRegion, listPeople, parseMobile, parseRolesOption, today } from "./register-refs";
import { cliActor, withStore } from "./with-store";

/** One cadre in `--json` output. */
function cadreJson(c: CadreRow, regions: ReadonlyMap<number, RegionRow>) {
  const region = (id: number) => {
    const r = regions.get(id);
    return r ? { code: r.code, name: r.name } : null;
  };
  return {
    userid: c.userid,
    name: c.name,
    mobile: c.mobile,
    roles: c.roles,
    home: region(c.homeRegionId),
    scope: region(c.scopeRegionId),
    active: c.active,
  };
}

/** `王丽（wangli） 包保干部 · 青山村 · 138…`. */
function describeCadre(c: CadreRow, regions: ReadonlyMap<number, RegionRow>): string {
  const roles = c.roles.map((r) => CADRE_ROLE_LABELS[r]).join("、");
  const home = regions.get(c.homeRegionId)?.name ?? `#${c.homeRegionId}`;
  const scope =
    c.scopeRegionId === c.homeRegionId
      ? ""
      : `，管辖 ${regions.get(c.scopeRegionId)?.name ?? `#${c.scopeRegionId}`}`;
  return `${c.name}（${c.userid}）${roles} · ${home}${scope}${c.mobile ? ` · ${c.mobile}` : ""}${c.active ? "" : " · 已停用"}`;
}

/** The regions the cadres name, by id. */
async function regionsOf(repos: Pick<Repos, "regions">, cadres: readonly CadreRow[]) {
  const map = new Map<number, RegionRow>();
  for (const id of new Set(cadres.flatMap((c) => [c.homeRegionId, c.scopeRegionId]))) {
    const r = await repos.regions.findById(id);
    if (r) map.set(id, r);
  }
  return map;
}

interface CadreFields {
  name?: string;
  userid?: string;
  mobile?: string;
  roles?: string;
  home?: string;
  scope?: string;
}

/** Options shared by `cadre add` and `cadre set`, parsed and resolved into a patch. */
async function readFields(repos: Repos, opts: CadreFields): Promise<CadrePatch> {
  const patch: CadrePatch = {};
  if (opts.name !== undefined) {
    const name = opts.name.trim();
    if (!name) throw new CliError("姓名不能为空。");
    patch.name = name;
  }
  if (opts.userid !== undefined) {
    const userid = opts.userid.trim();
    if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(userid)) {
      throw new CliError(`企业微信账号只能由字母、数字和 _ . @ - 组成（不超过64个字符）：${opts.userid}`);
    }
    patch.userid = userid;
  }
  if (opts.mobile !== undefined) patch.mobile = opts.mobile.trim() === "" ? null : parseMobile(opts.mobile);
  if (opts.roles !== undefined) patch.roles = parseRolesOption(opts.roles);
  if (opts.home !== undefined) patch.homeRegionId = (await findRegion(repos, opts.home)).id;
  if (opts.scope !== undefined) patch.scopeRegionId = (await findRegion(repos, opts.scope)).id;
  return patch;
}

/** The fields that differ, before → after (for audit entries and the confirmation). */
function changes(before: CadreRow, after: CadreRow): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of [
    "userid",
    "name",
    "mobile",
    "roles",
    "homeRegionId",
    "scopeRegionId",
    "active",
  ] as const) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key]))
      out[key] = { from: before[key], to: after[key] };
  }
  return out;
}

const FIELD_LABELS: Record<string, string> = {
  userid: "企业微信账号",
  name: "姓名",
  mobile: "手机号",
  roles: "角色",
  homeRegionId: "所属地区",
  scopeRegionId: "管辖范围",
  active: "状态",
};

/** `baobao cadre list|add|set|deactivate`. */
export function registerCadreCommands(program: Command, ctx: CliContext): void {
  const cadre = program.command("cadre").description("包保干部：查看、新增、修改、停用");

  cadre
    .command("list")
    .description("列出干部（默认只列在岗干部）")
    .option("--region <地区>", "只列所属地区在该地区（编码或唯一名称）之内的干部")
    .option("--role <角色>", "只列有该角色的干部，如 网格员、社区民警、village_leader")
    .option("--inactive", "只列已停用的干部")
    .option("--all", "在岗和已停用的都列出")
    .option("--json", "以 JSON 输出")
    .action(
      async (opts: { region?: string; role?: string; inactive?: boolean; all?: boolean; json?: boolean }) => {
        if (opts.inactive && opts.all) throw new CliError("--inactive 和 --all 只能选一个。");
        const roles = opts.role === undefined ? undefined : parseRolesOption(opts.role);
        if (roles && roles.length > 1) throw new CliError("--role 一次只能填写一个角色。");
        await withStore(ctx, async (store) => {
          const regionIds = opts.region
            ? (await store.regions.listSubtree((await findRegion(store, opts.region)).id)).map((r) => r.id)
            : undefined;
          const rows = await store.cadres.list({
            regionIds,
            role: roles?.[0],
            active: opts.all ? undefined : !opts.inactive,
          });
          const regions = await regionsOf(store, rows);
          if (opts.json) {
            ctx.io.out(JSON.stringify({ cadres: rows.map((c) => cadreJson(c, regions)) }));
            return;
          }
          if (rows.length === 0) {
            ctx.io.out("没有符合条件的干部。");
            return;
          }
          ctx.io.out(
            [...rows.map((c) => describeCadre(c, regions)), `共 ${rows.length} 名干部。`].join("\n"),
          );
        });
      },
    );

  cadre
    .command("add")
    .description("新增干部")
    .argument("<姓名>", "干部姓名")
    .requiredOption("--userid <账号>", "企业微信账号（UserID，通讯录导出中的「帐号」）")
    .requiredOption("--roles <角色>", "角色，可写职务，多个用顿号或逗号分隔，如 村书记、网格员")
    .requiredOption("--home <地区>", "所属地区：地区编码或台账中唯一的地区名称（村、乡镇或县）")
    .option("--mobile <手机号>", "手机号")
    .option("--scope <地区>", "管辖范围（默认同所属地区）")
    .option("--json", "以 JSON 输出")
    .action(async (name: string, opts: CadreFields & { json?: boolean }) => {
      await withStore(ctx, async (store) => {
        const patch = await readFields(store, { ...opts, name });
        const userid = patch.userid as string;
        const existing = await store.cadres.findByUserid(userid);
        if (existing) throw new CliError(`企业微信账号 ${userid} 已属于干部 ${existing.name}。`);
        const at = ctx.now();
        const row = await store.transaction(async (repos) => {
          const created = await repos.cadres.create({
            userid,
            name: patch.name as string,
            mobile: patch.mobile ?? null,
            roles: patch.roles ?? [],
            homeRegionId: patch.homeRegionId as number,
            scopeRegionId: patch.scopeRegionId,
          });
          await repos.audit.record({
            actor: cliActor(),
            action: "cadre.create",
            entity: "Cadre",
            entityId: created.id,
            detail: { userid, name: created.name, roles: created.roles },
            at,
          });
          return created;
        });
        const regions = await regionsOf(store, [row]);
        if (opts.json) ctx.io.out(JSON.stringify({ created: cadreJson(row, regions) }));
        else ctx.io.out(`已新增干部：${describeCadre(row, regions)}`);
      });
    });

  cadre
    .command("set")
    .description("修改干部的姓名、账号、手机号、角色、所属地区或管辖范围")
    .argument("<账号>", "干部的企业微信账号")
    .option("--name <姓名>", "新姓名")
    .option("--userid <账号>", "新的企业微信账号")
    .option("--mobile <手机号>", "新手机号（填空字符串则清除）")
    .option("--roles <角色>", "新的角色（整体替换），如 网格员、社区民警")
    .option("--home <地区>", "新的所属地区")
    .option("--scope <地区>", "新的管辖范围")
    .option("--reactivate", "重新启用已停用的干部")
    .option("--json", "以 JSON 输出")
    .action(async (userid: string, opts: CadreFields & { reactivate?: boolean; json?: boolean }) => {
      await withStore(ctx, async (store) => {
        const before = await findCadre(store, userid);
        const patch = await readFields(store, opts);
        if (opts.reactivate) patch.active = true;
        if (Object.keys(patch).length === 0) throw new CliError("请至少指定一项要修改的内容（见 --help）。");
        if (patch.userid && patch.userid !== before.userid) {
          const taken = await store.cadres.findByUserid(patch.userid);
          if (taken) throw new CliError(`企业微信账号 ${patch.userid} 已属于干部 ${taken.name}。`);
        }
        const at = ctx.now();
        const { after, changed } = await store.transaction(async (repos) => {
          const updated = await repos.cadres.update(before.id, patch);
          const diff = changes(before, updated);
          if (Object.keys(diff).length > 0) {
            await repos.audit.record({
              actor: cliActor(),
              action: "cadre.update",
              entity: "Cadre",
              entityId: before.id,
              detail: diff as object,
              at,
            });
          }
          return { after: updated, changed: diff };
        });
        const regions = await regionsOf(store, [after]);
        if (opts.json) {
          ctx.io.out(JSON.stringify({ updated: cadreJson(after, regions), changed: Object.keys(changed) }));
        } else if (Object.keys(changed).length === 0) {
          ctx.io.out(`没有变化：${describeCadre(after, regions)}`);
        } else {
          ctx.io.out(
            `已修改${Object.keys(changed)
              .map((k) => FIELD_LABELS[k])
              .join("、")}：${describeCadre(after, regions)}`,
          );
        }
      });
    });

  cadre
    .command("deactivate")
    .description("停用干部（离岗、调走）；仍是某人唯一包保人时拒绝，请先 guarantee handover")
    .argument("<账号>", "干部的企业微信账号")
    .option("--json", "以 JSON 输出")
    .action(async (userid: string, opts: { json?: boolean }) => {
      const day = today(ctx);
      await withStore(ctx, async (store) => {
        const row = await findCadre(store, userid);
        if (!row.active) throw new CliError(`干部 ${row.name}（${row.userid}）已停用。`);
        const at = ctx.now();
        const ended = await store.transaction(async (repos) => {
          const dependents = await repos.guarantees.dependentsOf(row.id, day.db);
          if (dependents.length > 0) {
            throw new CliError(
              `${row.name}（${row.userid}）仍是 ${dependents.length} 人唯一的在岗包保人：${listPeople(dependents)}。` +
                `停用后他们将无人走访。请先移交：npx baobao guarantee handover --from ${row.userid} --to <接替人账号>`,
            );
          }
          const open = await repos.guarantees.listOpenForCadre(row.id, day.db);
          for (const g of open) await repos.guarantees.end(g.id, day.db);
          await repos.cadres.update(row.id, { active: false });
          await repos.audit.record({
            actor: cliActor(),
            action: "cadre.deactivate",
            entity: "Cadre",
            entityId: row.id,
            detail: { userid: row.userid, endedGuarantees: open.map((g) => g.id), on: day.date },
            at,
          });
          return open.length;
        });
        if (opts.json) {
          ctx.io.out(JSON.stringify({ userid: row.userid, active: false, endedGuarantees: ended }));
        } else {
          ctx.io.out(
            `已停用干部：${row.name}（${row.userid}）${ended > 0 ? `；其 ${ended} 项包保关系至 ${day.date} 结束（这些对象另有在岗包保人）` : ""}。`,
          );
        }
      });
    });
}
