/**
 * `baobao roster match-wecom` (fill in cadres' WeCom userids from the admin console's member
 * export) and `baobao roster check-wecom` (ask WeCom whether each active cadre's userid exists).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { createSandboxCredentials } from "../../channels/sandbox/sandbox-credentials";
import { maskMobile } from "../../domain/mask-mobile";
import { checkWecomUserids, type UseridCheck, type UseridVerdict } from "../../register/check-wecom-userids";
import {
  type Candidate,
  type MatchCadre,
  type MatchOutcome,
  matchWecomUserids,
} from "../../register/match-wecom-userids";
import { readWecomMemberExport, WecomExportError } from "../../register/wecom-member-export";
import type { CadreRow } from "../../store/cadre-repository";
import type { Store } from "../../store/store";
import { PrismaTokenStore } from "../../store/token-repository";
import { isUniqueViolation } from "../../store/unique-violation";
import { createWecomClient } from "../../wecom/client";
import { createWecomEmulator } from "../../wecom/emulator/wecom-emulator";
import { WecomApiError } from "../../wecom/errors";
import type { CliContext } from "../cli-context";
import { CliError } from "../cli-error";
import { cliActor, withStore } from "./with-store";

/** Pause between two user/get calls: at most 20 a second. */
const CHECK_INTERVAL_MS = 50;

/** Each active cadre with the names of their home region and its ancestors (home first). */
async function matchCadres(store: Store, cadres: readonly CadreRow[]): Promise<MatchCadre[]> {
  const names = new Map<number, string[]>();
  for (const id of new Set(cadres.map((c) => c.homeRegionId))) {
    names.set(id, (await store.regions.listAncestors(id)).map((r) => r.name).reverse());
  }
  return cadres.map((c) => ({
    id: c.id,
    name: c.name,
    userid: c.userid,
    mobile: c.mobile,
    regionNames: names.get(c.homeRegionId) ?? [],
  }));
}

/** Who holds each userid in the register (exact and lower-case spellings; any cadre). */
async function holders(store: Store, userids: readonly string[]) {
  const spellings = [...new Set(userids.flatMap((u) => [u, u.toLowerCase()]))];
  const rows = await store.cadres.findByUserids(spellings);
  const byKey = new Map(rows.map((r) => [r.userid.toLowerCase(), { id: r.id, name: r.name }]));
  return (userid: string) => byKey.get(userid.toLowerCase());
}

const region = (c: MatchCadre) => c.regionNames[0] ?? "";
const BY = { mobile: "按手机号", name: "按姓名（同部门）" } as const;
const candidateText = (m: Candidate) =>
  `${m.userid}（${m.name}，${m.departments.join("；") || "无部门"}，第 ${m.row} 行）`;

function outcomeJson(file: string, applied: boolean, o: MatchOutcome) {
  const cadre = (c: MatchCadre) => ({ cadreId: c.id, name: c.name, region: region(c), userid: c.userid });
  return {
    file: path.basename(file),
    applied,
    counts: {
      cadres:
        o.bound.length + o.matched.length + o.unmatched.length + o.ambiguous.length + o.collisions.length,
      bound: o.bound.length,
      matched: o.matched.length,
      unmatched: o.unmatched.length,
      ambiguous: o.ambiguous.length,
      collisions: o.collisions.length,
    },
    matched: o.matched.map((m) => ({ ...cadre(m.cadre), from: m.cadre.userid, to: m.to, by: m.by })),
    unmatched: o.unmatched.map((u) => ({
      ...cadre(u.cadre),
      mobile: maskMobile(u.cadre.mobile),
      sameNameElsewhere: u.sameNameElsewhere,
    })),
    ambiguous: o.ambiguous.map((a) => ({ ...cadre(a.cadre), by: a.by, candidates: a.candidates })),
    collisions: o.collisions.map((c) => ({ ...cadre(c.cadre), to: c.to, by: c.by, heldBy: c.heldBy })),
  };
}

