import { enqueueMessages, type OutgoingMessage } from "../../channels/outbound-message";
import type { Category } from "../../domain/categories";
import {
  type AckDeadlines,
  ackDeadlineMs,
  DEFAULT_ACK_DEADLINES,
  graveAnomalies,
  LADDER_ROLE_LABELS,
  LEVEL_DECIDER_ROLES,
  nextHigherLevel,
  pickForRoles,
} from "../../domain/escalation-ladder";
import { CATEGORY_LABELS, LEVEL_LABELS } from "../../domain/labels";
import { INCIDENT_ACK_KEY, type LadderEnv, startLadder, tellCadre } from "../../jobs/incident-ladder";
import type { IncidentRow, NewIncident } from "../../store/incident-repository";
import type { VisitRow } from "../../store/visit-repository";
import type { WecomEvent } from "../../wecom/events";
import type { CommandContext } from "../bot";
import { ANOMALY_LABELS, type AnomalyCode } from "../parse/anomalies";
import { text } from "./command-context";

/** What the incident commands need beyond the bot's context. */
export interface IncidentDeps {
  tz: string;
  /** Ladder deadlines (config BAOBAO_ACK_*_MINUTES); defaults 5 and 30 minutes. */
  ackDeadlines?: AckDeadlines;
}

/** Roles that may handle an incident in their area even when they were not notified of it. */
export const HANDLER_ROLES: ReadonlySet<string> = new Set([
  "village_leader",
  "township_leader",
  "county_admin",
  "police",
  "doctor",
  "justice",
  "civil_affairs",
  "drug_control",
]);

/** Level-proposal card buttons: `level-confirm:<id>` / `level-reject:<id>`. */
const LEVEL_CONFIRM_KEY = "level-confirm:";
const LEVEL_REJECT_KEY = "level-reject:";

type CardEvent = Extract<WecomEvent, { type: "template_card_event" }>;

/** The ladder's environment for a command: its transaction, templates, channel and clock. */
export function ladderEnv(ctx: CommandContext, deps: IncidentDeps): LadderEnv {
  return {
    repos: ctx.repos,
    templates: ctx.templates,
    channel: ctx.envelope.channel,
    tz: deps.tz,
    now: ctx.now,
    deadlines: deps.ackDeadlines ?? DEFAULT_ACK_DEADLINES,
  };
}

/** Whether `regionId` lies in the sender's jurisdiction. */
function covers(ctx: CommandContext, regionId: number): Promise<boolean> {
  return ctx.repos.regions.isWithin(regionId, ctx.sender.scopeRegionId);
}

/**
 * Who may acknowledge, progress and close an incident: whoever was notified of it, and the
 * responders and leaders whose jurisdiction covers its place. `no_role`: the sender holds no
 * responder or leader role at all; `outside`: they do, but not for this place.
 */
async function mayHandle(ctx: CommandContext, incident: IncidentRow): Promise<"yes" | "no_role" | "outside"> {
  if (await ctx.repos.incidents.wasNotified(incident.id, ctx.sender.id)) return "yes";
  if (!ctx.sender.roles.some((r) => HANDLER_ROLES.has(r))) return "no_role";
  return (await covers(ctx, incident.regionId)) ? "yes" : "outside";
}

/** Records the acknowledgement once (conditional) and tells the reporter who it was. */
async function markAcknowledged(
  ctx: CommandContext,
  deps: IncidentDeps,
  incident: IncidentRow,
): Promise<void> {
  if (!(await ctx.repos.incidents.acknowledge(incident.id, ctx.now))) return;
  await ctx.repos.audit.record({
    actor: ctx.sender.userid,
    action: "incident.acknowledge",
    entity: "Incident",
    entityId: incident.id,
    at: ctx.now,
  });
  const reporter = await ctx.repos.cadres.findById(incident.reporterId);
  if (reporter && reporter.id !== ctx.sender.id) {
    await tellCadre(ladderEnv(ctx, deps), `incident:${incident.id}:ack`, reporter.userid, "ack-reporter", {
      number: incident.id,
      who: ctx.sender.name,
    });
  }
}

/**
 * Who decides a person's level proposals (and is told of them): the person's own named doctor
 * (police …) when there is one, else the nearest; with no department cadre registered for the
 * place, the township leaders.
 */
