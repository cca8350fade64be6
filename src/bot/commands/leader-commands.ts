import type { OutgoingMessage } from "../../channels/outbound-message";
import { loadRegionSummary } from "../../reports/load-summary";
import { renderLeaderSummary, renderOverdueList } from "../../reports/render-summary";
import type { CommandContext } from "../bot";
import { type ConversationDeps, text } from "./command-context";

const LEADER_ROLES = new Set(["village_leader", "township_leader", "county_admin"]);

export function isLeader(ctx: CommandContext): boolean {
  return ctx.sender.roles.some((r) => LEADER_ROLES.has(r));
}

/**
 * The leader's own jurisdiction (scope region subtree) summarised as of now. Reads through the
 * message's transaction (one connection on the embedded database) and computes the plan of that
 * subtree only. Every read of the named list is audited.
 */
async function jurisdictionSummary(ctx: CommandContext, deps: ConversationDeps, action: string) {
  const region = await ctx.repos.regions.findById(ctx.sender.scopeRegionId);
  if (!region) return null;
  const { summary } = await loadRegionSummary(ctx.repos, deps.tz, region, ctx.now);
  await ctx.repos.audit.record({
    actor: ctx.sender.userid,
    action,
    entity: "Region",
    entityId: region.id,
    detail: { overdue: summary.overdue.length, owed: summary.totals.owed },
    at: ctx.now,
  });
  return summary;
}

/** `统计`: the same summary as the 17:30 push, for the leader's own jurisdiction, as of now. */
export async function sendStats(ctx: CommandContext, deps: ConversationDeps): Promise<OutgoingMessage[]> {
  if (!isLeader(ctx)) return [text(ctx, "leader-only", { command: "统计" })];
  const summary = await jurisdictionSummary(ctx, deps, "stats.read");
  if (!summary) return [text(ctx, "leader-only", { command: "统计" })];
  return [
    {
      kind: "text",
      to: ctx.sender.userid,
      text: renderLeaderSummary(ctx.templates, summary, { tz: deps.tz, showTime: true }),
    },
  ];
}

/** `逾期`: the named overdue list alone (1:1 only), numbered, in village order. */
export async function sendOverdue(ctx: CommandContext, deps: ConversationDeps): Promise<OutgoingMessage[]> {
  if (!isLeader(ctx)) return [text(ctx, "leader-only", { command: "逾期" })];
  const summary = await jurisdictionSummary(ctx, deps, "overdue.read");
  if (!summary) return [text(ctx, "leader-only", { command: "逾期" })];
  return [{ kind: "text", to: ctx.sender.userid, text: renderOverdueList(ctx.templates, summary) }];
}
