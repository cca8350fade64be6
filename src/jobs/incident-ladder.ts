/**
 * The incident acknowledgement ladder, applied (issue 6): notifying a rung, reminding, giving up,
 * and the tick that climbs unacknowledged incidents. The rules are in domain/escalation-ladder.ts;
 * here they meet the store, the templates and the outbox.
 *
 * All ladder state is in the Incident row (ladderLevel, nextEscalationAt, acknowledgedAt), so the
 * ladder survives restarts: any instance's tick picks up whatever is due. Each step is claimed by
 * a conditional UPDATE on the old step in the same transaction that enqueues its notifications,
 * and every notification has the idempotency key `incident:<id>:r<step>:<cadreId>`, so two
 * instances (or two ticks) never notify twice. The ladder ignores the holiday calendar.
 */
import type { OutgoingMessage } from "../channels/outbound-message";
import { enqueueMessages } from "../channels/outbound-message";
import type { Templates } from "../bot/templates";
import {
  type AckDeadlines,
  ackDeadlineMs,
  DEFAULT_ACK_DEADLINES,
  type LadderMove,
  type LadderRecipient,
  MAX_REMINDERS,
  nextMove,
  rungLabel,
} from "../domain/escalation-ladder";
import { CATEGORY_LABELS } from "../domain/labels";
import { zoneOf } from "../domain/local-date";
import { summaryWithoutName } from "../domain/summary-without-name";
import type { Logger } from "../logger";
import type { IncidentRow } from "../store/incident-repository";
import { OUTBOX_PRIORITY_URGENT } from "../store/outbox-repository";
import type { Repos, Store } from "../store/store";

/** Every role the ladder may notify (candidates are read once per step). */
const LADDER_ROLES = [
  "police",
  "doctor",
  "justice",
  "civil_affairs",
  "drug_control",
  "village_leader",
  "township_leader",
  "county_admin",
];

/** Card button keys: `incident-ack:<id>`. */
export const INCIDENT_ACK_KEY = "incident-ack:";

/** Summaries longer than this are shortened on cards (the full text stays in the incident). */
const CARD_SUMMARY_CHARS = 80;

export interface LadderEnv {
  repos: Repos;
  templates: Templates;
  /** Outbox channel (the one the report came in on; "app" for the job). */
  channel: string;
  tz: string;
  now: Date;
  deadlines: AckDeadlines;
}

function shorten(s: string, n: number): string {
  const chars = Array.from(s);
  return chars.length > n ? `${chars.slice(0, n).join("")}…` : s;
}

/** The place and what happened, as every notification shows it. */
async function describe(env: LadderEnv, incident: IncidentRow) {
  const { repos } = env;
  const [region, reporter, subject] = await Promise.all([
    repos.regions.findById(incident.regionId),
    repos.cadres.findById(incident.reporterId),
    incident.subjectId ? repos.subjects.findById(incident.subjectId) : Promise.resolve(null),
  ]);
  const ancestors = region ? await repos.regions.listAncestors(region.id) : [];
  // 示范镇青山村: the township and below, so a county admin knows where it is.
  const names: string[] = [];
  for (const r of ancestors) {
    if (r.level !== "township" && r.level !== "village" && r.level !== "grid") continue;
    // 青山村 → 青山村第一网格: a grid named after its village replaces it rather than repeating it.
    if (names.length > 0 && r.name.startsWith(names[names.length - 1]!)) names.pop();
    names.push(r.name);
  }
  const place = names.join("");
  const zone = zoneOf(env.tz);
  const local = zone.localDateAt(incident.createdAt);
  const time = new Intl.DateTimeFormat("zh-CN", {
    timeZone: env.tz,
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  }).format(incident.createdAt);
  const [, m, d] = local.split("-");
  return {
    number: incident.id,
    emergency: incident.severity === "emergency",
    urgent: incident.severity === "urgent",
    normal: incident.severity === "normal",
    reporter: reporter?.name ?? "",
    subject: subject
      ? `${subject.name}（${CATEGORY_LABELS[subject.category as keyof typeof CATEGORY_LABELS] ?? ""}）`
      : "",
    // `紧急 张三 持刀`: the name is shown with the person already, not twice.
    summary: shorten(summaryWithoutName(incident.summary, subject?.name ?? null), CARD_SUMMARY_CHARS),
    place: place || region?.name || "",
    time: `${Number(m)}月${Number(d)}日 ${time}`,
  };
}