export async function levelDeciders(
  ctx: CommandContext,
  subject: { id: number; category: Category; regionId: number },
): Promise<{ id: number; userid: string; name: string }[]> {
  const roles = LEVEL_DECIDER_ROLES[subject.category];
  const deciders = pickForRoles(
    roles,
    await ctx.repos.incidents.ladderCandidates(subject.regionId, subject.id, [...roles]),
    new Set(),
  );
  return deciders.length > 0
    ? deciders
    : ctx.repos.incidents.cadresCovering(subject.regionId, ["township_leader"]);
}

/** Proposes the next higher level for a person (one pending proposal at a time); its deciders are told. */
async function proposeLevel(
  ctx: CommandContext,
  subject: { id: number; name: string; category: Category; level: string; regionId: number },
  reason: string,
  source: { visitId?: number; incidentId?: number },
): Promise<void> {
  const to = nextHigherLevel(subject.category, subject.level);
  if (!to) return;
  const proposal = await ctx.repos.levelProposals.create({
    subjectId: subject.id,
    fromLevel: subject.level,
    toLevel: to,
    reason,
    visitId: source.visitId ?? null,
    incidentId: source.incidentId ?? null,
    proposerId: ctx.sender.id,
    at: ctx.now,
  });
  if (!proposal) return;
  const deciders = await levelDeciders(ctx, subject);
  const region = await ctx.repos.regions.findById(subject.regionId);
  const labels = LEVEL_LABELS[subject.category];
  const view = {
    number: proposal.id,
    name: subject.name,
    place: region?.name ?? "",
    category: CATEGORY_LABELS[subject.category],
    from: labels[subject.level] ?? subject.level,
    to: labels[to] ?? to,
    reason,
  };
  const messages: OutgoingMessage[] = deciders.map((d) => ({
    kind: "card",
    to: d.userid,
    card: {
      msgtype: "template_card",
      template_card: {
        card_type: "button_interaction",
        task_id: `level-${proposal.id}-c${d.id}`,
        main_title: { title: ctx.templates.render("level-card-title", view), desc: view.place },
        sub_title_text: ctx.templates.render("level-proposal-notify", view),
        button_list: [
          {
            text: ctx.templates.render("level-card-confirm"),
            style: 1,
            key: `${LEVEL_CONFIRM_KEY}${proposal.id}`,
          },
          {
            text: ctx.templates.render("level-card-reject"),
            style: 2,
            key: `${LEVEL_REJECT_KEY}${proposal.id}`,
          },
        ],
      },
    },
    fallbackText: ctx.templates.render("level-proposal-notify", view),
  }));
  for (const [i, m] of messages.entries()) {
    await enqueueMessages(
      ctx.repos,
      ctx.envelope.channel,
      `level:${proposal.id}:${deciders[i]!.id}`,
      [m],
      ctx.now,
    );
  }
  await ctx.repos.audit.record({
    actor: ctx.sender.userid,
    action: "level.propose",
    entity: "LevelProposal",
    entityId: proposal.id,
    detail: { subjectId: subject.id, from: subject.level, to, deciders: deciders.map((d) => d.id) },
    at: ctx.now,
  });
}

/**
 * Creates the incident reported by the sender, notifies its first rung and audits the report;
 * null when the source message already made one (a redelivery).
 */
async function openIncident(
  ctx: CommandContext,
  deps: IncidentDeps,
  input: Omit<NewIncident, "reporterId" | "nextEscalationAt" | "at">,
  auditDetail: Record<string, unknown>,
) {
  const incident = await ctx.repos.incidents.create({
    ...input,
    reporterId: ctx.sender.id,
    nextEscalationAt: null,
    at: ctx.now,
  });
  if (!incident) return null;
  const notified = await startLadder(ladderEnv(ctx, deps), incident);
  await ctx.repos.audit.record({
    actor: ctx.sender.userid,
    action: "incident.report",
    entity: "Incident",
    entityId: incident.id,
    detail: { severity: incident.severity, ...auditDetail, notified: notified.map((r) => r.id) },
    at: ctx.now,
  });
  return { incident, notified };
}

