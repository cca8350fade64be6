/**
 * A guarantor imported without a WeCom account (`pending:<mobile>`, issue 12): the morning card
 * and the reminder go to everybody else, the push names whom it left out, and `plan` and
 * `db status` warn about such cadres while they carry people.
 */
import { runDailyPush } from "../../src/jobs/daily-push";
import { runLeaderSummary } from "../../src/jobs/leader-summary";
import { runReminder } from "../../src/jobs/reminder";
import { listMigrations } from "../../src/store/migrate";
import { cliRunner } from "../helpers/run-cli";
import { makeTempDir } from "../helpers/temp-dir";
import { createTownship, SECRET_KEY_HEX, sh, type Township } from "../planning/township-fixture";

let t: Township;
let tmp: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliRunner>;
const PENDING = "pending:13900001111";
const NOT_PUSHED = "1位干部尚无企业微信账号，未推送：孙丽（请运行 npx baobao roster match-wecom）";
const NO_ACCOUNT =
  "1位干部尚无企业微信账号，名下有在管人员，收不到走访卡片和提醒：孙丽（请运行 npx baobao roster match-wecom）";

beforeAll(async () => {
  t = await createTownship();
  tmp = makeTempDir();
  cli = cliRunner({ DATABASE_URL: t.db.url, DATA_DIR: tmp.dir, BAOBAO_SECRET_KEY: SECRET_KEY_HEX });
  const sunli = await t.store.cadres.create({
    userid: PENDING,
    name: "孙丽",
    roles: ["guarantor"],
    homeRegionId: t.regions.v1,
    scopeRegionId: t.regions.v1,
  });
  // A second township leader, also without a WeCom account.
  await t.store.cadres.create({
    userid: "pending:13900004444",
    name: "钱镇长",
    roles: ["township_leader"],
    homeRegionId: t.regions.township,
    scopeRegionId: t.regions.township,
  });
  // Both weekly with nothing last week: overdue on Tuesday 24 November.
  await t.subject({ name: "张三", category: "mental_disorder", level: "risk3", guarantors: [sunli] });
  await t.subject({
    name: "王秀英",
    category: "mental_disorder",
    level: "risk3",
    guarantors: [t.cadres.wangli],
  });
});
afterAll(async () => {
  await t.close();
  tmp.cleanup();
});

const outbox = () =>
  t.db.sql<{ recipient: string; idempotencyKey: string }>(
    `SELECT "recipient", "idempotencyKey" FROM "OutboundMessage" ORDER BY "id"`,
  );

it("plan lists the pending cadre's people and warns that nothing reaches her", async () => {
  const plan = await cli(["plan", "--json"], { now: sh("2026-11-24 08:00") });
  const doc = JSON.parse(plan.out);
  expect(doc.cadres.map((c: { userid: string }) => c.userid)).toEqual(["wangli", PENDING]);
  expect(doc.warnings).toEqual([NO_ACCOUNT]);
  const text = await cli(["plan"], { now: sh("2026-11-24 08:00") });
  expect(text.err).toBe(`警告：${NO_ACCOUNT}`);
});

it("the morning card goes only to cadres with a WeCom account; the push names the one left out", async () => {
  const outcome = await runDailyPush(t.deps(), sh("2026-11-24 08:30"));
  expect(outcome).toMatchObject({ status: "done", enqueued: 1, warnings: [NOT_PUSHED] });
  expect(outcome.detail).toMatchObject({ cadres: 1, withoutWecomAccount: 1 });
  expect((await outbox()).map((r) => r.recipient)).toEqual(["wangli"]);
});

it("the afternoon reminder skips her too", async () => {
  const outcome = await runReminder(t.deps({ clock: sh("2026-11-24 16:00") }), sh("2026-11-24 16:00"));
  expect(outcome).toMatchObject({ status: "done", enqueued: 1, warnings: [NOT_PUSHED] });
  expect((await outbox()).map((r) => r.recipient)).toEqual(["wangli", "wangli"]);
});

it("the evening summary reaches the leaders with an account only", async () => {
  const outcome = await runLeaderSummary(t.deps({ clock: sh("2026-11-24 17:30") }), sh("2026-11-24 17:30"));
  expect(outcome.status).toBe("done");
  const summaries = (await outbox()).filter((r) => r.idempotencyKey.startsWith("summary:"));
  expect(summaries.map((r) => r.recipient).sort()).toEqual(["wangdefu", "zhoujg"]);
});

it("push daily --dry-run on the CLI prints the warning", async () => {
  const res = await cli(["push", "daily", "--dry-run", "--date", "2026-11-25"], {
    now: sh("2026-11-25 08:30"),
  });
  expect(res.err).toContain(`警告：${NOT_PUSHED}`);
  expect(res.out).not.toContain(PENDING);
});

it("db status warns about her", async () => {
  await t.db.sql(
    `CREATE TABLE "_prisma_migrations" (migration_name text, finished_at timestamptz, rolled_back_at timestamptz)`,
  );
  for (const m of listMigrations()) {
    await t.db.sql(`INSERT INTO "_prisma_migrations" VALUES ($1, now(), NULL)`, [m]);
  }
  const status = await cli(["db", "status", "--json"], { now: sh("2026-11-25 09:00") });
  expect(JSON.parse(status.out)).toMatchObject({
    withoutWecomAccount: { count: 1, names: ["孙丽"] },
    warnings: [NO_ACCOUNT],
  });
  const text = await cli(["db", "status"], { now: sh("2026-11-25 09:00") });
  expect(text.err).toBe(`警告：${NO_ACCOUNT}`);
});
