/**
 * Prisma CLI configuration: offline JavaScript schema engine with the pg driver adapter.
 *
 * The connection comes from BAOBAO_MIGRATE_URL (set by Baobao itself when it runs migrations
 * against the embedded database's socket) or DATABASE_URL.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma/config";
import pg from "pg";

// prisma/prisma#27403: the schema engine reads catalog columns of type `name` (oid 19), which
// adapter-pg cannot map ("Column type 'name' could not be deserialized"). Report them as text
// (oid 25). Only the migration CLI uses this config; the application client does not need it.
const NAME_OID = 19;
const TEXT_OID = 25;

function nameAsText(res: pg.QueryResult | undefined): void {
  for (const field of res?.fields ?? []) {
    if (field.dataTypeID === NAME_OID) field.dataTypeID = TEXT_OID;
  }
}

class NameAsTextClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's overloaded query signature
  override query(...args: any[]): any {
    // pg.Pool calls query with a callback; direct callers get a promise. Patch both.
    const last = args[args.length - 1];
    if (typeof last === "function") {
      args[args.length - 1] = (err: Error | null, res: pg.QueryResult) => {
        if (!err) nameAsText(res);
        last(err, res);
      };
    }
    // biome-ignore lint/suspicious/noExplicitAny: see above
    const result = (super.query as any)(...args);
    if (result && typeof result.then === "function") {
      return result.then((res: pg.QueryResult) => {
        nameAsText(res);
        return res;
      });
    }
    return result;
  }
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  async adapter() {
    const url =
      process.env.BAOBAO_MIGRATE_URL ??
      (process.env.BAOBAO_PRISMA_PLACEHOLDER ? undefined : process.env.DATABASE_URL);
    if (!url) {
      throw new Error("未设置数据库地址：请设置 DATABASE_URL，或通过 `npx baobao db migrate` 执行迁移。");
    }
    // Passed as pool config (not a Pool instance): the config loader may resolve another copy of
    // `pg`, which would fail adapter-pg's `instanceof pg.Pool` check and drop the shim.
    return new PrismaPg({ connectionString: url, Client: NameAsTextClient, max: 2 } as pg.PoolConfig);
  },
});
