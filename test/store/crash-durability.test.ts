import { openDatabase } from "../../src/store/database";
import { spawnTsx, waitFor } from "../helpers/spawn-tsx";
import { makeTempDir } from "../helpers/temp-dir";

// Embedded-database only: PostgreSQL's own durability is not ours to prove.
const maybe = process.env.TEST_DATABASE_URL ? test.skip : test;
// Starting a writer runs the Prisma CLI migration in a child process: slow on a busy machine.
jest.setTimeout(240_000);

maybe("kill -9 of a writer loses no acknowledged write", async () => {
  const tmp = makeTempDir();
  const acked = new Set<number>();
  let ready = false;
  const { child, stderr } = spawnTsx("test/helpers/ack-writer.ts", { DATA_DIR: tmp.dir }, (line) => {
    if (line === "ready") ready = true;
    const m = /^ack (\d+)$/.exec(line);
    if (m) acked.add(Number(m[1]));
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await waitFor(() => ready || child.exitCode !== null, 90_000, "writer ready");
    expect(stderr()).toBe("");
    await waitFor(() => acked.size >= 400, 60_000, "400 acknowledged writes");
  } finally {
    child.kill("SIGKILL");
    await exited;
  }
  // The dead writer's lock is stale: this process may open the directory now.
  const db = await openDatabase({ dataDir: tmp.dir, databaseUrl: undefined });
  try {
    const rows = await db.prisma.auditLog.findMany({
      where: { actor: "crash-test" },
      select: { entityId: true },
    });
    const stored = new Set(rows.map((r) => Number(r.entityId)));
    const lost = [...acked].filter((n) => !stored.has(n));
    expect(lost).toEqual([]);
    expect(stored.size).toBeGreaterThanOrEqual(acked.size);
  } finally {
    await db.close();
    tmp.cleanup();
  }
});