/** `紧急|急|报警|突发|事件|报告 <who or where> <what>`: create the incident and start its ladder. */
export async function reportIncident(
  ctx: CommandContext,
  deps: IncidentDeps,
  input: { severity: "emergency" | "normal"; subjectName: string | null; text: string },
  sourceKey: string,
): Promise<OutgoingMessage[]> {
  const { conversation, regions } = ctx.repos;
  const scope = await regions.findById(ctx.sender.scopeRegionId);
  const matches =
    input.subjectName && scope ? await conversation.findSubjectsByName(input.subjectName, scope.path) : [];
  const subject = matches.length === 1 ? await ctx.repos.subjects.findById(matches[0]!.id) : null;
  const regionId = subject?.regionId ?? ctx.sender.homeRegionId;
  const summary = input.text || "（未写明情况）";
  const opened = await openIncident(
    ctx,
    deps,
    {
      severity: input.severity,
      category: subject?.category ?? null,
      subjectId: subject?.id ?? null,
      regionId,
      summary,
      sourceMessageId: sourceKey,
    },
    {},
  );
  if (!opened) return [];
  const { incident, notified } = opened;
  if (subject && input.severity === "emergency") {
    await proposeLevel(
      ctx,
      { ...subject, category: subject.category as Category },
      ctx.templates.render("level-reason-incident", { number: incident.id }),
      { incidentId: incident.id },
    );
  }
  const deadline = ackDeadlineMs(incident.severity, deps.ackDeadlines ?? DEFAULT_ACK_DEADLINES);
  // The notifications are queued ahead of routine mail above; this is the reply to the message.
  return [
    text(ctx, "incident-reported", {
      emergency: input.severity === "emergency",
      number: incident.id,
      notified:
        notified.length > 0
          ? notified.map((r) => r.name).join("、")
          : ctx.templates.render("incident-nobody"),
      ladder: deadline !== null && notified.length > 0,
      minutes: deadline === null ? 0 : Math.round(deadline / 60_000),
      askDetail: !input.text,
    }),
  ];
}

/**
 * An abnormal visit with a grave anomaly for the person's category (product.md "escalate at once
 * when") becomes an urgent incident with its own ladder, and proposes a higher level. Returns the
 * names notified, or null when the visit is not grave (the caller's usual leader notice applies).
 * A correction (`correctsId`: the record it replaces) whose grave anomalies an open incident
 * raised from that record (or an earlier one it corrected) already covers joins that incident
 * instead: nobody is notified twice and no second proposal is made.
 */
export async function raiseFromVisit(
  ctx: CommandContext,
  deps: IncidentDeps,
  visit: VisitRow,
  opts: { correctsId?: number } = {},
): Promise<{ names: string[]; messages: OutgoingMessage[] } | null> {
  if (visit.outcome !== "abnormal") return null;
  const subject = await ctx.repos.subjects.findById(visit.subjectId);
  if (!subject) return null;
  const category = subject.category as Category;
  const grave = graveAnomalies(category, visit.anomalies);
  if (grave.length === 0) return null;
  const words = grave.map((a) => ANOMALY_LABELS[a as AnomalyCode] ?? a).join("、");
  // `1 异常 扬言报复`: the note is the anomaly's own word; say it once.
  const summary = [words, visit.note === words ? "" : (visit.note ?? "")].filter(Boolean).join("；");
  if (opts.correctsId !== undefined) {
    const chain = await ctx.repos.visits.correctionChain(opts.correctsId);
    const anomaliesOf = new Map(chain.map((v) => [v.id, v.anomalies]));
    const raisedBefore = await ctx.repos.incidents.listRaisedFromVisits(chain.map((v) => v.id));
    const same = raisedBefore.find((o) => {
      if (o.incident.status === "closed") return false;
      const raised = graveAnomalies(category, anomaliesOf.get(o.visitId) ?? []);
      return grave.every((a) => raised.includes(a));
    });
    if (same) {
      const number = same.incident.id;
      await ctx.repos.incidents.addEvent(
        number,
        "progress",
        ctx.sender.id,
        ctx.templates.render("incident-correction-note", { summary }),
        ctx.now,
      );
      await ctx.repos.audit.record({
        actor: ctx.sender.userid,
        action: "incident.link_correction",
        entity: "Incident",
        entityId: number,
        detail: { visitId: visit.id, corrects: opts.correctsId },
        at: ctx.now,
      });
      return { names: [], messages: [text(ctx, "incident-correction-linked", { number })] };
    }
  }
  const opened = await openIncident(
    ctx,
    deps,
    {
      severity: "urgent",
      category,
      subjectId: subject.id,
      regionId: subject.regionId,
      summary,
      sourceMessageId: `visit:${visit.id}`,
    },
    { visitId: visit.id },
  );
  if (!opened) return { names: [], messages: [] };
  const { incident, notified } = opened;
  await proposeLevel(
    ctx,
    { ...subject, category },
    ctx.templates.render("level-reason-visit", { anomalies: words }),
    { visitId: visit.id, incidentId: incident.id },
  );
  const deadline = ackDeadlineMs(incident.severity, deps.ackDeadlines ?? DEFAULT_ACK_DEADLINES);
  return {
    names: notified.map((r) => r.name),
    messages: [
      text(ctx, "incident-from-visit", {
        number: incident.id,
        ladder: notified.length > 0,
        minutes: deadline === null ? 0 : Math.round(deadline / 60_000),
        nobody: notified.length === 0,
      }),
    ],
  };
}

