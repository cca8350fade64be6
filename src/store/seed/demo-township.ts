/**
 * A deterministic demo township: regions, cadres, people on the register, guarantees and two
 * months of visit history. Pure data: `now` and the seed are parameters.
 */
import type {
  CadreRole,
  Category,
  Gender,
  GuaranteeRole,
  VisitMethod,
  VisitOutcome,
} from "../../generated/prisma/client";
import { withCheckDigit } from "../id-cipher";

export interface DemoRegion {
  code: string;
  name: string;
  level: "county" | "township" | "village" | "grid";
  parentCode: string | null;
}
export interface DemoCadre {
  userid: string;
  name: string;
  mobile: string;
  roles: CadreRole[];
  homeCode: string;
  scopeCode: string;
}
export interface DemoSubject {
  key: string;
  name: string;
  idNumber: string;
  gender: Gender;
  birthDate: Date;
  phone: string;
  address: string;
  regionCode: string;
  category: Category;
  level: string;
  department: string;
  pause?: { reason: string; from: Date };
  guarantors: { userid: string; role: GuaranteeRole }[];
}
export interface DemoVisit {
  subjectKey: string;
  userid: string;
  occurredAt: Date;
  method: VisitMethod;
  outcome: VisitOutcome;
  anomalies: string[];
  note: string | null;
}
export interface DemoTownship {
  regions: DemoRegion[];
  cadres: DemoCadre[];
  subjects: DemoSubject[];
  visits: DemoVisit[];
}

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COUNTY = "429901000000";
const TOWNSHIP = "429901100000";
const VILLAGES = [
  ["429901100201", "青山村"],
  ["429901100202", "河口村"],
  ["429901100203", "柳湾村"],
  ["429901100204", "石桥村"],
  ["429901100205", "新民社区"],
  ["429901100206", "桃园村"],
] as const;

const SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘";
const GIVEN_M = [
  "建国",
  "志强",
  "海涛",
  "国华",
  "明",
  "伟",
  "军",
  "勇",
  "德富",
  "春生",
  "小龙",
  "浩然",
  "子轩",
  "宇航",
  "文斌",
];
const GIVEN_F = [
  "秀英",
  "桂兰",
  "玉兰",
  "海燕",
  "丽",
  "静",
  "小红",
  "春梅",
  "雨欣",
  "梓涵",
  "淑芬",
  "翠花",
  "晓雪",
  "佳怡",
  "美玲",
];

function idNumber(prefix: string, birth: Date, seq: number, gender: Gender): string {
  const ymd = birth.toISOString().slice(0, 10).replace(/-/g, "");
  const sexDigit = gender === "male" ? (seq % 5) * 2 + 1 : (seq % 5) * 2;
  const body = `${prefix}${ymd}${String(seq % 100).padStart(2, "0")}${sexDigit}`;
  return withCheckDigit(body);
}

const SUBJECT_PLAN: {
  category: Category;
  levels: [string, number][];
  born: [number, number];
  dept: string;
}[] = [
  {
    category: "mental_disorder",
    levels: [
      ["risk0", 4],
      ["risk1", 3],
      ["risk2", 2],
      ["risk3", 2],
      ["risk4", 1],
    ],
    born: [1960, 1995],
    dept: "镇卫生院精防科",
  },
  {
    category: "drug_rehab",
    levels: [
      ["high", 2],
      ["medium", 3],
      ["low", 2],
    ],
    born: [1975, 2000],
    dept: "县禁毒办",
  },
  {
    category: "community_correction",
    levels: [
      ["strict", 2],
      ["normal", 3],
      ["lenient", 2],
    ],
    born: [1965, 2000],
    dept: "镇司法所",
  },
  {
    category: "released_prisoner",
    levels: [
      ["key", 2],
      ["ordinary", 4],
    ],
    born: [1960, 1995],
    dept: "镇司法所",
  },
  {
    category: "left_behind_child",
    levels: [
      ["key", 3],
      ["ordinary", 6],
    ],
    born: [2012, 2019],
    dept: "镇民政办",
  },
  {
    category: "elderly_alone",
    levels: [
      ["high", 3],
      ["key", 3],
      ["ordinary", 4],
    ],
    born: [1938, 1955],
    dept: "镇民政办",
  },
  {
    category: "idle_youth",
    levels: [
      ["key", 2],
      ["ordinary", 3],
    ],
    born: [2004, 2009],
    dept: "镇综治中心",
  },
  {
    category: "petitioner",
    levels: [
      ["key", 2],
      ["ordinary", 2],
    ],
    born: [1955, 1985],
    dept: "镇信访办",
  },
];

/** Rough days between visits in the demo history, by category and level. */
function historyInterval(category: Category, level: string): number {
  if (category === "mental_disorder")
    return level === "risk0" ? 60 : level === "risk1" || level === "risk2" ? 14 : 7;
  if (category === "community_correction") return level === "strict" ? 7 : level === "normal" ? 30 : 60;
  if (category === "elderly_alone") return level === "high" ? 7 : level === "key" ? 30 : 60;
  return 30;
}