/** One interactive card per recipient and step, with a 收到 button. */
function notificationCard(
  env: LadderEnv,
  view: Awaited<ReturnType<typeof describe>>,
  to: { id: number; userid: string },
  step: number,
  reminder: { n: number; count: number } | null,
): OutgoingMessage {
  const { templates } = env;
  const fullView = {
    ...view,
    reminder: reminder?.n ?? 0,
    count: reminder?.count ?? 0,
  };
  return {
    kind: "card",
    to: to.userid,
    card: {
      msgtype: "template_card",
      template_card: {
        card_type: "button_interaction",
        // Unique per app: one card per incident, step and recipient.
        task_id: `incident-${view.number}-s${step}-c${to.id}`,
        main_title: {
          title: templates.render("incident-card-title", fullView),
          desc: view.place,
        },
        sub_title_text: templates.render("incident-notify", fullView),
        button_list: [
          {
            text: templates.render("incident-card-button"),
            style: 1,
            key: `${INCIDENT_ACK_KEY}${view.number}`,
          },
        ],
      },
    },
    fallbackText: templates.render("incident-notify", fullView),
  };
}

async function enqueue(env: LadderEnv, key: string, messages: OutgoingMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await enqueueMessages(env.repos, env.channel, key, messages, env.now, {
    priority: OUTBOX_PRIORITY_URGENT,
  });
}

/** Tells a cadre something about an incident, 1:1, ahead of routine messages. */
export async function tellCadre(
  env: LadderEnv,
  key: string,
  userid: string,
  template: string,
  view: Record<string, unknown>,
): Promise<void> {
  await enqueue(env, key, [{ kind: "text", to: userid, text: env.templates.render(template, view) }]);
}

/**
 * Carries out a move the caller has claimed: notifies the rung's people (events, cards), or
 * reminds everybody notified, or records that the ladder gave up. Returns who was notified.
 */
export async function applyMove(
  env: LadderEnv,
  incident: IncidentRow,
  move: LadderMove,
  opts: { climbing: boolean },
): Promise<LadderRecipient[]> {
  const { repos, now } = env;
  const view = await describe(env, incident);
  const reporter = await repos.cadres.findById(incident.reporterId);
  const base = `incident:${incident.id}:r${move.step}`;
  switch (move.kind) {
    case "notify": {
      for (const r of move.recipients) {
        await repos.incidents.addEvent(incident.id, "notified", r.id, r.role, now, move.step);
        await enqueue(env, `${base}:${r.id}`, [notificationCard(env, view, r, move.step, null)]);
      }
      if (opts.climbing) {
        await repos.incidents.addEvent(incident.id, "escalated", null, rungLabel(move.step), now, move.step);
      }
      // The reporter hears when it climbs a rung (not on reminders): they may want to telephone.
      if (opts.climbing && reporter) {
        await tellCadre(env, `${base}:reporter`, reporter.userid, "incident-escalated-reporter", {
          number: incident.id,
          rung: rungLabel(move.step),
          names: move.recipients.map((r) => r.name).join("、"),
        });
      }
      return move.recipients;
    }
    case "remind": {
      const notified = await repos.incidents.listNotified(incident.id);
      for (const c of notified) {
        await enqueue(env, `${base}:${c.id}`, [
          notificationCard(env, view, c, move.step, { n: move.reminder, count: notified.length }),
        ]);
      }
      await repos.incidents.addEvent(
        incident.id,
        "escalated",
        null,
        `第${move.reminder}次提醒（${notified.length}人）`,
        now,
        move.step,
      );
      return [];
    }
    case "exhausted": {
      await repos.incidents.addEvent(
        incident.id,
        "escalated",
        null,
        "逐级通知已结束，无人确认",
        now,
        move.step,
      );
      if (reporter) {
        await tellCadre(env, `${base}:exhausted`, reporter.userid, "incident-exhausted-reporter", {
          number: incident.id,
          reminders: MAX_REMINDERS,
        });
      }
      return [];
    }
  }
}

/** The move after `fromStep` for this incident (reads the candidates and who was notified). */
export async function planMove(env: LadderEnv, incident: IncidentRow, fromStep: number): Promise<LadderMove> {
  const { repos } = env;
  const [candidates, notified] = await Promise.all([
    repos.incidents.ladderCandidates(incident.regionId, incident.subjectId, LADDER_ROLES),
    repos.incidents.listNotified(incident.id),
  ]);
  return nextMove({
    fromStep,
    category: incident.category,
    candidates,
    exclude: new Set([incident.reporterId, ...notified.map((c) => c.id)]),
    anyNotified: notified.length > 0,
  });
}

