import type { OutgoingMessage } from "../../channels/outbound-message";
import type { CommandContext } from "../bot";
import { renderText } from "../../jobs/job-outcome";
import { HANDLER_ROLES } from "./incidents";
import { isLeader } from "./leader-commands";

/**
 * `帮助` / `?`: the usage card. Its examples are built from the sender's current list (the newest
 * numbered list they received, as list numbers refer to it): the first person on it whom they
 * still guarantee, by number and by name, so every example is something they could send now. The
 * name example is left out when another of their people has the same name (it would be asked
 * which). No list, an empty one, or nobody on it still theirs: the generic card. Leaders also see
 * `统计` / `逾期`, and responders how to acknowledge, progress and close an incident.
 */
export async function sendHelp(ctx: CommandContext): Promise<OutgoingMessage[]> {
  return [
    { kind: "text", to: ctx.sender.userid, text: renderText(ctx.templates, "help", await helpView(ctx)) },
  ];
}

async function helpView(ctx: CommandContext): Promise<Record<string, unknown>> {
  const roles = {
    leader: isLeader(ctx),
    handler: ctx.sender.roles.some((r) => HANDLER_ROLES.has(r)),
  };
  const list = await ctx.repos.conversation.latestList(ctx.sender.id);
  if (!list || list.items.length === 0) return { ...roles, person: null };
  const mine = await ctx.repos.conversation.guaranteedSubjects(ctx.sender.id, ctx.now);
  const mineIds = new Set(mine.map((s) => s.id));
  const items = list.items.filter((i) => mineIds.has(i.subjectId));
  const first = items[0];
  if (!first) return { ...roles, person: null };
  const second = items.find((i) => i.n !== first.n);
  const namesake = mine.filter((s) => s.name === first.name).length > 1;
  return {
    ...roles,
    person: {
      n: first.n,
      name: first.name,
      byName: namesake ? null : first.name,
      second: second?.n ?? null,
    },
  };
}
