import { DEFAULT_CADENCE_POLICIES } from "../../src/domain/cadence-defaults";
import { CATEGORIES, CATEGORY_LEVELS, isValidLevel, listLevels } from "../../src/domain/categories";
import { CATEGORY_LABELS, formatCategoryLevel, LEVEL_LABELS } from "../../src/domain/labels";
import { policyAccepts, resolvePolicy, validatePolicy } from "../../src/domain/policy";
import { cadencePolicySchema } from "../../src/domain/schemas";
import { policy, subject } from "./fixtures";

const chain = ["village-1", "420102001", "420102", "42"];

describe("resolvePolicy — the most specific row wins", () => {
  const everywhere = policy("drug_rehab", "month", { source: "全域" });
  const everywhereHigh = policy("drug_rehab", "week", { level: "high", source: "全域高风险" });
  const county = policy("drug_rehab", "quarter", { regionCode: "420102", source: "区县" });
  const township = policy("drug_rehab", "week", {
    regionCode: "420102001",
    level: "low",
    source: "乡镇低风险",
  });
  const otherCounty = policy("drug_rehab", "year", { regionCode: "420103", source: "别的区县" });
  const table = [everywhere, everywhereHigh, county, township, otherCounty];

  it.each([
    ["low", chain, "乡镇低风险"], // deepest region, exact level
    ["medium", chain, "区县"], // the township has no row for medium: the county's * row
    ["high", chain, "区县"], // region depth beats level exactness: county * over nationwide high
    ["high", ["village-9", "420109"], "全域高风险"], // outside the county: exact level over *
    ["medium", ["village-9", "420109"], "全域"],
    ["medium", [], "全域"], // unknown region: only * rows apply
  ])("level %s in %j → %s", (level, ancestors, expected) => {
    const found = resolvePolicy(
      table,
      subject(1, "drug_rehab", level, { regionCode: ancestors[0] ?? "x" }),
      ancestors,
    );
    expect(found?.source).toBe(expected);
  });

  it("considers the subject's own region even when the chain omits it", () => {
    const village = policy("drug_rehab", "week", { regionCode: "village-1", source: "本村" });
    const found = resolvePolicy([everywhere, village], subject(1, "drug_rehab", "low"), [
      "420102001",
      "420102",
    ]);
    expect(found?.source).toBe("本村");
  });

  it("returns undefined when nothing matches and refuses duplicate rows", () => {
    expect(resolvePolicy(table, subject(1, "petitioner", "key"), chain)).toBeUndefined();
    expect(() =>
      resolvePolicy([everywhere, { ...everywhere }], subject(1, "drug_rehab", "low"), chain),
    ).toThrow(/duplicate cadence policy/);
  });
});

describe("default cadence table", () => {
  it("resolves a policy for every level of every category", () => {
    for (const category of CATEGORIES) {
      for (const { code } of CATEGORY_LEVELS[category]) {
        const found = resolvePolicy(DEFAULT_CADENCE_POLICIES, subject(1, category, code), chain);
        expect({ category, code, found: found !== undefined }).toEqual({ category, code, found: true });
      }
    }
  });

  it("has valid rows, each with a Chinese source note", () => {
    for (const row of DEFAULT_CADENCE_POLICIES) {
      expect(validatePolicy(row)).toEqual([]);
      expect(row.source).toMatch(/[\u4e00-\u9fff]/);
      expect(cadencePolicySchema.safeParse(row).success).toBe(true);
    }
  });

  it.each([
    ["mental_disorder", "risk0", "quarter", null, "any"],
    ["mental_disorder", "risk1", "days", 14, "in_person"],
    ["mental_disorder", "risk2", "days", 14, "in_person"],
    ["mental_disorder", "risk3", "week", null, "in_person"],
    ["mental_disorder", "risk5", "week", null, "in_person"],
    ["community_correction", "strict", "week", null, "any"],
    ["community_correction", "normal", "month", null, "any"],
    ["community_correction", "lenient", "quarter", null, "any"],
    ["drug_rehab", "high", "month", null, "any"],
    ["released_prisoner", "key", "month", null, "in_person"],
    ["released_prisoner", "ordinary", "quarter", null, "in_person"],
    ["left_behind_child", "ordinary", "month", null, "in_person"],
    ["elderly_alone", "high", "week", null, "any"],
    ["elderly_alone", "key", "month", null, "in_person"],
    ["elderly_alone", "ordinary", "quarter", null, "in_person"],
    ["idle_youth", "key", "month", null, "any"],
    ["petitioner", "ordinary", "month", null, "any"],
  ] as const)("%s %s → %s", (category, level, period, intervalDays, method) => {
    const found = resolvePolicy(DEFAULT_CADENCE_POLICIES, subject(1, category, level), chain);
    expect(found).toMatchObject({ period, intervalDays, method, minCount: 1, rule: "any", regionCode: "*" });
  });
});

describe("levels and labels", () => {
  it("labels every level of every category in Chinese", () => {
    for (const category of CATEGORIES) {
      expect(CATEGORY_LABELS[category]).toMatch(/^[\u4e00-\u9fff]+$/);
      for (const level of listLevels(category)) expect(level.label).toBe(LEVEL_LABELS[category][level.code]);
    }
    expect(formatCategoryLevel("mental_disorder", "risk2")).toBe("精神障碍·风险2级");
    expect(formatCategoryLevel("community_correction", "strict")).toBe("社区矫正·严管");
    expect(isValidLevel("mental_disorder", "risk6")).toBe(false);
    expect(isValidLevel("elderly_alone", "high")).toBe(true);
  });
});

describe("policy methods and validation", () => {
  it.each([
    ["in_person", "in_person", true],
    ["in_person", "video", false],
    ["in_person", "phone", false],
    ["phone", "phone", true],
    ["phone", "video", true],
    ["phone", "in_person", true],
    ["any", "phone", true],
  ] as const)("a %s policy accepts a %s visit: %s", (required, method, expected) => {
    expect(policyAccepts(required, method)).toBe(expected);
  });

  it("reports malformed rows in Chinese and the schema rejects them", () => {
    const bad = policy("mental_disorder", "days", { level: "risk9", minCount: 0 });
    expect(validatePolicy(bad)).toHaveLength(3);
    expect(validatePolicy(policy("idle_youth", "month", { intervalDays: 7 }))).toEqual([
      "只有按天数周期才能填写间隔天数",
    ]);
    const parsed = cadencePolicySchema.safeParse({ category: "idle_youth", period: "days", source: "本地" });
    expect(parsed.success).toBe(false);
    const ok = cadencePolicySchema.parse({ category: "idle_youth", period: "month", source: "本地" });
    expect(ok).toMatchObject({ regionCode: "*", level: "*", method: "any", minCount: 1, rule: "any" });
  });
});
