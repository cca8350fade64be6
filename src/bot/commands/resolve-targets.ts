import type { VisitTargets } from "../parse/parsed-command";
import type { GuaranteedSubject } from "../../store/conversation-repository";
import type { CommandContext } from "../bot";

export type ResolvedTargets =
  | { kind: "ok"; subjects: { id: number; name: string }[] }
  | { kind: "no_list" }
  | { kind: "out_of_range"; numbers: number[]; count: number }
  | { kind: "not_found"; name: string }
  | { kind: "not_guarantor"; name: string }
  | { kind: "ambiguous"; name: string; options: GuaranteedSubject[] };

/**
 * Turns list numbers, a name or `全部` into subjects the sender guarantees. Numbers refer to the
 * newest list the sender received; a name is looked up among the people they guarantee.
 */
export async function resolveTargets(
  ctx: CommandContext,
  targets: VisitTargets,
  date: Date,
): Promise<ResolvedTargets> {
  const { conversation } = ctx.repos;
  if (targets.kind === "name") {
    const mine = (await conversation.guaranteedSubjects(ctx.sender.id, date)).filter(
      (s) => s.name === targets.name,
    );
    if (mine.length === 1) return { kind: "ok", subjects: [{ id: mine[0]!.id, name: mine[0]!.name }] };
    if (mine.length > 1) return { kind: "ambiguous", name: targets.name, options: mine };
    const region = await ctx.repos.regions.findById(ctx.sender.scopeRegionId);
    const others = region ? await conversation.findSubjectsByName(targets.name, region.path) : [];
    return others.length > 0
      ? { kind: "not_guarantor", name: targets.name }
      : { kind: "not_found", name: targets.name };
  }
  const list = await conversation.latestList(ctx.sender.id);
  if (!list || list.items.length === 0) return { kind: "no_list" };
  if (targets.kind === "all") {
    const unique = new Map(list.items.map((i) => [i.subjectId, { id: i.subjectId, name: i.name }]));
    return { kind: "ok", subjects: [...unique.values()] };
  }
  const missing = targets.numbers.filter((n) => !list.items.some((i) => i.n === n));
  if (missing.length > 0) return { kind: "out_of_range", numbers: missing, count: list.items.length };
  const subjects = targets.numbers.map((n) => {
    const item = list.items.find((i) => i.n === n)!;
    return { id: item.subjectId, name: item.name };
  });
  for (const s of subjects) {
    if (!(await conversation.guarantees(ctx.sender.id, s.id, date)))
      return { kind: "not_guarantor", name: s.name };
  }
  return { kind: "ok", subjects };
}
