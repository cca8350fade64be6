import type { RegionRow } from "../../store/region-repository";
import type { Store } from "../../store/store";
import { CliError } from "../cli-error";

/** `--region CODE` as a region (absent: null = everything), or a CliError in Chinese. */
export async function regionOption(
  store: Pick<Store, "regions">,
  code: string | undefined,
): Promise<RegionRow | null> {
  if (code === undefined) return null;
  const region = await store.regions.findByCode(code.trim());
  if (!region) throw new CliError(`找不到地区编码：${code}（请核对编码，或先导入台账的地区表）`);
  return region;
}
