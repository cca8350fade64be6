/**
 * `roster match-wecom` against a member export built like the WeCom console's (title and notes
 * above the header), and `roster check-wecom` against the WeCom emulator in real-WeCom mode.
 */
import fs from "node:fs";
import path from "node:path";
import ExcelJS from "exceljs";
import { createIdCipher } from "../../src/store/id-cipher";
import { createStore, type Store } from "../../src/store/store";
import { createWecomEmulator } from "../../src/wecom/emulator/wecom-emulator";
import { cliRunner } from "../helpers/run-cli";
import { makeTempDir } from "../helpers/temp-dir";
import { createTestDb, type TestDb } from "../helpers/test-db";
import { SECRET_KEY_HEX, sh } from "../planning/township-fixture";

let db: TestDb;
let store: Store;
let tmp: { dir: string; cleanup: () => void };
let env: Record<string, string>;
const now = sh("2026-12-04 10:00");
const ids: Record<string, number> = {};

beforeAll(async () => {
  db = await createTestDb();
  store = createStore(db.prisma, createIdCipher(Buffer.from(SECRET_KEY_HEX, "hex")));
  tmp = makeTempDir();
  env = { DATABASE_URL: db.url, DATA_DIR: tmp.dir, BAOBAO_SECRET_KEY: SECRET_KEY_HEX };
  const county = await store.regions.create({ code: "429901", name: "示范县", level: "county" });
  const town = await store.regions.create({
    code: "429901100",
    name: "示范镇",
    level: "township",
    parentId: county.id,
  });
  const qingshan = await store.regions.create({
    code: "429901100201",
    name: "青山村",
    level: "village",
    parentId: town.id,
  });
  const baishui = await store.regions.create({
    code: "429901100202",
    name: "白水村",
    level: "village",
    parentId: town.id,
  });
  const cadre = async (key: string, userid: string, name: string, mobile: string | null, home: number) => {
    ids[key] = (
      await store.cadres.create({ userid, name, mobile, roles: ["guarantor"], homeRegionId: home })
    ).id;
  };
  // Imported without a userid: the import's placeholder.
  await cadre("byMobile", "pending:13900001001", "张伟", "13900001001", qingshan.id);
  // Created with the mobile as a temporary userid; the export writes the mobile as +86 ….
  await cadre("mobileAsUserid", "13900001002", "李娜", "13900001002", baishui.id);
  // No mobile in the register: found by name in 示范县/示范镇/青山村委会.
  await cadre("byName", "pending:wangfang", "王芳", null, qingshan.id);
  // Two 刘洋 under 青山村 in the export: listed, never guessed.
  await cadre("ambiguous", "pending:liuyang", "刘洋", null, qingshan.id);
  // Matches member chenjing, whose userid another (deactivated) cadre already holds.
  await cadre("collision", "pending:13900001005", "陈静", "13900001005", baishui.id);
  await cadre("holder", "chenjing", "陈静（原）", null, town.id);
  await db.sql(`UPDATE "Cadre" SET "active" = false WHERE "id" = $1`, [ids.holder]);
  // Already bound.
  await cadre("bound", "zhaolei", "赵磊", "13900001006", town.id);
  // Not in the export at all; a 孙强 exists in another village.
  await cadre("unmatched", "pending:sunqiang", "孙强", null, qingshan.id);
});

afterAll(async () => {
  await db.close();
  tmp.cleanup();
});

