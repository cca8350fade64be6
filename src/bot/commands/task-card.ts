import type { OutgoingMessage } from "../../channels/outbound-message";
import type { ListItem } from "../../store/conversation-repository";
import type { AppMessageContent } from "../../wecom/messages";
import type { Templates } from "../templates";
import { formatDayWithWeekday, OUTCOME_LABELS, type TaskItem } from "./command-context";

/** A card's button_selection holds at most 10 options (wecom.md §4.3). */
export const CARD_MAX_PEOPLE = 10;
export const CARD_QUESTION_KEY = "person";

/** Button keys are the outcome codes; the selected option is `s<subjectId>`. */
export function optionId(subjectId: number): string {
  return `s${subjectId}`;
}

export function subjectIdOfOption(id: string): number | null {
  const m = /^s(\d+)$/.exec(id);
  return m ? Number(m[1]) : null;
}

/** The numbered list as text (conversation.md's card). */
export function renderTaskText(
  templates: Templates,
  date: string,
  items: (TaskItem & { n: number })[],
): string {
  return templates.render("tasks-text", {
    title: templates.render("title-today"),
    date: formatDayWithWeekday(date),
    items: items.map((i) => ({ n: i.n, name: i.name, label: i.label, state: i.state })),
  });
}

/**
 * The one-tap card: the numbered list, a person selector and 正常 / 异常 / 未见到 buttons
 * (button_interaction). Longer lists go out as text only; replies by number work either way.
 */
export function buildTaskCard(
  templates: Templates,
  input: {
    to: string;
    taskId: string;
    date: string;
    items: (TaskItem & { n: number })[];
    pending: ListItem[];
  },
): OutgoingMessage {
  const textBody = renderTaskText(templates, input.date, input.items);
  if (input.pending.length === 0 || input.pending.length > CARD_MAX_PEOPLE) {
    return { kind: "text", to: input.to, text: textBody };
  }
  const card: AppMessageContent = {
    msgtype: "template_card",
    template_card: cardBody(templates, input.taskId, input.date, input.pending, textBody),
  };
  return { kind: "card", to: input.to, card, fallbackText: textBody };
}

/** The template_card object (also used to update a card after a click). */
export function cardBody(
  templates: Templates,
  taskId: string,
  date: string,
  pending: ListItem[],
  listText: string,
) {
  const lines = listText.split("\n");
  return {
    card_type: "button_interaction" as const,
    task_id: taskId,
    main_title: {
      title: templates.render("card-title", {
        title: templates.render("title-today"),
        date: formatDayWithWeekday(date),
      }),
      desc: templates.render("card-desc", { count: pending.length }),
    },
    sub_title_text: lines.slice(1, -1).join("\n"),
    button_selection: {
      question_key: CARD_QUESTION_KEY,
      title: templates.render("card-selection-title"),
      option_list: pending.map((p) => ({ id: optionId(p.subjectId), text: `${p.n}. ${p.name}` })),
      selected_id: optionId(pending[0]!.subjectId),
    },
    button_list: (["normal", "abnormal", "not_met"] as const).map((k, i) => ({
      text: OUTCOME_LABELS[k],
      style: i + 1,
      key: k,
    })),
  };
}