/** When the step just taken must be acknowledged by (null: no ladder, or the ladder is over). */
export function deadlineAfter(env: LadderEnv, incident: IncidentRow, move: LadderMove): Date | null {
  const ms = ackDeadlineMs(incident.severity, env.deadlines);
  if (ms === null || move.kind === "exhausted") return null;
  return new Date(env.now.getTime() + ms);
}

/**
 * The first notification of a new incident, in the reporting transaction: the first rung with
 * anybody on it. The incident is not yet committed, so there is nothing to race with.
 */
export async function startLadder(env: LadderEnv, incident: IncidentRow): Promise<LadderRecipient[]> {
  const move = await planMove(env, incident, 0);
  if (move.kind !== "notify") {
    await env.repos.incidents.setStatus(incident.id, { status: "reported", nextEscalationAt: null });
    return [];
  }
  await env.repos.incidents.setStatus(incident.id, {
    status: "notified",
    ladderLevel: move.step,
    nextEscalationAt: deadlineAfter(env, incident, move),
  });
  return applyMove(env, { ...incident, ladderLevel: move.step }, move, { climbing: false });
}

/** Climbs one incident one step, if it is still due and nobody else did. True when it moved. */
export async function climbOne(env: LadderEnv, incidentId: number): Promise<boolean> {
  const { repos, now } = env;
  const incident = await repos.incidents.find(incidentId);
  if (
    !incident ||
    incident.acknowledgedAt ||
    (incident.status !== "reported" && incident.status !== "notified") ||
    !incident.nextEscalationAt ||
    incident.nextEscalationAt.getTime() > now.getTime()
  ) {
    return false;
  }
  const move = await planMove(env, incident, incident.ladderLevel + 1);
  const claimed = await repos.incidents.claimStep(incident.id, incident.ladderLevel, move.step, {
    nextEscalationAt: deadlineAfter(env, incident, move),
    status: move.kind === "notify" ? "notified" : undefined,
  });
  if (!claimed) return false;
  await applyMove(env, incident, move, { climbing: true });
  await repos.audit.record({
    actor: "system",
    action: move.kind === "exhausted" ? "incident.ladder_exhausted" : "incident.escalate",
    entity: "Incident",
    entityId: incident.id,
    detail: { step: move.step, kind: move.kind },
    at: now,
  });
  return true;
}

export interface LadderTickDeps {
  store: Store;
  templates: Templates;
  tz: string;
  deadlines?: AckDeadlines;
  /** Outbox channel; default "app". */
  channel?: string;
  logger?: Pick<Logger, "info" | "warn" | "error">;
  /** Nudges the outbox worker after notifications were committed. */
  wake?: () => void;
}

export interface LadderTickResult {
  /** Incidents found due. */
  due: number;
  /** Incidents this call moved (the others were moved by another instance or acknowledged). */
  moved: number;
  failed: number;
}

/** How many due incidents one tick handles; the rest wait for the next tick. */
const TICK_BATCH = 200;

/**
 * One tick: every unacknowledged incident whose deadline has passed climbs one step, each in its
 * own transaction (one failing does not hold up the others). Safe to run anywhere, any time.
 */
export async function runLadderTick(deps: LadderTickDeps, now: Date): Promise<LadderTickResult> {
  const due = await deps.store.incidents.listDueForEscalation(now, TICK_BATCH);
  let moved = 0;
  let failed = 0;
  for (const incident of due) {
    try {
      const ok = await deps.store.transaction((repos) =>
        climbOne(
          {
            repos,
            templates: deps.templates,
            channel: deps.channel ?? "app",
            tz: deps.tz,
            now,
            deadlines: deps.deadlines ?? DEFAULT_ACK_DEADLINES,
          },
          incident.id,
        ),
      );
      if (ok) moved++;
    } catch (err) {
      failed++;
      deps.logger?.error({ err, incident: incident.id }, "incident ladder step failed");
    }
  }
  if (moved > 0) {
    deps.logger?.info({ moved, due: due.length }, "incident ladder climbed");
    deps.wake?.();
  }
  return { due: due.length, moved, failed };
}

/** Ticks every `intervalMs` until stopped (main.ts); a tick never overlaps the previous one. */
export function startLadderLoop(
  deps: LadderTickDeps,
  clock: () => Date,
  intervalMs = 30_000,
): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    running = runLadderTick(deps, clock())
      .catch((err: unknown) => deps.logger?.error({ err }, "incident ladder tick failed"))
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
