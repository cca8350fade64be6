import type { Prisma } from "../generated/prisma/client";
import type { Db } from "./prisma-client";
import { isUniqueViolation } from "./unique-violation";

export interface JobRunRepository {
  /** Claims (job, periodKey); false when another run (any instance, any time) already has it. */
  claim(job: string, periodKey: string, instance: string, at: Date): Promise<{ id: number } | null>;
  /**
   * Takes over (job, periodKey) when its run failed or has been `running` since before
   * `staleBefore` (its instance died): one conditional UPDATE, so only one taker wins.
   */
  retake(
    job: string,
    periodKey: string,
    instance: string,
    at: Date,
    staleBefore: Date,
  ): Promise<{ id: number } | null>;
  finish(id: number, result: Prisma.InputJsonValue, at: Date): Promise<void>;
  fail(id: number, error: string, at: Date): Promise<void>;
  find(job: string, periodKey: string): Promise<{ status: string; result: unknown } | null>;
}

export class PrismaJobRunRepository implements JobRunRepository {
  constructor(private readonly db: Db) {}

  async claim(job: string, periodKey: string, instance: string, at: Date) {
    try {
      return await this.db.jobRun.create({
        data: { job, periodKey, instance, startedAt: at },
        select: { id: true },
      });
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
  }

  async retake(job: string, periodKey: string, instance: string, at: Date, staleBefore: Date) {
    const taken = await this.db.jobRun.updateMany({
      where: {
        job,
        periodKey,
        OR: [{ status: "failed" }, { status: "running", startedAt: { lt: staleBefore } }],
      },
      data: { status: "running", instance, startedAt: at, error: null, finishedAt: null },
    });
    if (taken.count === 0) return null;
    return this.db.jobRun.findUnique({ where: { job_periodKey: { job, periodKey } }, select: { id: true } });
  }

  async finish(id: number, result: Prisma.InputJsonValue, at: Date) {
    await this.db.jobRun.update({ where: { id }, data: { status: "done", result, finishedAt: at } });
  }

  async fail(id: number, error: string, at: Date) {
    await this.db.jobRun.update({ where: { id }, data: { status: "failed", error, finishedAt: at } });
  }

  find(job: string, periodKey: string) {
    return this.db.jobRun.findUnique({
      where: { job_periodKey: { job, periodKey } },
      select: { status: true, result: true },
    });
  }
}
