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
  if (!subjectId) return [text(ctx, "no-list")];
  const list = await ctx.repos.conversation.latestList(ctx.sender.id);
  const item = list?.items.find((i) => i.subjectId === subjectId);
  const guaranteed = await ctx.repos.conversation.guarantees(ctx.sender.id, subjectId, ctx.now);
  // A tap on an older card (yesterday's, or one replaced by `任务`) still counts for the cadre's
  // own people; anyone else's name is never read back.
  if (!item && !guaranteed) return [text(ctx, "card-stale")];
  const name = item?.name ?? (await ctx.repos.subjects.findById(subjectId))?.name;
  if (!name) return [text(ctx, "card-stale")];
  if (!guaranteed) return [text(ctx, "not-guarantor", { name })];
  const outcome = event.eventKey as "normal" | "abnormal" | "not_met";
  const replies = await recordResolvedVisits(
    ctx,
    deps,
    {
      targets: item ? { kind: "numbers", numbers: [item.n] } : { kind: "name", name },
      method: "in_person",
      outcome,
      anomalies: [],
      notReason: null,
      note: null,
      date: localToday(ctx.now, deps.tz),
    },
    [{ id: subjectId, name }],
    sourceKey,
  );
  // The card is rebuilt from the current list; a card whose person left it is not touched.
  if (!event.responseCode || !list || !item) return replies;
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
                // This tap's outcome; people recorded earlier today only as recorded.
                state:
                  i.subjectId === subjectId
                    ? OUTCOME_LABELS[outcome]
                    : done.has(i.subjectId)
                      ? ctx.templates.render("card-recorded")
                      : "",
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
