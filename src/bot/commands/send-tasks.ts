import type { OutgoingMessage } from "../../channels/outbound-message";
import type { CommandContext } from "../bot";
import { type ConversationDeps, formatDay, startOfLocalDay, text } from "./command-context";
import { buildTaskCard } from "./task-card";
import { TASK_ID_MAX_BYTES, TASK_ID_NAMESPACE_LENGTH } from "../../channels/task-id-namespace";

/** `任务` / `今天`: the current numbered list (it becomes the reference for list numbers). */
export async function sendTasks(
  ctx: CommandContext,
  deps: ConversationDeps,
  key: string,
): Promise<OutgoingMessage[]> {
  const list = await deps.listTasks(ctx.repos, ctx.sender.id, ctx.now);
  if (list.items.length === 0) return [text(ctx, "tasks-empty", { date: formatDay(list.date) })];
  const items = list.items.map((i, idx) => ({ ...i, n: idx + 1 }));
  const listItems = items.map((i) => ({ n: i.n, subjectId: i.subjectId, name: i.name }));
  await ctx.repos.conversation.saveList(ctx.sender.id, "tasks", list.date, listItems, ctx.now);
  const done = await ctx.repos.visits.visitedSince(
    listItems.map((i) => i.subjectId),
    startOfLocalDay(ctx.now, deps.tz),
  );
  return [
    buildTaskCard(ctx.templates, {
      to: ctx.sender.userid,
      taskId: `tasks-${ctx.sender.id}-${key.replace(/[^0-9A-Za-z_\-@]/g, "_")}`.slice(
        0,
        TASK_ID_MAX_BYTES - TASK_ID_NAMESPACE_LENGTH,
      ),
      date: list.date,
      items,
      pending: listItems.filter((i) => !done.has(i.subjectId)),
    }),
  ];
}
