/** Segment's limits: 32 KB per event, 500 KB per batch request. */
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_BATCH_BYTES = 500 * 1024;
/**
 * Browsers allow 64 KiB of keep-alive bodies (beacons included) in flight per page; a little is left
 * for anything else the page sends while it is being hidden.
 */
export const MAX_BEACON_BYTES = 60 * 1024;

/** Bytes of `s` as UTF-8, without allocating an encoded copy. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * How many of `parts` (serialized events, in order) fit one request body of at most `limit` bytes whose
 * envelope without events takes `overhead` bytes: the body is the envelope plus the parts joined by commas.
 * 0 when not even the first fits.
 */
export function fitCount(partBytes: number[], limit: number, overhead: number, maxEvents: number): number {
  let total = overhead;
  let n = 0;
  for (const bytes of partBytes) {
    if (n >= maxEvents) break;
    const next = total + bytes + (n > 0 ? 1 : 0);
    if (next > limit) break;
    total = next;
    n++;
  }
  return n;
}
