import type { OutgoingMessage } from "../../channels/outbound-message";
import type { CommandContext } from "../bot";
import { type ConversationDeps, formatDay, localToday, startOfLocalDay, text } from "./command-context";

const LEADER_ROLES = new Set(["village_leader", "township_leader", "county_admin"]);

export function isLeader(ctx: CommandContext): boolean {
  return ctx.sender.roles.some((r) => LEADER_ROLES.has(r));
}

/** `统计`: today's figures for the leader's own jurisdiction (the daily summary has the detail). */
export async function sendStats(ctx: CommandContext, deps: ConversationDeps): Promise<OutgoingMessage[]> {
  if (!isLeader(ctx)) return [text(ctx, "leader-only", { command: "统计" })];
  const region = await ctx.repos.regions.findById(ctx.sender.scopeRegionId);
  if (!region) return [];
  const stats = await ctx.repos.conversation.jurisdictionStats(
    region.path,
    startOfLocalDay(ctx.now, deps.tz),
  );
  await ctx.repos.audit.record({
    actor: ctx.sender.userid,
    action: "stats.read",
    entity: "Region",
    entityId: region.id,
    at: ctx.now,
  });
  return [
    text(ctx, "stats-minimal", {
      region: region.name,
      date: formatDay(localToday(ctx.now, deps.tz)),
      visits: stats.visits,
      abnormal: stats.abnormal,
      notMet: stats.notMet,
      incidents: stats.openIncidents,
      subjects: stats.subjects,
      paused: stats.paused,
    }),
  ];
}