/** `收到` / `收到 E12` / a 收到 button: acknowledge, stop the ladder, tell the reporter. */
export async function acknowledgeIncident(
  ctx: CommandContext,
  deps: IncidentDeps,
  number: number | null,
): Promise<OutgoingMessage[]> {
  const { incidents } = ctx.repos;
  let incident = number !== null ? await incidents.find(number) : null;
  if (number === null) {
    const open = await incidents.listOpenNotifiedTo(ctx.sender.id);
    if (open.length === 0) return [text(ctx, "ack-none")];
    if (open.length > 1)
      return [
        text(ctx, "ack-which", { count: open.length, numbers: open.map((i) => `E${i.id}`).join("、") }),
      ];
    incident = open[0]!;
  }
  if (!incident) return [text(ctx, "incident-not-found", { number })];
  if (incident.status === "withdrawn")
    return [text(ctx, "incident-withdrawn-already", { number: incident.id })];
  if (incident.status === "closed") return [text(ctx, "incident-already-closed", { number: incident.id })];
  if ((await mayHandle(ctx, incident)) !== "yes")
    return [text(ctx, "ack-not-yours", { number: incident.id })];
  await incidents.addEvent(incident.id, "acknowledged", ctx.sender.id, null, ctx.now);
  await markAcknowledged(ctx, deps, incident);
  return [text(ctx, "ack-recorded", { number: incident.id })];
}

/** `处理 E12 …` / `结案 E12 …`: the incident's responders and the leaders of its place only. */
export async function updateIncident(
  ctx: CommandContext,
  deps: IncidentDeps,
  kind: "progress" | "close",
  number: number,
  note: string | null,
): Promise<OutgoingMessage[]> {
  const incident = await ctx.repos.incidents.find(number);
  if (!incident) {
    return [
      ctx.sender.roles.some((r) => HANDLER_ROLES.has(r))
        ? text(ctx, "incident-not-found", { number })
        : text(ctx, "not-responder"),
    ];
  }
  const may = await mayHandle(ctx, incident);
  if (may === "no_role") return [text(ctx, "not-responder")];
  if (may === "outside") return [text(ctx, "incident-not-yours", { number })];
  if (incident.status === "withdrawn") return [text(ctx, "incident-withdrawn-already", { number })];
  if (incident.status === "closed") return [text(ctx, "incident-already-closed", { number })];
  await ctx.repos.incidents.addEvent(
    number,
    kind === "close" ? "closed" : "progress",
    ctx.sender.id,
    note,
    ctx.now,
  );
  // Working on it or closing it is an acknowledgement too: the ladder stops, the reporter hears.
  if (!incident.acknowledgedAt) await markAcknowledged(ctx, deps, incident);
  await ctx.repos.incidents.setStatus(
    number,
    kind === "close"
      ? { status: "closed", closedAt: ctx.now, nextEscalationAt: null }
      : { status: "in_progress", nextEscalationAt: null },
  );
  await ctx.repos.audit.record({
    actor: ctx.sender.userid,
    action: kind === "close" ? "incident.close" : "incident.progress",
    entity: "Incident",
    entityId: number,
    at: ctx.now,
  });
  return [
    kind === "close"
      ? text(ctx, "incident-closed", { number })
      : text(ctx, "incident-progress", { number, note: note ?? "" }),
  ];
}

