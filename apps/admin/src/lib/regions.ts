import { canonicalProvince, provinceNames, regionTree, type RegionNode } from '@siyu/contracts/regions';

/** Provinces by their full official names (广东省, 新疆维吾尔自治区 …), as addresses and shipping templates name them. */
export const provinceOptions = () => provinceNames().map((p) => ({ value: p, label: p }));

/** A template's province as the picker shows it: names saved in short form (广东) read as the full name. */
export const fullProvince = (name: string) => canonicalProvince(name) ?? name;

export interface CascaderOption {
  value: string;
  label: string;
  children?: CascaderOption[];
}

let options: CascaderOption[] | null = null;
/** 省 → 市 → 区 for antd's Cascader, valued by name (what addresses store). */
export function regionOptions(): CascaderOption[] {
  const toOption = (n: RegionNode): CascaderOption => ({ value: n.name, label: n.name, ...(n.children ? { children: n.children.map(toOption) } : {}) });
  options ??= regionTree().map(toOption);
  return options;
}
