/**
 * Child process for the crash test: opens the embedded database in DATA_DIR and writes rows
 * forever from several concurrent loops, printing "ack <n>" only after each insert committed.
 */
import { openDatabase } from "../../src/store/database";
import { migrateDeploy, readMigrationStatus } from "../../src/store/migrate";

async function run() {
  const dataDir = process.env.DATA_DIR ?? "";
  const db = await openDatabase({ dataDir, databaseUrl: undefined });
  const status = await readMigrationStatus(db.url);
  if (status.pending.length > 0) await migrateDeploy(db.url);
  process.stdout.write("ready\n");
  let next = 0;
  const loop = async () => {
    for (;;) {
      const n = next++;
      await db.prisma.auditLog.create({
        data: { actor: "crash-test", action: "write", entityId: String(n) },
      });
      process.stdout.write(`ack ${n}\n`);
    }
  };
  await Promise.all([loop(), loop(), loop(), loop()]);
}

run().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
