import type { Command } from "commander";
import type { CliContext } from "../cli-context";
import { CliError } from "../cli-error";
import { findActiveCadre, findCadre, findSubject, today } from "./register-refs";
import { cliActor, withStore } from "./with-store";

/** `baobao guarantee add|remove|handover`. */
export function registerGuaranteeCommands(program: Command, ctx: CliContext): void {
  const guarantee = program
    .command("guarantee")
    .description("包保关系：指定、移除包保人，干部离岗时整体移交");

  guarantee
    .command("add")
    .description("为管控对象增加一名包保人（自今天起）")
    .argument("<对象>", "编号或身份证号")
    .argument("<账号>", "包保人的企业微信账号")
    .option("--json", "以 JSON 输出")
    .action(async (ref: string, userid: string, opts: { json?: boolean }) => {
      const day = today(ctx);
      await withStore(ctx, async (store) => {
        const subject = await findSubject(store, ref);
        const cadre = await findActiveCadre(store, userid);
        const open = await store.guarantees.listOpenForSubject(subject.id, day.db);
        if (open.some((g) => g.cadreId === cadre.id)) {
          throw new CliError(
            `${cadre.name}（${cadre.userid}）已是 ${subject.name}（#${subject.id}）的包保人。`,
          );
        }
        const at = ctx.now();
        const id = await store.transaction(async (repos) => {
          const guaranteeId = await repos.guarantees.start({
            subjectId: subject.id,
            cadreId: cadre.id,
            startDate: day.db,
          });
          await repos.audit.record({
            actor: cliActor(),
            action: "guarantee.add",
            entity: "Guarantee",
            entityId: guaranteeId,
            detail: { subjectId: subject.id, userid: cadre.userid, from: day.date },
            at,
          });
          return guaranteeId;
        });
        if (opts.json) {
          ctx.io.out(
            JSON.stringify({ guaranteeId: id, subjectId: subject.id, userid: cadre.userid, from: day.date }),
          );
        } else {
          ctx.io.out(
            `已指定包保人：${subject.name}（#${subject.id}）← ${cadre.name}（${cadre.userid}），自 ${day.date} 起。`,
          );
        }
      });
    });

  guarantee
    .command("remove")
    .description("移除管控对象的一名包保人（今天为最后一天）；移除后无在岗包保人时拒绝，除非 --force")
    .argument("<对象>", "编号或身份证号")
    .argument("<账号>", "包保人的企业微信账号")
    .option("--force", "即使移除后该对象没有在岗包保人也移除")
    .option("--json", "以 JSON 输出")
    .action(async (ref: string, userid: string, opts: { force?: boolean; json?: boolean }) => {
      const day = today(ctx);
      await withStore(ctx, async (store) => {
        const subject = await findSubject(store, ref);
        const cadre = await findCadre(store, userid);
        const at = ctx.now();
        // Checked and written in one transaction: nobody else's change slips in between.
        const unassigned = await store.transaction(async (repos) => {
          const open = await repos.guarantees.listOpenForSubject(subject.id, day.db);
          const mine = open.filter((g) => g.cadreId === cadre.id);
          if (mine.length === 0) {
            throw new CliError(
              `${cadre.name}（${cadre.userid}）不是 ${subject.name}（#${subject.id}）的包保人。`,
            );
          }
          const others = open.filter((g) => g.cadreId !== cadre.id && g.cadreActive);
          if (others.length === 0 && !opts.force) {
            throw new CliError(
              `移除后 ${subject.name}（#${subject.id}）将没有在岗包保人，应访任务无人接收。` +
                `请先用 npx baobao guarantee add ${subject.id} <账号> 指定新的包保人，或用 guarantee handover 移交；确需移除请加 --force。`,
            );
          }
          for (const g of mine) await repos.guarantees.end(g.id, day.db);
          await repos.audit.record({
            actor: cliActor(),
            action: "guarantee.remove",
            entity: "Guarantee",
            entityId: mine[0]?.id,
            detail: {
              subjectId: subject.id,
              userid: cadre.userid,
              until: day.date,
              forced: others.length === 0,
              guaranteeIds: mine.map((g) => g.id),
            },
            at,
          });
          return others.length === 0;
        });
        if (opts.json) {
          ctx.io.out(
            JSON.stringify({ subjectId: subject.id, userid: cadre.userid, until: day.date, unassigned }),
          );
        } else {
          ctx.io.out(
            `已移除包保人：${subject.name}（#${subject.id}）的包保人 ${cadre.name}（${cadre.userid}），${day.date} 为最后一天。` +
              (unassigned ? `\n警告：${subject.name} 现在没有在岗包保人，请尽快指定。` : ""),
          );
        }
      });
    });

  guarantee
    .command("handover")
    .description("干部离岗时，把其在管对象（或指定对象）一次移交给接替人：原包保关系今天结束，新的今天开始")
    .requiredOption("--from <账号>", "原包保人的企业微信账号")
    .requiredOption("--to <账号>", "接替人的企业微信账号")
    .option("--subject <对象...>", "只移交这些对象（编号或身份证号，可写多个）")
    .option("--json", "以 JSON 输出")
    .action(async (opts: { from: string; to: string; subject?: string[]; json?: boolean }) => {
      const day = today(ctx);
      await withStore(ctx, async (store) => {
        const from = await findCadre(store, opts.from);
        const to = await findActiveCadre(store, opts.to);
        if (from.id === to.id) throw new CliError("原包保人和接替人不能是同一人。");
        const open = await store.guarantees.listOpenForCadre(from.id, day.db);
        let moving = open;
        if (opts.subject) {
          const wanted = new Set<number>();
          for (const ref of opts.subject) {
            const subject = await findSubject(store, ref);
            if (!open.some((g) => g.subjectId === subject.id)) {
              throw new CliError(
                `${subject.name}（#${subject.id}）不是 ${from.name}（${from.userid}）在管的对象。`,
              );
            }
            wanted.add(subject.id);
          }
          moving = open.filter((g) => wanted.has(g.subjectId));
        }
        if (moving.length === 0) throw new CliError(`${from.name}（${from.userid}）没有在管的对象可移交。`);
        const at = ctx.now();
        const result = await store.transaction(
          async (repos) => {
            const already = new Set<number>();
            let started = 0;
            for (const g of moving) {
              await repos.guarantees.end(g.id, day.db);
              if (already.has(g.subjectId)) continue;
              already.add(g.subjectId);
              const theirs = await repos.guarantees.listOpenForSubject(g.subjectId, day.db);
              if (theirs.some((t) => t.cadreId === to.id)) continue;
              await repos.guarantees.start({
                subjectId: g.subjectId,
                cadreId: to.id,
                role: g.role,
                startDate: day.db,
              });
              started++;
            }
            const subjectIds = [...already];
            await repos.audit.record({
              actor: cliActor(),
              action: "guarantee.handover",
              entity: "Cadre",
              entityId: from.id,
              detail: { from: from.userid, to: to.userid, on: day.date, subjectIds },
              at,
            });
            const remaining = await repos.guarantees.listOpenForCadre(from.id, day.db);
            return { subjects: subjectIds.length, started, remaining: remaining.length };
          },
          { timeoutMs: 120_000 },
        );
        if (opts.json) {
          ctx.io.out(
            JSON.stringify({
              from: from.userid,
              to: to.userid,
              on: day.date,
              subjects: result.subjects,
              started: result.started,
              remaining: result.remaining,
            }),
          );
          return;
        }
        const lines = [
          `已将 ${from.name}（${from.userid}）的 ${result.subjects} 名管控对象移交给 ${to.name}（${to.userid}）：原包保关系 ${day.date} 结束，新的自 ${day.date} 起。`,
        ];
        if (result.started < result.subjects) {
          lines.push(`其中 ${result.subjects - result.started} 人 ${to.name} 原本就是包保人。`);
        }
        lines.push(
          result.remaining === 0
            ? `${from.name} 已没有在管对象${from.active ? `，可执行 npx baobao cadre deactivate ${from.userid} 停用。` : "。"}`
            : `${from.name} 仍有 ${result.remaining} 名在管对象。`,
        );
        ctx.io.out(lines.join("\n"));
      });
    });
}
