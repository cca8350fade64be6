/**
 * The hand-computed township for the summary and report tests (fixed clock: Tuesday 2026-11-24;
 * ISO week W48 = 11-23…11-29, W47 = 11-16…11-22; weekly quotas fall due on Friday, monthly ones
 * on the month's last working day). Twelve people in two villages:
 *
 * 青山村 (429901100201)                                      state on 11-24 (17:30)
 *   张三  精神障碍 风险3级 weekly in person  王丽  visits 11-16, 11-24    done
 *   李明  独居老人 高风险 weekly             王丽  no visit               overdue 4 (W47 missed; due by Friday 11-20)
 *   王芳  社区矫正 严管 weekly               李四  visit 11-18            due
 *   赵刚  社区戒毒 monthly                   李四  visit 10-15            due
 *   钱军  重点信访 monthly                   王丽  no visit               overdue 25 (October missed; due by Friday 10-30)
 *   孙丽  社区戒毒 monthly                   王丽  paused from 11-24      paused (new pause, 住院)
 *   周强  独居老人 高风险 weekly             李四  11-24 abnormal 情绪激动 done
 * 河口村 (429901100202)
 *   陈明  独居老人 高风险 weekly             赵敏  visits 11-17, 11-23    done
 *   吴敏  留守儿童 monthly in person         赵敏  visit 11-05            done
 *   郑华  社区矫正 严管 weekly               赵敏  11-20; 11-24 not met   due
 *   冯伟  精神障碍 风险3级 weekly in person  赵敏  11-17 by phone only    overdue 4 (W47 missed; due by Friday 11-20)
 *   韩梅  独居老人 一般 quarterly            赵敏  visit 10-10            done
 *
 * 青山村: owed 6, done 2, due 2, overdue 2, paused 1 → 33%; 河口村: owed 5, done 3, due 1,
 * overdue 1 → 60%; 示范镇: owed 11, done 5, due 3, overdue 3, paused 1 → 45% (5/11, rounded down).
 * Incidents: E(open) about 王芳 reported 11-24 12:00 by 王丽, not acknowledged (5 hours at 17:30);
 * E(closed) reported 11-20 09:00 in 河口村, acknowledged 09:10, closed 11-21 10:00.
 */
import { createTownship, sh, type Township } from "../planning/township-fixture";

export interface ReportFixture extends Township {
  people: Record<string, number>;
  openIncident: number;
  closedIncident: number;
}

export async function createReportFixture(): Promise<ReportFixture> {
  const t = await createTownship();
  const { wangli, lisi, zhaomin } = t.cadres;
  const people: Record<string, number> = {};
  const add = async (
    name: string,
    category: Parameters<Township["subject"]>[0]["category"],
    level: string,
    village: "v1" | "v2",
    guarantor: { id: number },
    idNumber?: string,
  ) => {
    people[name] = await t.subject({ name, category, level, village, guarantors: [guarantor], idNumber });
    return people[name] as number;
  };
  // 青山村
  await add("张三", "mental_disorder", "risk3", "v1", wangli, "11010519491231002X");
  await t.visit(people.张三 as number, wangli, "2026-11-16 10:00");
  await t.visit(people.张三 as number, wangli, "2026-11-24 10:00");
  await add("李明", "elderly_alone", "high", "v1", wangli);
  await add("王芳", "community_correction", "strict", "v1", lisi);
  await t.visit(people.王芳 as number, lisi, "2026-11-18 15:00");
  await add("赵刚", "drug_rehab", "high", "v1", lisi);
  await t.visit(people.赵刚 as number, lisi, "2026-10-15 10:00");
  await add("钱军", "petitioner", "key", "v1", wangli);
  await add("孙丽", "drug_rehab", "low", "v1", wangli);
  await t.store.subjects.pause(people.孙丽 as number, {
    reason: "住院",
    from: new Date("2026-11-24T00:00:00Z"),
  });
  await add("周强", "elderly_alone", "high", "v1", lisi);
  await t.db.prisma.visit.create({
    data: {
      subjectId: people.周强 as number,
      cadreId: lisi.id,
      occurredAt: sh("2026-11-24 09:00"),
      createdAt: sh("2026-11-24 09:05"),
      method: "in_person",
      outcome: "abnormal",
      anomalies: ["emotional_agitation"],
      note: "情绪激动，已安抚",
    },
  });
  // 河口村
  await add("陈明", "elderly_alone", "high", "v2", zhaomin);
  await t.visit(people.陈明 as number, zhaomin, "2026-11-17 10:00");
  await t.visit(people.陈明 as number, zhaomin, "2026-11-23 10:00");
  await add("吴敏", "left_behind_child", "ordinary", "v2", zhaomin);
  await t.visit(people.吴敏 as number, zhaomin, "2026-11-05 16:00");
  await add("郑华", "community_correction", "strict", "v2", zhaomin);
  await t.visit(people.郑华 as number, zhaomin, "2026-11-20 10:00");
  await t.visit(people.郑华 as number, zhaomin, "2026-11-24 11:00", { method: "phone", outcome: "not_met" });
  await add("冯伟", "mental_disorder", "risk3", "v2", zhaomin);
  await t.visit(people.冯伟 as number, zhaomin, "2026-11-17 10:00", { method: "phone" });
  await add("韩梅", "elderly_alone", "ordinary", "v2", zhaomin);
  await t.visit(people.韩梅 as number, zhaomin, "2026-10-10 10:00");

  const open = await t.db.prisma.incident.create({
    data: {
      severity: "urgent",
      status: "notified",
      category: "community_correction",
      reporterId: wangli.id,
      subjectId: people.王芳 as number,
      regionId: t.regions.v1,
      summary: "王芳 与家人争吵 摔东西",
      createdAt: sh("2026-11-24 12:00"),
    },
    select: { id: true },
  });
  const closed = await t.db.prisma.incident.create({
    data: {
      severity: "normal",
      status: "closed",
      reporterId: zhaomin.id,
      regionId: t.regions.v2,
      summary: "邻里纠纷 已调解",
      createdAt: sh("2026-11-20 09:00"),
      acknowledgedAt: sh("2026-11-20 09:10"),
      closedAt: sh("2026-11-21 10:00"),
    },
    select: { id: true },
  });
  return { ...t, people, openIncident: open.id, closedIncident: closed.id };
}