function outcomeText(file: string, memberCount: number, applied: boolean, apply: boolean, o: MatchOutcome) {
  const lines: string[] = [];
  const total =
    o.bound.length + o.matched.length + o.unmatched.length + o.ambiguous.length + o.collisions.length;
  lines.push(
    `通讯录 ${path.basename(file)}：${memberCount} 名成员${o.skippedMembers ? `（其中 ${o.skippedMembers} 名已禁用或已退出，不参与匹配）` : ""}。`,
    `在岗干部 ${total} 名：已绑定 ${o.bound.length}，可匹配 ${o.matched.length}，未匹配 ${o.unmatched.length}，有歧义 ${o.ambiguous.length}，账号冲突 ${o.collisions.length}。`,
  );
  if (o.matched.length) {
    lines.push("", applied ? "已更新（旧账号 → 新账号）：" : "可匹配（旧账号 → 新账号）：");
    for (const m of o.matched)
      lines.push(
        `  ${m.cadre.name}（${region(m.cadre)}）：${m.cadre.userid} → ${m.to}，${BY[m.by]}${m.placeholder ? "" : "（原账号不在通讯录中）"}`,
      );
  }
  if (o.unmatched.length) {
    lines.push("", "未匹配（通讯录中没有相同手机号，本部门也没有同名成员）：");
    for (const u of o.unmatched) {
      const phone = u.cadre.mobile ? `，手机 ${maskMobile(u.cadre.mobile)}` : "，台账无手机号";
      const elsewhere = u.sameNameElsewhere.length
        ? `；同名成员在其他部门：${u.sameNameElsewhere.map(candidateText).join("、")}`
        : "";
      lines.push(`  ${u.cadre.name}（${region(u.cadre)}${phone}）${elsewhere}`);
    }
  }
  if (o.ambiguous.length) {
    lines.push("", "有歧义（不会猜测；请在台账中填写企业微信账号或手机号后重新运行）：");
    for (const a of o.ambiguous)
      lines.push(
        `  ${a.cadre.name}（${region(a.cadre)}）：${BY[a.by]}找到 ${a.candidates.length} 名成员：${a.candidates.map(candidateText).join("、")}`,
      );
  }
  if (o.collisions.length) {
    lines.push("", "账号冲突（不会覆盖）：");
    for (const c of o.collisions)
      lines.push(
        `  ${c.cadre.name}（${region(c.cadre)}）：${BY[c.by]}匹配到账号 ${c.to}，但它已属于干部 ${c.heldBy.name}（#${c.heldBy.id}）`,
      );
  }
  lines.push("");
  if (applied) lines.push(`已写入 ${o.matched.length} 名干部的企业微信账号。`);
  else if (apply) lines.push("没有需要写入的账号。");
  else if (o.matched.length) lines.push("以上为预览，未作任何修改；确认无误后加 --apply 写入。");
  else lines.push("没有需要写入的账号。");
  return lines.join("\n");
}

