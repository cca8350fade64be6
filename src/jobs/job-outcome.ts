import type { Templates } from "../bot/templates";
import type { OutgoingMessage } from "../channels/outbound-message";
import { type Calendar, scheduleOutlook } from "../domain/calendar";
import type { LocalDate } from "../domain/local-date";
import type { PlanWarning } from "../domain/plan";

/** The text a message shows (a card's fallback text). */
export function messageBody(message: OutgoingMessage): string {
  return message.kind === "text" ? message.text : message.fallbackText;
}

/** Missing holiday schedules for the day (and from 1 December the next year's), as operator warnings. */
export function scheduleWarnings(calendar: Calendar, date: LocalDate): string[] {
  return scheduleOutlook(calendar, [date]).map((w) => w.message);
}

/** The plan's warnings as operator messages (schedule gaps, people without policy or guarantor). */
export function planWarnings(warnings: readonly PlanWarning[]): string[] {
  return [...new Set(warnings.map((w) => w.message))];
}

/** Renders a message template; a section closing the last line leaves no trailing newline. */
export function renderText(templates: Templates, name: string, view: Record<string, unknown>): string {
  return templates.render(name, view).trimEnd();
}
