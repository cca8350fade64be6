import type { OutgoingMessage } from "../../channels/outbound-message";
import type { CommandContext } from "../bot";
import { text } from "./command-context";

/** Who hears of an incident first: the leaders whose scope covers its place. */
const FIRST_RUNG_ROLES = ["village_leader", "township_leader"];
const RESPONDER_ROLES = new Set([
  "village_leader",
  "township_leader",
  "county_admin",
  "police",
  "doctor",
  "justice",
  "civil_affairs",
  "drug_control",
]);
const ACK_DEADLINE_MS = { emergency: 5 * 60_000, urgent: 30 * 60_000, normal: 0 } as const;

/** `紧急|急|报警|突发|事件|报告 <who or where> <what>`: create the incident and notify. */
export async function reportIncident(
  ctx: CommandContext,
  input: { severity: "emergency" | "normal"; subjectName: string | null; text: string },
  sourceKey: string,
): Promise<OutgoingMessage[]> {
  const { incidents, conversation, regions } = ctx.repos;
  const scope = await regions.findById(ctx.sender.scopeRegionId);
  const matches =
    input.subjectName && scope ? await conversation.findSubjectsByName(input.subjectName, scope.path) : [];
  const subject = matches.length === 1 ? matches[0]! : null;
  const regionId = subject?.regionId ?? ctx.sender.homeRegionId;
  const summary = input.text || "（未写明情况）";
  const incident = await incidents.create({
    severity: input.severity,
    category: (subject?.category as never) ?? null,
    reporterId: ctx.sender.id,
    subjectId: subject?.id ?? null,
    regionId,
    summary,
    sourceMessageId: sourceKey,
    nextEscalationAt:
      input.severity === "normal" ? null : new Date(ctx.now.getTime() + ACK_DEADLINE_MS[input.severity]),
    at: ctx.now,
  });
  if (!incident) return [];
  const region = await regions.findById(regionId);
  const recipients = (await incidents.cadresCovering(regionId, FIRST_RUNG_ROLES)).filter(
    (c) => c.id !== ctx.sender.id,
  );
  const messages: OutgoingMessage[] = [];
  for (const r of recipients) {
    await incidents.addEvent(incident.id, "notified", r.id, null, ctx.now);
    messages.push({
      kind: "text",
      to: r.userid,
      text: ctx.templates.render("incident-notify", {
        emergency: input.severity === "emergency",
        number: incident.id,
        reporter: ctx.sender.name,
        summary,
        region: region?.name ?? "",
      }),
    });
  }
  await incidents.setStatus(incident.id, { status: recipients.length > 0 ? "notified" : "reported" });
  await ctx.repos.audit.record({
    actor: ctx.sender.userid,
    action: "incident.report",
    entity: "Incident",
    entityId: incident.id,
    at: ctx.now,
  });
  return [
    text(ctx, "incident-reported", {
      emergency: input.severity === "emergency",
      number: incident.id,
      notified:
        recipients.length > 0
          ? recipients.map((r) => r.name).join("、")
          : "暂无可通知的负责人，请电话联系镇综治中心",
      askDetail: !input.text,
    }),
    ...messages,
  ];
}

/** `收到` / `收到 E12`: acknowledge, stop the ladder, tell the reporter. */
export async function acknowledgeIncident(
  ctx: CommandContext,
  number: number | null,
): Promise<OutgoingMessage[]> {
  const { incidents } = ctx.repos;
  let incident = number !== null ? await incidents.find(number) : null;
  if (number === null) {
    const open = (await incidents.listOpenNotifiedTo(ctx.sender.id)).filter((i) => !i.acknowledgedAt);
    if (open.length === 0) return [text(ctx, "ack-none")];
    if (open.length > 1)
      return [
        text(ctx, "ack-which", { count: open.length, numbers: open.map((i) => `E${i.id}`).join("、") }),
      ];
    incident = open[0]!;
  }
  if (!incident) return [text(ctx, "incident-not-found", { number })];
  if (incident.status === "closed") return [text(ctx, "incident-already-closed", { number: incident.id })];
  const replies: OutgoingMessage[] = [text(ctx, "ack-recorded", { number: incident.id })];
  await incidents.addEvent(incident.id, "acknowledged", ctx.sender.id, null, ctx.now);
  if (!incident.acknowledgedAt) {
    await incidents.setStatus(incident.id, {
      status: "acknowledged",
      acknowledgedAt: ctx.now,
      nextEscalationAt: null,
    });
    const reporter = await ctx.repos.cadres.findById(incident.reporterId);
    if (reporter && reporter.id !== ctx.sender.id) {
      replies.push({
        kind: "text",
        to: reporter.userid,
        text: ctx.templates.render("ack-reporter", { number: incident.id, who: ctx.sender.name }),
      });
    }
  }
  return replies;
}

/** `处理 E12 …` / `结案 E12 …`: responders and leaders only. */
export async function updateIncident(
  ctx: CommandContext,
  kind: "progress" | "close",
  number: number,
  note: string | null,
): Promise<OutgoingMessage[]> {
  if (!ctx.sender.roles.some((r) => RESPONDER_ROLES.has(r))) return [text(ctx, "not-responder")];
  const incident = await ctx.repos.incidents.find(number);
  if (!incident) return [text(ctx, "incident-not-found", { number })];
  if (incident.status === "closed") return [text(ctx, "incident-already-closed", { number })];
  await ctx.repos.incidents.addEvent(
    number,
    kind === "close" ? "closed" : "progress",
    ctx.sender.id,
    note,
    ctx.now,
  );
  await ctx.repos.incidents.setStatus(
    number,
    kind === "close"
      ? {
          status: "closed",
          closedAt: ctx.now,
          nextEscalationAt: null,
          ...(incident.acknowledgedAt ? {} : { acknowledgedAt: ctx.now }),
        }
      : {
          status: "in_progress",
          nextEscalationAt: null,
          ...(incident.acknowledgedAt ? {} : { acknowledgedAt: ctx.now }),
        },
  );
  return [
    kind === "close"
      ? text(ctx, "incident-closed", { number })
      : text(ctx, "incident-progress", { number, note: note ?? "" }),
  ];
}