async function memberExport(file: string): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("成员列表");
  ws.addRow(["示范县综治中心通讯录"]);
  ws.mergeCells("A1:L1");
  ws.addRow(["说明：1. 帐号即成员 UserID，不可修改；2. 手机号为成员绑定手机。"]);
  ws.addRow([]);
  ws.addRow([
    "姓名",
    "帐号",
    "别名",
    "职务",
    "部门",
    "性别",
    "手机",
    "座机",
    "个人邮箱",
    "地址",
    "企业邮箱",
    "激活状态",
  ]);
  const member = (name: string, userid: string, dept: string, mobile: string | number, status = "已激活") =>
    ws.addRow([name, userid, "", "网格员", dept, "男", mobile, "", "", "", "", status]);
  member("张伟", "zhangwei", "示范县/示范镇/青山村", "+86 13900001001");
  member("李娜", "lina", "示范县/示范镇/白水村", 13900001002);
  member("王芳", "wangfang01", "示范县/示范镇/青山村委会", "");
  member("王芳", "wangfang02", "示范县/示范镇/白水村", "");
  member("刘洋", "liuyang1", "示范县/示范镇/青山村", "");
  member("刘洋", "liuyang2", "示范县/示范镇/青山村", "");
  member("陈静", "chenjing", "示范县/示范镇/白水村", "13900001005");
  member("赵磊", "zhaolei", "示范县/示范镇", "13900001006");
  member("孙强", "sunqiang", "示范县/示范镇/白水村", "");
  member("张伟", "zhangwei2", "示范县/示范镇/青山村", "13900009999", "已禁用");
  const out = path.join(tmp.dir, file);
  await wb.xlsx.writeFile(out);
  return out;
}

async function userids(): Promise<Record<string, string>> {
  const rows = await db.sql<{ id: number; userid: string }>(`SELECT "id", "userid" FROM "Cadre"`);
  const byId = new Map(rows.map((r) => [r.id, r.userid]));
  return Object.fromEntries(Object.entries(ids).map(([k, id]) => [k, byId.get(id) ?? ""]));
}

