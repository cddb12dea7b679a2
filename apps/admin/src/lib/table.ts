/**
 * The width a table needs: its fixed-width columns plus room for each flexible one. Given as `scroll.x`
 * it makes the table scroll only when the page is narrower than that, so a pinned action column never
 * lies over the columns beside it at the console's usual 1440 px.
 */
export function tableWidth(columns: readonly { width?: number | string }[] | undefined, flexibleMin = 200): number {
  return (columns ?? []).reduce((sum, c) => sum + (typeof c.width === 'number' ? c.width : flexibleMin), 0);
}
