/** SKU matrix helpers: every combination of the spec attributes, in the order a merchant reads it. */
export interface SpecAttr {
  name?: string;
  values?: string[];
}

export interface SkuFormRow {
  specValues: Record<string, string>;
  price?: string;
  marketPrice?: string;
  stock?: number | null;
  skuCode?: string;
  /** Stock when the page loaded; stock is only sent when changed so sales meanwhile are not overwritten. */
  loadedStock?: number | null;
  existing?: boolean;
}

/** Attributes that can take part in the matrix: named, with at least one value. */
export function usableAttrs(attrs: SpecAttr[] | undefined): { name: string; values: string[] }[] {
  return (attrs ?? [])
    .map((a) => ({ name: (a?.name ?? '').trim(), values: [...new Set((a?.values ?? []).map((v) => v.trim()).filter(Boolean))] }))
    .filter((a) => a.name && a.values.length);
}

export function cartesian(attrs: { name: string; values: string[] }[]): Record<string, string>[] {
  let out: Record<string, string>[] = [{}];
  for (const a of attrs) {
    const next: Record<string, string>[] = [];
    for (const combo of out) for (const v of a.values) next.push({ ...combo, [a.name]: v });
    out = next;
  }
  return out;
}

/** A row's identity by its values in attribute order, so renaming an attribute keeps the typed prices. */
export function rowKey(attrs: { name: string }[], values: Record<string, string>): string {
  return attrs.map((a) => values[a.name] ?? '').join('\u0001');
}

/** The new SKU rows for changed attributes, keeping whatever was typed for combinations that remain. */
export function regenerate(attrs: SpecAttr[] | undefined, current: SkuFormRow[], previousAttrs: { name: string }[]): SkuFormRow[] {
  const usable = usableAttrs(attrs);
  const old = new Map(current.map((r) => [rowKey(previousAttrs, r.specValues), r]));
  return cartesian(usable).map((combo) => {
    const prev = old.get(rowKey(usable, combo));
    if (prev) return { ...prev, specValues: combo };
    // An attribute was added: the new combinations start from the prices typed for their parent row.
    if (usable.length > previousAttrs.length && previousAttrs.length > 0) {
      const parent = old.get(rowKey(usable.slice(0, previousAttrs.length), combo));
      if (parent) return { specValues: combo, price: parent.price, marketPrice: parent.marketPrice, stock: 0 };
    }
    return { specValues: combo, stock: 0 };
  });
}

export function sameRows(a: SkuFormRow[], b: SkuFormRow[]): boolean {
  return a.length === b.length && a.every((r, i) => JSON.stringify(r.specValues) === JSON.stringify(b[i].specValues));
}
