import type { Templates } from "../bot/templates";
import type { OutgoingMessage } from "../channels/outbound-message";
import { type Calendar, scheduleOutlook } from "../domain/calendar";
import type { LocalDate } from "../domain/local-date";
import { formatNotPushedWarning } from "../domain/labels";
import type { PlanWarning } from "../domain/plan";
import { hasWecomAccount } from "../domain/wecom-account";

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

/**
 * The lists a push may send: those of cadres without a WeCom account (`pending:<mobile>`) are
 * left out and named in the warnings instead of the plan's own warning about them.
 */
export function pushableLists<L extends { cadre: { userid: string; name: string } }>(
  lists: readonly L[],
  warnings: readonly PlanWarning[],
): { lists: L[]; skipped: number; warnings: string[] } {
  const reachable = lists.filter((l) => hasWecomAccount(l.cadre.userid));
  const skipped = lists.filter((l) => !hasWecomAccount(l.cadre.userid));
  const messages = planWarnings(warnings.filter((w) => w.code !== "plan.no_wecom_account"));
  if (skipped.length > 0) {
    messages.push(
      formatNotPushedWarning(
        skipped.length,
        skipped.slice(0, 20).map((l) => l.cadre.name),
      ),
    );
  }
  return { lists: reachable, skipped: skipped.length, warnings: messages };
}

/** Renders a message template; a section closing the last line leaves no trailing newline. */
export function renderText(templates: Templates, name: string, view: Record<string, unknown>): string {
  return templates.render(name, view).trimEnd();
}