const ANOMALIES: [string, string][] = [
  ["emotional_agitation", "情绪激动，已安抚"],
  ["off_medication", "未按时服药，已提醒家属"],
  ["illness", "身体不适，已联系村医"],
  ["conflict", "与邻居有口角"],
];

export function buildDemoTownship(now: Date, seed = 20261124): DemoTownship {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const day = 86_400_000;

  const regions: DemoRegion[] = [
    { code: COUNTY, name: "示范县", level: "county", parentCode: null },
    { code: TOWNSHIP, name: "示范镇", level: "township", parentCode: COUNTY },
  ];
  for (const [code, name] of VILLAGES) {
    regions.push({ code, name, level: "village", parentCode: TOWNSHIP });
    regions.push({ code: `${code}01`, name: `${name}第一网格`, level: "grid", parentCode: code });
    regions.push({ code: `${code}02`, name: `${name}第二网格`, level: "grid", parentCode: code });
  }

  let phoneSeq = 0;
  const mobile = () => `1390000${String(1000 + phoneSeq++).padStart(4, "0")}`;
  const cadres: DemoCadre[] = [
    {
      userid: "zhengzhiqiang",
      name: "郑志强",
      mobile: mobile(),
      roles: ["county_admin"],
      homeCode: COUNTY,
      scopeCode: COUNTY,
    },
    {
      userid: "zhoujianguo",
      name: "周建国",
      mobile: mobile(),
      roles: ["township_leader"],
      homeCode: TOWNSHIP,
      scopeCode: TOWNSHIP,
    },
    {
      userid: "wuhaiyan",
      name: "吴海燕",
      mobile: mobile(),
      roles: ["township_leader"],
      homeCode: TOWNSHIP,
      scopeCode: TOWNSHIP,
    },
    {
      userid: "liujingguan",
      name: "刘警官",
      mobile: mobile(),
      roles: ["police", "guarantor"],
      homeCode: TOWNSHIP,
      scopeCode: TOWNSHIP,
    },
    {
      userid: "machengmin",
      name: "马成民",
      mobile: mobile(),
      roles: ["police", "guarantor"],
      homeCode: TOWNSHIP,
      scopeCode: TOWNSHIP,
    },
    {
      userid: "hejingfang",
      name: "何静芳",
      mobile: mobile(),
      roles: ["doctor", "guarantor"],
      homeCode: TOWNSHIP,
      scopeCode: TOWNSHIP,
    },
    {
      userid: "tianxiaodong",
      name: "田晓东",
      mobile: mobile(),
      roles: ["doctor", "guarantor"],
      homeCode: TOWNSHIP,
      scopeCode: TOWNSHIP,
    },
    {
      userid: "songlijun",
      name: "宋丽君",
      mobile: mobile(),
      roles: ["justice"],
      homeCode: TOWNSHIP,
      scopeCode: TOWNSHIP,
    },
    {
      userid: "caomeifang",
      name: "曹美芳",
      mobile: mobile(),
      roles: ["civil_affairs", "guarantor"],
      homeCode: TOWNSHIP,
      scopeCode: TOWNSHIP,
    },
    {
      userid: "pengjun",
      name: "彭军",
      mobile: mobile(),
      roles: ["drug_control"],
      homeCode: TOWNSHIP,
      scopeCode: TOWNSHIP,
    },
  ];
  const secretaries = ["王德富", "李春生", "张国华", "陈海涛", "杨桂兰", "黄志明"];
  const secretaryIds = ["wangdefu", "lichunsheng", "zhangguohua", "chenhaitao", "yangguilan", "huangzhiming"];
  const gridNames = ["赵小红", "孙浩然", "朱晓雪", "胡春梅", "郭文斌", "林佳怡", "罗宇航", "谢淑芬"];
  const gridIds = [
    "zhaoxiaohong",
    "sunhaoran",
    "zhuxiaoxue",
    "huchunmei",
    "guowenbin",
    "linjiayi",
    "luoyuhang",
    "xieshufen",
  ];
  VILLAGES.forEach(([code], i) => {
    cadres.push({
      userid: secretaryIds[i] as string,
      name: secretaries[i] as string,
      mobile: mobile(),
      roles: ["village_leader", "guarantor"],
      homeCode: code,
      scopeCode: code,
    });
  });
  gridNames.forEach((name, i) => {
    const village = VILLAGES[i % VILLAGES.length]![0];
    const grid = `${village}0${i < VILLAGES.length ? 1 : 2}`;
    cadres.push({
      userid: gridIds[i] as string,
      name,
      mobile: mobile(),
      roles: ["guarantor"],
      homeCode: grid,
      scopeCode: village,
    });
  });
  cadres.push({
    userid: "xuqingsong",
    name: "许青松",
    mobile: mobile(),
    roles: ["teacher", "guarantor"],
    homeCode: VILLAGES[4][0],
    scopeCode: VILLAGES[4][0],
  });
  cadres.push({
    userid: "hanyuanzhi",
    name: "韩愿之",
    mobile: mobile(),
    roles: ["volunteer", "guarantor"],
    homeCode: VILLAGES[1][0],
    scopeCode: VILLAGES[1][0],
  });

  const guarantorsOfVillage = (vi: number): string[] => {
    const ids = [secretaryIds[vi] as string];
    gridIds.forEach((id, gi) => {
      if (gi % VILLAGES.length === vi) ids.push(id);
    });
    return ids;
  };

  const subjects: DemoSubject[] = [];
  const usedNames = new Set<string>();
  let seq = 0;
  for (const plan of SUBJECT_PLAN) {
    for (const [level, count] of plan.levels) {
      for (let k = 0; k < count; k++) {
        const gender: Gender = rand() < 0.5 ? "male" : "female";
        let name = "";
        do name = pick([...SURNAMES]) + pick(gender === "male" ? GIVEN_M : GIVEN_F);
        while (usedNames.has(name));
        usedNames.add(name);
        const year = plan.born[0] + Math.floor(rand() * (plan.born[1] - plan.born[0] + 1));
        const birth = new Date(Date.UTC(year, Math.floor(rand() * 12), 1 + Math.floor(rand() * 28)));
        const vi = seq % VILLAGES.length;
        const village = VILLAGES[vi]!;
        const grid = `${village[0]}0${1 + (seq % 2)}`;
        const primary = pick(guarantorsOfVillage(vi));
        const guarantors: DemoSubject["guarantors"] = [{ userid: primary, role: "primary" }];
        if (plan.category === "mental_disorder")
          guarantors.push({ userid: vi % 2 ? "hejingfang" : "tianxiaodong", role: "doctor" });
        if (plan.category === "drug_rehab" || plan.category === "community_correction")
          guarantors.push({ userid: vi % 2 ? "liujingguan" : "machengmin", role: "police" });
        if (plan.category === "left_behind_child" && level === "key")
          guarantors.push({ userid: "caomeifang", role: "civil_affairs" });
        seq++;
        subjects.push({
          key: `S${seq}`,
          name,
          idNumber: idNumber("429901", birth, seq, gender),
          gender,
          birthDate: birth,
          phone: `1380000${String(2000 + seq).padStart(4, "0")}`,
          address: `${village[1]}${1 + Math.floor(rand() * 12)}组${1 + Math.floor(rand() * 40)}号`,
          regionCode: grid,
          category: plan.category,
          level,
          department: plan.dept,
          guarantors,
        });
      }
    }
  }
  // A few people are paused: in hospital, in custody, moved away.
  const pauses: [Category, string][] = [
    ["mental_disorder", "住院治疗"],
    ["drug_rehab", "强制隔离戒毒"],
    ["idle_youth", "外出务工（已迁出）"],
  ];
  for (const [category, reason] of pauses) {
    const s = subjects.find((x) => x.category === category && !x.pause);
    if (s) s.pause = { reason, from: new Date(now.getTime() - (5 + Math.floor(rand() * 20)) * day) };
  }

  const visits: DemoVisit[] = [];
  for (const s of subjects) {
    const interval = historyInterval(s.category, s.level);
    let t = now.getTime() - 60 * day + Math.floor(rand() * interval) * day;
    while (t < now.getTime() - day) {
      if (s.pause && t >= s.pause.from.getTime()) break;
      if (rand() < 0.85) {
        const when = new Date(t);
        // Office hours in Shanghai (UTC+8): 09:00–17:00 → 01:00–09:00 UTC.
        when.setUTCHours(1 + Math.floor(rand() * 8), Math.floor(rand() * 60), 0, 0);
        const dow = new Date(when.getTime() + 8 * 3_600_000).getUTCDay();
        if (dow === 0) when.setTime(when.getTime() + day);
        if (dow === 6) when.setTime(when.getTime() + 2 * day);
        if (when.getTime() < now.getTime()) {
          const r = rand();
          const outcome: VisitOutcome = r < 0.88 ? "normal" : r < 0.95 ? "abnormal" : "not_met";
          const anomaly = outcome === "abnormal" ? pick(ANOMALIES) : null;
          const first = s.guarantors[0]!.userid;
          visits.push({
            subjectKey: s.key,
            userid: s.guarantors.length > 1 && rand() < 0.3 ? s.guarantors[1]!.userid : first,
            occurredAt: when,
            method: rand() < 0.8 ? "in_person" : "phone",
            outcome,
            anomalies: anomaly ? [anomaly[0]] : [],
            note: anomaly ? anomaly[1] : outcome === "not_met" ? "走访不遇" : null,
          });
        }
      }
      t += interval * day;
    }
  }
  visits.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  return { regions, cadres, subjects, visits };
}