async function sha256(file: string): Promise<string> {
  const hash = crypto.createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

const VERDICT_TEXT: Record<Exclude<UseridVerdict, "ok">, string> = {
  placeholder: "尚未绑定企业微信账号（临时账号），收不到消息；请用 roster match-wecom 补全",
  unknown: "企业微信中没有这个账号",
  out_of_range: "账号存在，但不在本应用的可见范围内（请在管理后台把该成员加入应用可见范围）",
  disabled: "账号已被禁用",
  not_activated: "账号尚未激活（成员还未加入企业）",
  left: "成员已退出企业",
  error: "未能确认",
};

export function registerRosterWecom(roster: Command, ctx: CliContext): void {
  roster
    .command("match-wecom")
    .description("按企业微信通讯录导出文件补全干部的企业微信账号：先按手机号，再按同部门姓名；默认只预览")
    .argument("<通讯录导出.xlsx>", "企业微信管理后台 → 通讯录 → 导出成员 得到的 .xlsx 文件")
    .option("--apply", "写入匹配到的账号（一次事务，逐条记审计）")
    .option("--json", "以 JSON 输出")
    .addHelpText(
      "after",
      "\n退出码：全部干部已绑定或可匹配为 0；有未匹配、有歧义或账号冲突为 1（可匹配的仍会在 --apply 时写入）。",
    )
    .action(async (file: string, opts: { apply?: boolean; json?: boolean }) => {
      const exported = await readWecomMemberExport(file).catch((err: unknown) => {
        throw err instanceof WecomExportError ? new CliError(err.message) : err;
      });
      const digest = await sha256(file);
      await withStore(ctx, async (store) => {
        const cadres = await matchCadres(store, await store.cadres.listActive());
        const heldBy = await holders(
          store,
          exported.members.map((m) => m.userid),
        );
        const outcome = matchWecomUserids(cadres, exported.members, heldBy);
        const apply = !!opts.apply && outcome.matched.length > 0;
        if (apply) {
          const at = ctx.now();
          const actor = cliActor();
          const fileName = path.basename(file);
          try {
            await store.transaction(
              async (repos) => {
                for (const m of outcome.matched) {
                  const changed = await repos.cadres.setUserid(m.cadre.id, m.cadre.userid, m.to);
                  if (!changed)
                    throw new CliError(
                      `干部 ${m.cadre.name}（#${m.cadre.id}）的账号刚被修改过，未作任何修改；请重新运行。`,
                    );
                  const readdressed = await repos.outbox.readdressPending(m.cadre.userid, m.to);
                  await repos.audit.record({
                    actor,
                    action: "cadre.userid",
                    entity: "Cadre",
                    entityId: m.cadre.id,
                    detail: {
                      from: m.cadre.userid,
                      to: m.to,
                      by: m.by,
                      source: "roster match-wecom",
                      file: fileName,
                      readdressed,
                    },
                    at,
                  });
                }
                await repos.audit.record({
                  actor,
                  action: "roster.match-wecom",
                  entity: "Roster",
                  detail: {
                    file: fileName,
                    sha256: digest,
                    members: exported.members.length,
                    matched: outcome.matched.length,
                    unmatched: outcome.unmatched.length,
                    ambiguous: outcome.ambiguous.length,
                    collisions: outcome.collisions.length,
                  },
                  at,
                });
              },
              { timeoutMs: 120_000 },
            );
          } catch (err) {
            if (isUniqueViolation(err))
              throw new CliError("有账号在运行期间被其他干部占用，未作任何修改；请重新运行查看冲突。");
            throw err;
          }
        }
        ctx.io.out(
          opts.json
            ? JSON.stringify(outcomeJson(file, apply, outcome))
            : outcomeText(file, exported.members.length, apply, !!opts.apply, outcome),
        );
        const clean = outcome.unmatched.length + outcome.ambiguous.length + outcome.collisions.length === 0;
        if (!clean) {
          const open = outcome.unmatched.length + outcome.ambiguous.length + outcome.collisions.length;
          throw new CliError(`${open} 名干部的企业微信账号未能确定（见上），请处理后重新运行。`);
        }
      });
    });

  roster
    .command("check-wecom")
    .description("向企业微信确认每名在岗干部的账号存在且在应用可见范围内（只读取成员，不发送任何消息）")
    .option("--json", "以 JSON 输出")
    .addHelpText(
      "after",
      "\n退出码：全部账号可用为 0；有任何问题（不存在、不在可见范围、已禁用、未激活、临时账号或未能确认）为 1。",
    )
    .action(async (opts: { json?: boolean }) => {
      const config = ctx.config();
      await withStore(ctx, async (store, db) => {
        const cadres = await store.cadres.listActive();
        // Sandbox mode: the built-in WeCom emulator (where every well-formed userid is a member).
        const creds = config.wecom ?? createSandboxCredentials();
        const emulator =
          config.mode === "sandbox" ? createWecomEmulator({ ...creds, now: ctx.now }) : undefined;
        const server = emulator ? await emulator.listen(0, "127.0.0.1") : undefined;
        try {
          const client = createWecomClient({
            apiBase: server?.url ?? config.wecomApiBase,
            corpId: creds.corpId,
            secret: creds.secret,
            agentId: creds.agentId,
            // Real mode shares the server's cached token. No advisory lock: within its validity
            // gettoken answers the same token, so a refresh racing the server's costs one call.
            ...(emulator ? {} : { tokenStore: new PrismaTokenStore(db.prisma, { advisoryLock: false }) }),
            now: ctx.now,
          });
          let results: UseridCheck[];
          try {
            results = await checkWecomUserids(cadres, {
              getMember: (userid) => client.getMember(userid),
              sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
              intervalMs: CHECK_INTERVAL_MS,
            });
          } catch (err) {
            if (err instanceof WecomApiError && err.code === "bad_credentials")
              throw new CliError(
                `企业微信拒绝了应用凭证（errcode ${err.errcode}）：请检查 WECOM_CORP_ID 与 WECOM_SECRET。`,
              );
            throw err;
          }
          const problems = results.filter((r) => r.verdict !== "ok");
          if (opts.json) {
            ctx.io.out(
              JSON.stringify({
                mode: config.mode,
                checked: results.length,
                ok: results.length - problems.length,
                problems: problems.map((p) => ({
                  cadreId: p.cadre.id,
                  name: p.cadre.name,
                  userid: p.cadre.userid,
                  verdict: p.verdict,
                  ...(p.verdict === "error" && p.detail ? { detail: p.detail } : {}),
                })),
              }),
            );
          } else {
            const lines = [
              `${config.mode === "sandbox" ? "沙箱模式（内置企业微信模拟器）：" : ""}已确认 ${results.length} 名在岗干部的企业微信账号：可用 ${results.length - problems.length}，有问题 ${problems.length}。`,
            ];
            for (const p of problems) {
              const reason = p.verdict === "ok" ? "" : VERDICT_TEXT[p.verdict];
              lines.push(
                `  ${p.cadre.name}（#${p.cadre.id}）账号 ${p.cadre.userid}：${reason}${p.verdict === "error" && p.detail ? `（${p.detail}）` : ""}`,
              );
            }
            ctx.io.out(lines.join("\n"));
          }
          if (problems.length > 0)
            throw new CliError(`${problems.length} 名干部的企业微信账号有问题（见上）。`);
        } finally {
          await server?.close();
        }
      });
    });
}
