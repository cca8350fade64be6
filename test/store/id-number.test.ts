import crypto from "node:crypto";
import { PrismaAuditRepository } from "../../src/store/audit-repository";
import { createIdCipher, IdNumberError, maskIdNumber, normaliseIdNumber } from "../../src/store/id-cipher";
import { checkKeyFingerprint, KeyMismatchError } from "../../src/store/key-check";
import { PrismaRegionRepository } from "../../src/store/region-repository";
import { PrismaSettingRepository } from "../../src/store/setting-repository";
import { PrismaSubjectRepository } from "../../src/store/subject-repository";
import { createTestDb, type TestDb } from "../helpers/test-db";

// A syntactically valid ID number (checksum computed by hand: 11010519491231002X is the GB 11643 example).
const ID = "11010519491231002X";
const key = crypto.createHash("sha256").update("test key").digest();
const cipher = createIdCipher(key);

let db: TestDb;
let subjects: PrismaSubjectRepository;
let regionId: number;

beforeAll(async () => {
  db = await createTestDb();
  const region = await new PrismaRegionRepository(db.prisma).create({
    code: "V",
    name: "村",
    level: "village",
  });
  regionId = region.id;
  subjects = new PrismaSubjectRepository(db.prisma, cipher, new PrismaAuditRepository(db.prisma));
});
afterAll(() => db.close());

describe("ID numbers", () => {
  test.each([
    ["11010519491231002x", ID],
    [" 110105 19491231 002X ", ID],
  ])("normalises %p", (raw, expected) => {
    expect(normaliseIdNumber(raw)).toBe(expected);
  });

  test.each(["110105194912310021", "1101051949123100", "ABCDEFGHIJKLMNOPQR", ""])("rejects %p", (raw) => {
    expect(() => normaliseIdNumber(raw)).toThrow(IdNumberError);
  });

  test("masks all but the first and last four", () => {
    expect(maskIdNumber(ID)).toBe("1101**********002X");
  });

  test("encryption round-trips, is randomised, and fails with another key", () => {
    const a = cipher.encrypt(ID);
    const b = cipher.encrypt(ID);
    expect(a).not.toBe(b);
    expect(cipher.decrypt(a)).toBe(ID);
    const other = createIdCipher(crypto.randomBytes(32));
    expect(() => other.decrypt(a)).toThrow();
    expect(other.hash(ID)).not.toBe(cipher.hash(ID));
  });

  test("a tampered ciphertext is rejected", () => {
    const box = cipher.encrypt(ID).split(".");
    const ct = Buffer.from(box[3]!, "base64url");
    ct[0] = (ct[0]! ^ 1) & 0xff;
    box[3] = ct.toString("base64url");
    expect(() => cipher.decrypt(box.join("."))).toThrow();
  });
});

describe("subjects on the register", () => {
  test("the ID number is stored only encrypted, found by keyed hash, shown masked", async () => {
    const created = await subjects.create({
      name: "王五",
      idNumber: "11010519491231002x",
      regionId,
      category: "elderly_alone",
      level: "key",
    });
    expect(created.idMasked).toBe("1101**********002X");
    const [raw] = await db.sql<Record<string, unknown>>(`SELECT * FROM "Subject" WHERE id = $1`, [
      created.id,
    ]);
    expect(JSON.stringify(raw)).not.toContain("19491231");
    expect((await subjects.findByIdNumber(ID))?.id).toBe(created.id);
    expect(await subjects.findByIdNumber("110101199001011237")).toBeNull();
    expect(await subjects.findByIdNumber("garbage")).toBeNull();
  });

  test("the same ID number cannot be registered twice", async () => {
    await expect(
      subjects.create({ name: "王五二", idNumber: ID, regionId, category: "elderly_alone", level: "key" }),
    ).rejects.toMatchObject({ code: "P2002" });
  });

  test("a malformed ID number changes nothing", async () => {
    const before = await subjects.count();
    await expect(
      subjects.create({ name: "赵六", idNumber: "12345", regionId, category: "idle_youth", level: "key" }),
    ).rejects.toBeInstanceOf(IdNumberError);
    expect(await subjects.count()).toBe(before);
  });

  test("revealing the full number is audited", async () => {
    const s = (await subjects.findByIdNumber(ID))!;
    expect(await subjects.revealIdNumber(s.id, "admin", "核对户籍")).toBe(ID);
    const audit = await new PrismaAuditRepository(db.prisma).list({ entity: "Subject", entityId: s.id });
    expect(audit).toEqual([expect.objectContaining({ actor: "admin", action: "subject.reveal_id_number" })]);
  });

  test("a different key is refused once data exists", async () => {
    const settings = new PrismaSettingRepository(db.prisma);
    await checkKeyFingerprint(settings, cipher);
    await checkKeyFingerprint(settings, cipher);
    await expect(
      checkKeyFingerprint(settings, createIdCipher(crypto.randomBytes(32))),
    ).rejects.toBeInstanceOf(KeyMismatchError);
  });
});