/** `定级 P3 确认` / `定级 P3 不调整` (or the card's buttons): the department decides a proposal. */
export async function decideLevel(
  ctx: CommandContext,
  number: number,
  decision: "confirm" | "reject",
): Promise<OutgoingMessage[]> {
  const { levelProposals } = ctx.repos;
  const proposal = await levelProposals.find(number);
  if (!proposal) return [text(ctx, "level-not-found", { number })];
  const subject = await levelProposals.findSubject(proposal.subjectId);
  if (!subject) return [text(ctx, "level-not-found", { number })];
  const roles = LEVEL_DECIDER_ROLES[subject.category];
  const decider =
    ctx.sender.roles.some((r) => (roles as readonly string[]).includes(r) || r === "county_admin") &&
    (await covers(ctx, subject.regionId));
  if (!decider) {
    return [
      text(ctx, "level-not-decider", { number, roles: roles.map((r) => LADDER_ROLE_LABELS[r]).join("或") }),
    ];
  }
  if (proposal.status === "withdrawn") return [text(ctx, "level-withdrawn-already", { number })];
  const statusLabel = { confirmed: "已确认调整", rejected: "未调整", pending: "" } as const;
  if (proposal.status !== "pending") {
    return [text(ctx, "level-already-decided", { number, status: statusLabel[proposal.status] })];
  }
  const labels = LEVEL_LABELS[subject.category];
  const view = {
    number,
    name: subject.name,
    from: labels[proposal.fromLevel] ?? proposal.fromLevel,
    to: labels[proposal.toLevel] ?? proposal.toLevel,
    current: labels[subject.level] ?? subject.level,
    who: ctx.sender.name,
    confirmed: decision === "confirm",
  };
  // The level changed since the proposal (another decision, an operator): it no longer applies.
  if (subject.level !== proposal.fromLevel) {
    await levelProposals.decide(number, "rejected", ctx.sender.id, ctx.now);
    return [text(ctx, "level-stale", view)];
  }
  if (
    !(await levelProposals.decide(
      number,
      decision === "confirm" ? "confirmed" : "rejected",
      ctx.sender.id,
      ctx.now,
    ))
  ) {
    return [text(ctx, "level-already-decided", { number, status: "" })];
  }
  if (decision === "confirm") {
    await levelProposals.setSubjectLevel(subject.id, proposal.fromLevel, proposal.toLevel);
  }
  await ctx.repos.audit.record({
    actor: ctx.sender.userid,
    action: decision === "confirm" ? "level.confirm" : "level.reject",
    entity: "Subject",
    entityId: subject.id,
    detail: { proposal: number, from: proposal.fromLevel, to: proposal.toLevel },
    at: ctx.now,
  });
  const replies: OutgoingMessage[] = [
    text(ctx, decision === "confirm" ? "level-confirmed" : "level-rejected", view),
  ];
  const proposer = proposal.proposerId ? await ctx.repos.cadres.findById(proposal.proposerId) : null;
  if (proposer && proposer.id !== ctx.sender.id) {
    replies.push({
      kind: "text",
      to: proposer.userid,
      text: ctx.templates.render("level-decided-proposer", view),
    });
  }
  return replies;
}

/** True for the card buttons this module owns (incident 收到, level 确认 / 不调整). */
export function isIncidentCardKey(key: string): boolean {
  return (
    key.startsWith(INCIDENT_ACK_KEY) || key.startsWith(LEVEL_CONFIRM_KEY) || key.startsWith(LEVEL_REJECT_KEY)
  );
}

/** A tap on 收到 / 确认调整 / 不调整: the same as typing the command; the card's button then greys out. */
export async function clickIncidentCard(
  ctx: CommandContext,
  deps: IncidentDeps,
  event: CardEvent,
): Promise<OutgoingMessage[]> {
  const key = event.eventKey;
  const number = Number(key.slice(key.indexOf(":") + 1));
  if (!Number.isInteger(number) || number < 1) return [];
  const replies = key.startsWith(INCIDENT_ACK_KEY)
    ? await acknowledgeIncident(ctx, deps, number)
    : await decideLevel(ctx, number, key.startsWith(LEVEL_CONFIRM_KEY) ? "confirm" : "reject");
  if (!event.responseCode) return replies;
  return [
    ...replies,
    {
      kind: "card",
      to: ctx.sender.userid,
      card: {
        msgtype: "update_template_card",
        response_code: event.responseCode,
        button: {
          replace_name: ctx.templates.render(
            key.startsWith(INCIDENT_ACK_KEY) ? "incident-card-acked" : "level-card-done",
          ),
        },
      } as never,
      fallbackText: "",
    },
  ];
}
