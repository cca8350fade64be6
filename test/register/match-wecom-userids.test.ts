/** The matcher's rules beyond the CLI test: tiers of department matching, shared mobiles, double claims. */
import { isPlaceholderUserid, matchWecomUserids } from "../../src/register/match-wecom-userids";
import type { ExportedMember } from "../../src/register/wecom-member-export";

let row = 4;
const member = (
  name: string,
  userid: string,
  dept: string,
  mobile: string | null = null,
): ExportedMember => ({
  row: row++,
  name,
  userid,
  mobile,
  departments: [dept],
  status: "已激活",
});
const cadre = (id: number, name: string, regions: string[], mobile: string | null = null) => ({
  id,
  name,
  userid: `pending:${id}`,
  mobile,
  regionNames: regions,
});
const nobody = () => undefined;

it("prefers the department that is the cadre's own unit, then one under it", () => {
  const members = [
    member("张三", "zs-village", "示范县/示范镇/青山村"),
    member("张三", "zs-town", "示范县/示范镇人民政府"),
    member("李四", "ls-village", "示范县/示范镇/青山村/第一网格"),
  ];
  const out = matchWecomUserids(
    [cadre(1, "张三", ["示范镇", "示范县"]), cadre(2, "李四", ["青山村", "示范镇", "示范县"])],
    members,
    nobody,
  );
  expect(out.matched.map((m) => [m.cadre.id, m.to, m.by])).toEqual([
    [1, "zs-town", "name"],
    [2, "ls-village", "name"],
  ]);
  expect(out.ambiguous).toEqual([]);
});

it("lists a mobile shared by two members, and one member matched to two cadres, without writing either", () => {
  const members = [
    member("王五", "ww1", "示范县/示范镇/青山村", "13900000001"),
    member("王五", "ww2", "示范县/示范镇/白水村", "13900000001"),
    member("赵六", "zl", "示范县/示范镇/青山村", "13900000002"),
  ];
  const out = matchWecomUserids(
    [
      cadre(1, "王五", ["青山村"], "139 0000 0001"),
      cadre(2, "赵六", ["青山村"], "+86 13900000002"),
      cadre(3, "赵六", ["青山村"]),
    ],
    members,
    nobody,
  );
  expect(out.ambiguous).toEqual([
    expect.objectContaining({
      by: "mobile",
      candidates: [expect.objectContaining({ userid: "ww1" }), expect.objectContaining({ userid: "ww2" })],
    }),
  ]);
  expect(out.matched).toEqual([]);
  expect(out.collisions.map((c) => [c.cadre.id, c.to, c.heldBy.id])).toEqual([
    [2, "zl", 3],
    [3, "zl", 2],
  ]);
});

it("knows the placeholders: the import's pending: prefix and the cadre's own mobile", () => {
  expect(isPlaceholderUserid({ userid: "pending:13900000001", mobile: null })).toBe(true);
  expect(isPlaceholderUserid({ userid: "13900000001", mobile: "139-0000-0001" })).toBe(true);
  expect(isPlaceholderUserid({ userid: "13900000001", mobile: "13900000002" })).toBe(false);
  expect(isPlaceholderUserid({ userid: "zhangsan", mobile: "13900000001" })).toBe(false);
});
