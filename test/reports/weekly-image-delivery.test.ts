import pino from "pino";
import { loadTemplates } from "../../src/bot/templates";
import { DEFAULT_CADENCE_POLICIES } from "../../src/domain/cadence-defaults";
import { runWeeklyReport } from "../../src/jobs/weekly-report";
import { createPlanner } from "../../src/planning/planner";
import { seedSmallTownship, startTestServices, type TestServices } from "../helpers/test-services";
import { sh } from "../planning/township-fixture";

let s: TestServices;
afterAll(() => s?.stop());

/** Waits until `check` returns a value (the outbox worker polls every 50 ms). */
async function eventually<T>(check: () => T | undefined, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

it("the weekly chart goes through the outbox, media/upload and message/send to the leader's inbox", async () => {
  const monday = sh("2026-11-30 08:45");
  s = await startTestServices({ now: () => monday });
  const town = await seedSmallTownship(s);
  await s.store.policies.seedDefaultsIfEmpty(DEFAULT_CADENCE_POLICIES, sh("2026-01-01 00:00"));
  const person = await s.store.subjects.create({
    name: "李明",
    regionId: town.village.id,
    category: "elderly_alone",
    level: "high",
  });
  await s.db.prisma.guarantee.create({
    data: { subjectId: person.id, cadreId: town.guarantor.id, startDate: new Date("2026-01-01") },
  });

  const outcome = await runWeeklyReport(
    {
      store: s.store,
      planner: createPlanner({ repos: s.store, tz: "Asia/Shanghai" }),
      templates: loadTemplates(),
      tz: "Asia/Shanghai",
      logger: pino({ level: "silent" }),
      instance: "test",
      clock: () => monday,
    },
    monday,
  );
  expect(outcome).toMatchObject({ status: "done", enqueued: 1 });

  const emulator = s.emulator;
  if (!emulator) throw new Error("sandbox emulator expected");
  const inbox = await eventually(() => {
    const got = emulator.inbox("zhoujg");
    return got.length >= 2 ? got : undefined;
  });
  expect(inbox.map((d) => d.msgtype)).toEqual(["text", "image"]);
  expect((inbox[0]?.body.text as { content?: string } | undefined)?.content).toContain(
    "【上周走访周报】示范镇 11月23日—11月29日",
  );
  const mediaId = String((inbox[1]?.body.image as { media_id?: string } | undefined)?.media_id);
  const media = emulator.media(mediaId);
  expect(media?.filename).toBe("T-2026-W48.png");
  expect(media?.data.subarray(1, 4).toString()).toBe("PNG");
  expect(emulator.calls("media/upload")).toHaveLength(1);

  // The sandbox serves the uploaded image to its page.
  const res = await fetch(`${s.url}/sandbox/api/media/${mediaId}`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("image/png");
});
