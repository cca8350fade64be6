import type { OutgoingMessage } from "../../channels/outbound-message";
import { VISIT_METHOD_LABELS } from "../../domain/labels";
import { toDayNumber, zoneOf } from "../../domain/local-date";
import type { Repos } from "../../store/store";
import type { CommandContext } from "../bot";

/** What every command needs beyond the bot's context. */
export interface ConversationDeps {
  tz: string;
  /**
   * The cadre's numbered task list for today (the plan); first item is the most urgent. Runs
   * inside the message's transaction, so it must read through the repositories it is given.
   */
  listTasks: (repos: Repos, cadreId: number, now: Date) => Promise<TaskList>;
  /** Incident ladder deadlines (config BAOBAO_ACK_*_MINUTES); default 5 and 30 minutes (issue 6). */
  ackDeadlines?: { emergencyMs: number; urgentMs: number };
}

export interface TaskItem {
  subjectId: number;
  name: string;
  /** e.g. 精神障碍·风险2级 */
  label: string;
  /** e.g. 本周应访，已逾期2天 */
  state: string;
  /** Last day to be on time (YYYY-MM-DD), when the plan knows it (`本周` keeps what falls due this week). */
  dueBy?: string;
  /** Past its due-by point (or a missed previous period carried over). */
  overdue?: boolean;
}

export interface TaskList {
  /** YYYY-MM-DD */
  date: string;
  items: TaskItem[];
}

export const OUTCOME_LABELS = { normal: "正常", abnormal: "异常", not_met: "未见到" } as const;
export const METHOD_LABELS = VISIT_METHOD_LABELS;

/** `2026-11-24` → `11月24日`. */
export function formatDay(date: string): string {
  const [, m, d] = date.split("-");
  return `${Number(m)}月${Number(d)}日`;
}

const WEEKDAYS = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];

/** `2026-11-24` → `11月24日（周二）`. */
export function formatDayWithWeekday(date: string): string {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return `${formatDay(date)}（${WEEKDAYS[weekday]}）`;
}

export function localToday(now: Date, tz: string): string {
  return zoneOf(tz).localDateAt(now);
}

/** The instant a visit dated `date` is recorded at: now for today, local noon for earlier days. */
export function occurredAtFor(date: string, now: Date, tz: string): Date {
  if (date === localToday(now, tz)) return now;
  const start = zoneOf(tz).startOfDay(toDayNumber(date));
  return new Date(start.getTime() + 12 * 3_600_000);
}

/** One correct example from the sender's own list (`例如「2 正常」`), or the generic one. */
export async function exampleFor(ctx: CommandContext): Promise<string> {
  const list = await ctx.repos.conversation.latestList(ctx.sender.id);
  const first = list?.items[0];
  return first ? `${first.n} 正常` : "1 正常";
}

export function text(ctx: CommandContext, name: string, view: Record<string, unknown> = {}): OutgoingMessage {
  return { kind: "text", to: ctx.sender.userid, text: ctx.templates.render(name, view) };
}

/** The instant the local day of `now` began. */
export function startOfLocalDay(now: Date, tz: string): Date {
  const zone = zoneOf(tz);
  return zone.startOfDay(zone.dayNumberAt(now));
}
