import { areaList } from '@vant/area-data';

/**
 * Mainland China's administrative divisions (province → city → district, GB/T 2260 codes) from
 * @vant/area-data, plus 台湾/香港/澳门, for address pickers and for checking that an address names a real
 * place. A separate entry point (`@siyu/contracts/regions`) so the data (~100 KB) reaches only the
 * screens that pick regions, never the storefront's first load.
 */
export interface RegionNode {
  code: string;
  name: string;
  children?: RegionNode[];
}

let tree: RegionNode[] | null = null;

/** The whole tree, built on first use (module load stays free for pages that never ask). */
export function regionTree(): RegionNode[] {
  if (tree) return tree;
  const provinces = new Map<string, RegionNode>();
  const cities = new Map<string, RegionNode>();
  for (const [code, name] of Object.entries(areaList.province_list)) provinces.set(code.slice(0, 2), { code, name, children: [] });
  for (const [code, name] of Object.entries(areaList.city_list)) {
    const city: RegionNode = { code, name, children: [] };
    cities.set(code.slice(0, 4), city);
    provinces.get(code.slice(0, 2))?.children!.push(city);
  }
  for (const [code, name] of Object.entries(areaList.county_list)) cities.get(code.slice(0, 4))?.children!.push({ code, name });
  tree = [...provinces.values()];
  return tree;
}

/** Province names as addresses write them: 北京市, 广东省, 内蒙古自治区, 香港特别行政区 … */
export function provinceNames(): string[] {
  return regionTree().map((p) => p.name);
}

const PROVINCE_SUFFIX = /(壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)$/;

/**
 * The short form of a province (广东省 → 广东, 新疆维吾尔自治区 → 新疆). Shipping templates saved before
 * the picker existed name provinces this way while addresses use the full name; comparing keys lets both match.
 */
export function provinceKey(name: string): string {
  const n = name.trim();
  return n.replace(PROVINCE_SUFFIX, '') || n;
}

/** The official full name for a full or short province name, or null when it is no province. */
export function canonicalProvince(name: string): string | null {
  const key = provinceKey(name);
  return regionTree().find((p) => p.name === name.trim() || provinceKey(p.name) === key)?.name ?? null;
}

export type RegionField = 'province' | 'city' | 'district';

/** Which of the three names does not fit (null when 省/市/区 are one real combination). */
export function regionProblem(province: string, city: string, district: string): RegionField | null {
  const p = regionTree().find((n) => n.name === province);
  if (!p) return 'province';
  const c = p.children!.find((n) => n.name === city);
  if (!c) return 'city';
  return c.children!.some((n) => n.name === district) ? null : 'district';
}

/** The picker's path for an address, or null when its stored names are not (or no longer) a real combination. */
export function regionCodes(province: string, city: string, district: string): [string, string, string] | null {
  if (regionProblem(province, city, district)) return null;
  const p = regionTree().find((n) => n.name === province)!;
  const c = p.children!.find((n) => n.name === city)!;
  return [p.code, c.code, c.children!.find((n) => n.name === district)!.code];
}