describe("roster match-wecom", () => {
  it("previews without changing anything, listing matched, unmatched, ambiguous and collisions", async () => {
    const file = await memberExport("通讯录.xlsx");
    const before = await userids();
    const res = await cliRunner(env)(["roster", "match-wecom", file, "--json"], { now });
    expect(res.code).toBe(1);
    const doc = JSON.parse(res.out);
    expect(doc).toMatchObject({
      file: "通讯录.xlsx",
      applied: false,
      counts: { cadres: 7, bound: 1, matched: 3, unmatched: 1, ambiguous: 1, collisions: 1 },
    });
    expect(doc.matched).toEqual([
      expect.objectContaining({
        cadreId: ids.byMobile,
        from: "pending:13900001001",
        to: "zhangwei",
        by: "mobile",
      }),
      expect.objectContaining({ cadreId: ids.mobileAsUserid, from: "13900001002", to: "lina", by: "mobile" }),
      expect.objectContaining({
        cadreId: ids.byName,
        from: "pending:wangfang",
        to: "wangfang01",
        by: "name",
      }),
    ]);
    expect(doc.ambiguous).toEqual([
      expect.objectContaining({
        cadreId: ids.ambiguous,
        by: "name",
        candidates: [
          expect.objectContaining({ userid: "liuyang1", row: 9 }),
          expect.objectContaining({ userid: "liuyang2", row: 10 }),
        ],
      }),
    ]);
    expect(doc.collisions).toEqual([
      expect.objectContaining({
        cadreId: ids.collision,
        to: "chenjing",
        heldBy: { id: ids.holder, name: "陈静（原）" },
      }),
    ]);
    expect(doc.unmatched).toEqual([
      expect.objectContaining({
        cadreId: ids.unmatched,
        sameNameElsewhere: [expect.objectContaining({ userid: "sunqiang" })],
      }),
    ]);
    expect(await userids()).toEqual(before);
    expect(
      await db.sql(`SELECT 1 FROM "AuditLog" WHERE "action" LIKE '%wecom%' OR "action" = 'cadre.userid'`),
    ).toEqual([]);

    const text = await cliRunner(env)(["roster", "match-wecom", file], { now });
    expect(text.out).toContain("张伟（青山村）：pending:13900001001 → zhangwei，按手机号");
    expect(text.out).toContain("刘洋（青山村）：按姓名（同部门）找到 2 名成员：liuyang1");
    expect(text.out).toContain("账号 chenjing，但它已属于干部 陈静（原）");
    expect(text.out).toContain("其中 1 名已禁用或已退出");
    expect(text.out).toContain("未作任何修改；确认无误后加 --apply 写入");
    expect(text.err).toContain("3 名干部的企业微信账号未能确定");
  });

  it("--apply writes the matched userids in one transaction, each audited, and nothing else", async () => {
    const file = await memberExport("通讯录.xlsx");
    // A card still waiting for the placeholder follows the cadre to the new userid.
    const queued = (key: string) => ({
      channel: "app",
      recipient: "pending:13900001001",
      recipientKind: "user" as const,
      body: { msgtype: "text", text: { content: "走访提醒" } },
      idempotencyKey: key,
    });
    await store.outbox.enqueue(queued("test:waiting"));
    await store.outbox.enqueue(queued("test:failed"));
    await db.sql(`UPDATE "OutboundMessage" SET "status" = 'failed' WHERE "idempotencyKey" = 'test:failed'`);
    const res = await cliRunner(env)(["roster", "match-wecom", file, "--apply"], { now });
    expect(res.code).toBe(1);
    expect(res.out).toContain("已写入 3 名干部的企业微信账号。");
    expect(await userids()).toMatchObject({
      byMobile: "zhangwei",
      mobileAsUserid: "lina",
      byName: "wangfang01",
      ambiguous: "pending:liuyang",
      collision: "pending:13900001005",
      holder: "chenjing",
      bound: "zhaolei",
      unmatched: "pending:sunqiang",
    });
    const audit = await db.sql<{ action: string; entityId: string | null; detail: Record<string, unknown> }>(
      `SELECT "action", "entityId", "detail" FROM "AuditLog" ORDER BY "id"`,
    );
    expect(audit.filter((a) => a.action === "cadre.userid")).toEqual([
      expect.objectContaining({
        entityId: String(ids.byMobile),
        detail: expect.objectContaining({ from: "pending:13900001001", to: "zhangwei", by: "mobile" }),
      }),
      expect.objectContaining({
        entityId: String(ids.mobileAsUserid),
        detail: expect.objectContaining({ to: "lina" }),
      }),
      expect.objectContaining({
        entityId: String(ids.byName),
        detail: expect.objectContaining({ to: "wangfang01", by: "name" }),
      }),
    ]);
    expect(audit.find((a) => a.action === "cadre.userid")?.detail).toMatchObject({ readdressed: 1 });
    expect(
      await db.sql(`SELECT "idempotencyKey", "recipient" FROM "OutboundMessage" ORDER BY "idempotencyKey"`),
    ).toEqual([
      { idempotencyKey: "test:failed", recipient: "pending:13900001001" },
      { idempotencyKey: "test:waiting", recipient: "zhangwei" },
    ]);
    const run = audit.filter((a) => a.action === "roster.match-wecom");
    expect(run).toHaveLength(1);
    expect(run[0]?.detail).toMatchObject({ file: "通讯录.xlsx", matched: 3, collisions: 1 });
    expect(String(run[0]?.detail.sha256)).toMatch(/^[0-9a-f]{64}$/);

    // Again: the applied ones are now bound; nothing more to write.
    const again = await cliRunner(env)(["roster", "match-wecom", file, "--apply", "--json"], { now });
    expect(JSON.parse(again.out)).toMatchObject({ applied: false, counts: { bound: 4, matched: 0 } });
    expect(await db.sql(`SELECT 1 FROM "AuditLog" WHERE "action" = 'roster.match-wecom'`)).toHaveLength(1);
  });

  it("refuses a file with no member header, and a file that is not a workbook, with one message", async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet("Sheet1").addRow(["序号", "名称"]);
    const noHeader = path.join(tmp.dir, "无表头.xlsx");
    await wb.xlsx.writeFile(noHeader);
    const res = await cliRunner(env)(["roster", "match-wecom", noHeader], { now });
    expect(res).toMatchObject({ code: 1, out: "" });
    expect(res.err).toContain("没有找到成员表头：应含“姓名”和“帐号”两列");

    const csv = path.join(tmp.dir, "通讯录.csv");
    fs.writeFileSync(csv, "姓名,帐号\n张伟,zhangwei\n");
    const res2 = await cliRunner(env)(["roster", "match-wecom", csv], { now });
    expect(res2.code).toBe(1);
    expect(res2.err).toContain("只能读取企业微信管理后台导出的 .xlsx 文件");
  });
});

