/**
 * A pooled connection must not keep the result of the first query it ran (pg's Client holds the
 * pool's connect callback for the connection's life, and that callback reaches the result). The
 * plain client is checked too, so the test shows the leak it guards against still exists.
 */
import pg from "pg";
import { collectGarbage } from "../../src/jobs/collect-garbage";
import { ReleasingPgClient } from "../../src/store/releasing-pg-client";
import { createTestDb, type TestDb } from "../helpers/test-db";

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});

/** Runs one query on a new pool's first connection; a weak reference to its rows. */
async function firstResult(Client: typeof pg.Client): Promise<{ rows: WeakRef<object>; pool: pg.Pool }> {
  const pool = new pg.Pool({ connectionString: db.url, max: 1, Client });
  const result = await pool.query("SELECT repeat('包', 100000) AS page");
  expect(String(result.rows[0]?.page).length).toBe(100_000);
  return { rows: new WeakRef(result.rows), pool };
}

async function stillHeld(Client: typeof pg.Client): Promise<boolean> {
  const { rows, pool } = await firstResult(Client);
  // The connection stays open and idle in the pool, as a server's would.
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
  }
  const held = rows.deref() !== undefined;
  await pool.end();
  return held;
}

describe("pooled connections and their first query", () => {
  it("the plain pg client keeps the first result alive while its connection is open", async () => {
    expect(await stillHeld(pg.Client)).toBe(true);
  });

  it("ReleasingPgClient lets it go", async () => {
    expect(await stillHeld(ReleasingPgClient)).toBe(false);
  });

  it("still reports connection errors through the callback", async () => {
    const pool = new pg.Pool({
      connectionString: "postgresql://nobody@127.0.0.1:1/none",
      max: 1,
      Client: ReleasingPgClient,
      connectionTimeoutMillis: 2000,
    });
    await expect(pool.query("SELECT 1")).rejects.toThrow();
    await pool.end();
  });
});
