/**
 * How the register commands (`cadre`, `subject`, `guarantee`) name things: regions by code or
 * unique name, cadres by userid, people by number or ID number, roles in words. Each lookup that
 * fails is a CliError in Chinese saying what would be right.
 */
import type { CadreRoleCode } from "../../domain/cadre-roles";
import { dbDateFromLocalDate, type LocalDate, zoneOf } from "../../domain/local-date";
import { ROLE_CHOICES, roleWords } from "../../register/cell-values";
import type { CadreRow } from "../../store/cadre-repository";
import type { DependentSubject } from "../../store/guarantee-repository";
import type { RegionRow } from "../../store/region-repository";
import type { Repos } from "../../store/store";
import type { SubjectRow } from "../../store/subject-repository";
import type { CliContext } from "../cli-context";
import { CliError } from "../cli-error";

/** Today in the configured zone, and the same day as a database date. */
export function today(ctx: CliContext): { date: LocalDate; db: Date } {
  const date = zoneOf(ctx.config().tz).localDateAt(ctx.now());
  return { date, db: dbDateFromLocalDate(date) };
}

/** A region by code, else by a name that is unique in the register. */
export async function findRegion(repos: Pick<Repos, "regions">, ref: string): Promise<RegionRow> {
  const text = ref.trim();
  const byCode = await repos.regions.findByCode(text);
  if (byCode) return byCode;
  const named = await repos.regions.findByName(text);
  if (named.length === 1 && named[0]) return named[0];
  if (named.length > 1) {
    throw new CliError(
      `地区名称「${text}」不唯一：${named.map((r) => `${r.name}（${r.code}）`).join("、")}，请改用地区编码。`,
    );
  }
  throw new CliError(`找不到地区：${text}（请填写地区编码或台账中唯一的地区名称）`);
}

/** A cadre by userid. */
export async function findCadre(repos: Pick<Repos, "cadres">, userid: string): Promise<CadreRow> {
  const row = await repos.cadres.findByUserid(userid.trim());
  if (!row) throw new CliError(`找不到干部：${userid}（请填写企业微信账号）`);
  return row;
}

/** A cadre by userid who is still in post. */
export async function findActiveCadre(repos: Pick<Repos, "cadres">, userid: string): Promise<CadreRow> {
  const row = await findCadre(repos, userid);
  if (!row.active) throw new CliError(`干部 ${row.name}（${row.userid}）已停用，不能再承担包保。`);
  return row;
}

/** A person by database id (`12`) or by ID number; closed ones only with `allowClosed`. */
export async function findSubject(
  repos: Pick<Repos, "subjects">,
  ref: string,
  opts: { allowClosed?: boolean } = {},
): Promise<SubjectRow> {
  const row = /^\d{1,9}$/.test(ref)
    ? await repos.subjects.findById(Number(ref))
    : await repos.subjects.findByIdNumber(ref);
  if (!row) throw new CliError(`找不到管控对象：${ref}（请填写编号或身份证号）`);
  if (row.status === "closed" && !opts.allowClosed) throw new CliError(`${row.name}（#${row.id}）已销档。`);
  return row;
}

/** `--roles 村书记、网格员` or `--roles guarantor,police`. */
export function parseRolesOption(text: string): CadreRoleCode[] {
  const parsed = roleWords(text);
  if (!parsed.ok) throw new CliError(`无法识别的角色：${parsed.unknown.join("、")}。可填写：${ROLE_CHOICES}`);
  return parsed.roles;
}

/** `--guarantor a,b` → the userids, each once. */
export function splitUserids(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[、，,/\s]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

/** A mainland mobile number, or a CliError. */
export function parseMobile(text: string): string {
  const mobile = text.replace(/[\s-]/g, "");
  if (!/^1\d{10}$/.test(mobile)) throw new CliError(`手机号应为11位数字：${text}`);
  return mobile;
}

/** How many names a refusal lists before `等N人`. */
export const NAMES_SHOWN = 20;

/** `张三（#3）、李四（#9）等25人`. */
export function listPeople(people: readonly DependentSubject[]): string {
  const shown = people.slice(0, NAMES_SHOWN).map((p) => `${p.name}（#${p.id}）`);
  return `${shown.join("、")}${people.length > NAMES_SHOWN ? `等${people.length}人` : ""}`;
}