describe("roster check-wecom", () => {
  it("asks the WeCom emulator about each active cadre: known, unknown, out of range, placeholder", async () => {
    const creds = {
      corpId: "wwcheck0000000001",
      secret: "check-secret",
      agentId: 1000009,
      token: "checktoken",
      encodingAesKey: "a".repeat(43),
    };
    const emulator = createWecomEmulator({
      ...creds,
      now: () => now,
      members: [
        { userid: "zhangwei", name: "张伟" },
        { userid: "lina", name: "李娜", visible: false },
        { userid: "wangfang01", name: "王芳" },
        { userid: "zhaolei", name: "赵磊", status: 2 },
      ],
    });
    const server = await emulator.listen(0, "127.0.0.1");
    try {
      const wecomEnv = {
        ...env,
        WECOM_CORP_ID: creds.corpId,
        WECOM_SECRET: creds.secret,
        WECOM_AGENT_ID: String(creds.agentId),
        WECOM_TOKEN: creds.token,
        WECOM_ENCODING_AES_KEY: creds.encodingAesKey,
        WECOM_API_BASE: server.url,
      };
      const res = await cliRunner(wecomEnv)(["roster", "check-wecom", "--json"], { now });
      expect(res.code).toBe(1);
      const doc = JSON.parse(res.out);
      expect(doc).toMatchObject({ mode: "wecom", checked: 7, ok: 2 });
      const verdicts = Object.fromEntries(
        doc.problems.map((p: { cadreId: number; verdict: string }) => [p.cadreId, p.verdict]),
      );
      expect(verdicts).toEqual({
        [String(ids.mobileAsUserid)]: "out_of_range",
        [String(ids.ambiguous)]: "placeholder",
        [String(ids.collision)]: "placeholder",
        [String(ids.unmatched)]: "placeholder",
        [String(ids.bound)]: "disabled",
      });
      // Placeholders are never asked; nothing was sent to anyone.
      expect(emulator.calls("user/get")).toHaveLength(4);
      expect(emulator.deliveries()).toHaveLength(0);

      // One known and one unknown userid.
      await db.sql(`UPDATE "Cadre" SET "active" = false WHERE "id" <> ALL($1::int[])`, [
        [ids.byMobile, ids.byName],
      ]);
      await db.sql(`UPDATE "Cadre" SET "userid" = 'wangfang99' WHERE "id" = $1`, [ids.byName]);
      const two = await cliRunner(wecomEnv)(["roster", "check-wecom"], { now });
      expect(two.code).toBe(1);
      expect(two.out).toContain("已确认 2 名在岗干部的企业微信账号：可用 1，有问题 1。");
      expect(two.out).toContain("王芳（#");
      expect(two.out).toContain("账号 wangfang99：企业微信中没有这个账号");
      expect(two.out).not.toContain("zhangwei");

      await db.sql(`UPDATE "Cadre" SET "userid" = 'wangfang01' WHERE "id" = $1`, [ids.byName]);
      const ok = await cliRunner(wecomEnv)(["roster", "check-wecom"], { now });
      expect(ok).toMatchObject({ code: 0, err: "" });
      expect(ok.out).toContain("可用 2，有问题 0");
    } finally {
      await server.close();
    }
  });

  it("in sandbox mode asks the built-in emulator, where only placeholders are missing", async () => {
    await db.sql(`UPDATE "Cadre" SET "active" = true WHERE "id" = $1`, [ids.ambiguous]);
    const res = await cliRunner(env)(["roster", "check-wecom", "--json"], { now });
    expect(res.code).toBe(1);
    expect(JSON.parse(res.out)).toEqual({
      mode: "sandbox",
      checked: 3,
      ok: 2,
      problems: [{ cadreId: ids.ambiguous, name: "刘洋", userid: "pending:liuyang", verdict: "placeholder" }],
    });
    const text = await cliRunner(env)(["roster", "check-wecom"], { now });
    expect(text.out).toContain(
      "沙箱模式（内置企业微信模拟器）：已确认 3 名在岗干部的企业微信账号：可用 2，有问题 1。",
    );
    expect(text.out).toContain("刘洋（#");
    expect(text.out).toContain("尚未绑定企业微信账号（临时账号）");
  });
});
