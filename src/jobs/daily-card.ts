import { CARD_MAX_PEOPLE, cardBody } from "../bot/commands/task-card";
import type { Templates } from "../bot/templates";
import type { OutgoingMessage } from "../channels/outbound-message";
import { CURRENT_PERIOD_LABELS, formatCategoryLevel } from "../domain/labels";
import type { LocalDate } from "../domain/local-date";
import type { PlanItem } from "../domain/plan";
import { dayView } from "./day-view";
import { renderText } from "./job-outcome";

/** Rendered state phrases per template set: a million items share a few hundred phrases. */
const statePhrases = new WeakMap<Templates, Map<string, string>>();

/** How a card line describes one person: `精神障碍·风险2级` and `本周应访，已逾期2天`. */
export function describePlanItem(templates: Templates, item: PlanItem): { label: string; state: string } {
  const remaining = item.required - item.done;
  let phrases = statePhrases.get(templates);
  if (!phrases) {
    phrases = new Map();
    statePhrases.set(templates, phrases);
  }
  const key = `${item.window.unit}|${remaining}|${item.state}|${item.overdueDays}|${item.window.unit === "days" ? item.dueBy : ""}`;
  let state = phrases.get(key);
  if (state === undefined) {
    state = renderState(templates, item, remaining);
    if (phrases.size < 10_000) phrases.set(key, state);
  }
  return { label: formatCategoryLevel(item.category, item.level), state };
}

function renderState(templates: Templates, item: PlanItem, remaining: number): string {
  return templates.render("daily-card-state", {
    periodic:
      item.window.unit === "days"
        ? null
        : { period: CURRENT_PERIOD_LABELS[item.window.unit], remaining: remaining > 1 ? remaining : null },
    interval: item.window.unit === "days" ? { dueBy: dayView(item.dueBy) } : null,
    overdue: item.state === "overdue",
    days: item.overdueDays > 0 ? item.overdueDays : null,
  });
}

export interface DailyCardInput {
  /** The cadre's WeCom userid. */
  to: string;
  /** The cadre's id (part of the card's task_id). */
  cadreId: number;
  date: LocalDate;
  /** The cadre's numbered list (`PlanItem.number` is the number printed). */
  items: readonly PlanItem[];
}

/**
 * The task_id of a cadre's morning card: one card per cadre per day, so `(date, cadre)` is unique
 * and the same on every re-run (WeCom refuses a task_id twice, which also stops a resend).
 */
export function dailyTaskId(date: LocalDate, cadreId: number): string {
  return `daily-${date}-${cadreId}`;
}

/**
 * The morning card of one cadre (conversation.md): a header with the date, one numbered line per
 * person, most urgent first, and how to reply. Up to `CARD_MAX_PEOPLE` people it is the one-tap
 * card `任务` sends (choose a person, tap 正常 / 异常 / 未见到), carrying the same numbered lines;
 * a longer list goes out as text, split by the outbox on line breaks. Either way the numbers are
 * `PlanItem.number`, as stored in the cadre's list, so `1 正常` means the same person.
 */
export function buildDailyCard(templates: Templates, input: DailyCardInput): OutgoingMessage {
  const text = renderText(templates, "daily-card", {
    date: dayView(input.date),
    items: input.items.map((item) => ({
      n: item.number,
      name: item.name,
      ...describePlanItem(templates, item),
    })),
    example: input.items[0]?.number ?? 1,
    abnormalExample: input.items[1]?.number ?? input.items[0]?.number ?? 1,
  });
  if (input.items.length === 0 || input.items.length > CARD_MAX_PEOPLE) {
    return { kind: "text", to: input.to, text };
  }
  const people = input.items.map((item) => ({
    n: item.number,
    subjectId: item.subjectId as number,
    name: item.name,
  }));
  return {
    kind: "card",
    to: input.to,
    card: {
      msgtype: "template_card",
      template_card: cardBody(templates, dailyTaskId(input.date, input.cadreId), input.date, people, text),
    },
    fallbackText: text,
  };
}
