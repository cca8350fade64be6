import type { OutgoingMessage } from "../../channels/outbound-message";
import { formatDayNumber, zoneOf } from "../../domain/local-date";
import { periodSpanOfDay } from "../../domain/periods";
import type { CommandContext } from "../bot";
import { type ConversationDeps, formatDay, METHOD_LABELS } from "./command-context";
import { describeOutcome } from "./record-visit";

/**
 * `本周`: this ISO week's obligations and their state, read-only. Who still has to be seen by
 * Sunday (overdue first, as on the card), how many fall due after this week, and what the cadre
 * has recorded since Monday. It is an overview, not a new numbered list: the numbers of the
 * morning card (or of `任务`) stay what `1 正常` refers to, so the view names people instead.
 */
export async function sendWeek(ctx: CommandContext, deps: ConversationDeps): Promise<OutgoingMessage[]> {
  const zone = zoneOf(deps.tz);
  const week = periodSpanOfDay("week", zone.dayNumberAt(ctx.now));
  const weekStart = zone.startOfDay(week.startDay);
  const weekEnd = formatDayNumber(week.endDay);
  const range = { start: formatDay(formatDayNumber(week.startDay)), end: formatDay(weekEnd) };

  const list = await deps.listTasks(ctx.repos, ctx.sender.id, ctx.now);
  const thisWeek = list.items.filter((i) => i.overdue || i.dueBy === undefined || i.dueBy <= weekEnd);
  const later = list.items.filter((i) => !thisWeek.includes(i));
  // The cadre's own records dated this week (late entries for earlier weeks are not this week's).
  const visits = (await ctx.repos.visits.listRecentByCadre(ctx.sender.id, weekStart))
    .filter((v) => v.occurredAt >= weekStart && v.occurredAt <= ctx.now)
    .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.id - b.id);

  if (thisWeek.length === 0 && later.length === 0 && visits.length === 0) {
    return [{ kind: "text", to: ctx.sender.userid, text: ctx.templates.render("tasks-week-empty", range) }];
  }
  const names = new Map(list.items.map((i) => [i.subjectId, i.name]));
  for (const v of visits) {
    if (names.has(v.subjectId)) continue;
    const subject = await ctx.repos.subjects.findById(v.subjectId);
    names.set(v.subjectId, subject?.name ?? "");
  }
  const firstLater = later.reduce<string | undefined>(
    (min, i) => (i.dueBy && (!min || i.dueBy < min) ? i.dueBy : min),
    undefined,
  );
  const text = ctx.templates.render("tasks-week", {
    ...range,
    open:
      thisWeek.length > 0
        ? {
            count: thisWeek.length,
            items: thisWeek.map((i) => ({ name: i.name, label: i.label, state: i.state })),
          }
        : null,
    later:
      later.length > 0 ? { count: later.length, first: firstLater ? formatDay(firstLater) : null } : null,
    done:
      visits.length > 0
        ? {
            count: visits.length,
            items: visits.map((v) => ({
              name: names.get(v.subjectId) ?? "",
              date: formatDay(zone.localDateAt(v.occurredAt)),
              method: METHOD_LABELS[v.method],
              outcome: describeOutcome(v.outcome, v.anomalies),
            })),
          }
        : null,
    example: thisWeek[0]?.name ?? null,
  });
  return [{ kind: "text", to: ctx.sender.userid, text: text.trimEnd() }];
}
