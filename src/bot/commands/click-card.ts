import type { OutgoingMessage } from "../../channels/outbound-message";
import type { WecomEvent } from "../../wecom/events";
import type { CommandContext } from "../bot";
import { type ConversationDeps, localToday, OUTCOME_LABELS, startOfLocalDay, text } from "./command-context";
import { recordResolvedVisits } from "./record-visit";
import { CARD_QUESTION_KEY, cardBody, renderTaskText, subjectIdOfOption } from "./task-card";

type CardEvent = Extract<WecomEvent, { type: "template_card_event" }>;

const OUTCOMES = new Set(["normal", "abnormal", "not_met"]);

/**
 * A tap on 正常 / 异常 / 未见到: records the visit through the same path as a typed reply, then
 * updates the sender's card (the person leaves the selector; the last one turns it to 全部已登记).
 */
export async function clickCard(
  ctx: CommandContext,
  deps: ConversationDeps,
  event: CardEvent,
  sourceKey: string,
): Promise<OutgoingMessage[]> {
  if (!OUTCOMES.has(event.eventKey)) return [];
  const selected = event.selectedItems.find((s) => s.questionKey === CARD_QUESTION_KEY)?.optionIds[0];
  const subjectId = selected ? subjectIdOfOption(selected) : null;
  const list = await ctx.repos.conversation.latestList(ctx.sender.id);
  const item = list?.items.find((i) => i.subjectId === subjectId);
  if (!subjectId || !list || !item) return [text(ctx, "no-list")];
  if (!(await ctx.repos.conversation.guarantees(ctx.sender.id, subjectId, ctx.now))) {
    return [text(ctx, "not-guarantor", { name: item.name })];
  }
  const outcome = event.eventKey as "normal" | "abnormal" | "not_met";
  const replies = await recordResolvedVisits(
    ctx,
    deps,
    {
      targets: { kind: "numbers", numbers: [item.n] },
      method: "in_person",
      outcome,
      anomalies: [],
      notReason: null,
      note: null,
      date: localToday(ctx.now, deps.tz),
    },
    [{ id: subjectId, name: item.name }],
    sourceKey,
  );
  if (!event.responseCode) return replies;
  const done = await ctx.repos.visits.visitedSince(
    list.items.map((i) => i.subjectId),
    startOfLocalDay(ctx.now, deps.tz),
  );
  const pending = list.items.filter(
    (i) => !done.has(i.subjectId) && !(outcome !== "not_met" && i.subjectId === subjectId),
  );
  const update =
    pending.length === 0
      ? { button: { replace_name: ctx.templates.render("card-all-done") } }
      : {
          template_card: cardBody(
            ctx.templates,
            event.taskId,
            list.date,
            pending,
            renderTaskText(
              ctx.templates,
              list.date,
              list.items.map((i) => ({
                ...i,
                label: "",
                state: done.has(i.subjectId) || i.subjectId === subjectId ? OUTCOME_LABELS[outcome] : "",
              })),
            ),
          ),
        };
  return [
    ...replies,
    {
      kind: "card",
      to: ctx.sender.userid,
      card: { msgtype: "update_template_card", response_code: event.responseCode, ...update } as never,
      fallbackText: "",
    },
  ];
}
