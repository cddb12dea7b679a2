import { randomUUID } from 'node:crypto';

/**
 * The Segment tracking spec (https://segment.com/docs/connections/spec/): the calls track, page, screen,
 * identify, group and alias with their common fields. Any Segment or RudderStack SDK can send here.
 * Each call is checked on its own so a batch keeps its good events and names the field of each bad one.
 */

export const CALL_TYPES = ['track', 'page', 'screen', 'identify', 'group', 'alias'] as const;
export type CallType = (typeof CALL_TYPES)[number];

export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_BATCH_BYTES = 500 * 1024;

/** What the inbox keeps of a call, and what the loader reads back. */
export interface InboxEvent {
  type: CallType | 'merge';
  event: string;
  messageId: string;
  anonymousId?: string;
  userId?: string;
  previousId?: string;
  groupId?: string;
  /** epoch ms after clock-skew correction */
  ts: number;
  properties: Record<string, unknown>;
  traits?: Record<string, unknown>;
  source: string;
  medium: string;
  campaign: string;
  channel: string;
  os: string;
  path: string;
  /** merge: the mall merged customer `fromCustomerId` into `toCustomerId` */
  fromCustomerId?: string;
  toCustomerId?: string;
}

export interface EventError {
  index: number;
  code: string;
  field: string;
  message: string;
}

/** Ids that SDKs send when they have none; taking them would merge strangers into one person. */
const JUNK_IDS = new Set(['null', 'undefined', '0', '-1', 'anonymous', 'guest', 'none', 'nan', 'true', 'false', '[object object]', 'distinct_id', 'id', 'not_authenticated', 'email', 'user']);
export const isJunkId = (v: string) => JUNK_IDS.has(v.trim().toLowerCase()) || v.trim() === '';

const EVENT_NAME: Record<Exclude<CallType, 'track'>, string> = { page: '$pageview', screen: '$screen', identify: '$identify', group: '$group', alias: '$alias' };

class Bad extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly code = 'INVALID_EVENT',
  ) {
    super(message);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function objectField(raw: Record<string, unknown>, name: string): Record<string, unknown> {
  const v = raw[name];
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw new Bad(name, 'must be an object');
  return v;
}

function idField(raw: Record<string, unknown>, name: string): string | undefined {
  const v = raw[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') throw new Bad(name, 'must be a string');
  const s = String(v).trim();
  if (s.length > 200) throw new Bad(name, 'at most 200 characters');
  if (isJunkId(s)) throw new Bad(name, `"${s}" is not an id`, 'JUNK_ID');
  return s;
}

function timeField(raw: Record<string, unknown>, name: string): number | undefined {
  const v = raw[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') throw new Bad(name, 'must be an ISO 8601 time');
  const t = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(t) || t < Date.UTC(2000, 0, 1) || t > Date.UTC(2100, 0, 1)) throw new Bad(name, 'must be an ISO 8601 time');
  return t;
}

const text = (v: unknown, max = 200) => (typeof v === 'string' ? v.slice(0, max) : typeof v === 'number' ? String(v) : '');

function hasNul(v: unknown, depth = 0): boolean {
  if (depth > 32) return true;
  if (typeof v === 'string') return v.includes('\u0000');
  if (Array.isArray(v)) return v.some((x) => hasNul(x, depth + 1));
  if (isObject(v)) return Object.entries(v).some(([k, x]) => k.includes('\u0000') || k === '__proto__' || hasNul(x, depth + 1));
  return false;
}

function osOf(context: Record<string, unknown>): string {
  const os = isObject(context.os) ? text(context.os.name, 40) : '';
  if (os) return os;
  const ua = text(context.userAgent, 500);
  if (/iPhone|iPad|iOS/.test(ua)) return 'iOS';
  if (/Android/.test(ua)) return 'Android';
  if (/HarmonyOS|OpenHarmony/.test(ua)) return 'HarmonyOS';
  if (/Windows/.test(ua)) return 'Windows';
  if (/Mac OS X/.test(ua)) return 'macOS';
  return '';
}

/**
 * One call, as sent, into the inbox form; throws `Bad` with the field. `type` comes from the URL for the
 * single-call endpoints and from the item for a batch.
 */
export function parseCall(raw: unknown, type: CallType | undefined, receivedAt: number): InboxEvent {
  if (!isObject(raw)) throw new Bad('', 'must be an object');
  const t = type ?? raw.type;
  if (typeof t !== 'string' || !(CALL_TYPES as readonly string[]).includes(t)) throw new Bad('type', `must be one of ${CALL_TYPES.join(', ')}`);
  const call = t as CallType;
  if (hasNul(raw)) throw new Bad('', 'contains a NUL character, a __proto__ key or is nested too deep');
  const messageId = raw.messageId === undefined || raw.messageId === null ? randomUUID() : text(raw.messageId, 1000);
  if (!messageId || messageId.length > 100) throw new Bad('messageId', 'must be a string of at most 100 characters');
  const anonymousId = idField(raw, 'anonymousId');
  const userId = idField(raw, 'userId');
  const properties = objectField(raw, 'properties');
  const context = objectField(raw, 'context');
  const traits = call === 'identify' || call === 'group' ? objectField(raw, 'traits') : undefined;
  let event: string;
  if (call === 'track') {
    if (typeof raw.event !== 'string' || !raw.event.trim()) throw new Bad('event', 'required');
    if (raw.event.length > 200) throw new Bad('event', 'at most 200 characters');
    event = raw.event.trim();
    if (event.startsWith('$')) throw new Bad('event', 'names starting with $ are reserved');
  } else event = EVENT_NAME[call];
  let previousId: string | undefined;
  let groupId: string | undefined;
  if (call === 'alias') {
    previousId = idField(raw, 'previousId');
    if (!previousId) throw new Bad('previousId', 'required');
    if (!userId) throw new Bad('userId', 'required');
  } else if (!anonymousId && !userId) throw new Bad('userId', 'anonymousId or userId is required');
  if (call === 'identify' && !userId && Object.keys(traits ?? {}).length === 0) throw new Bad('userId', 'identify needs a userId or traits');
  if (call === 'group') {
    groupId = idField(raw, 'groupId');
    if (!groupId) throw new Bad('groupId', 'required');
  }
  // Clock skew: the device's clock may be off; the gap between its timestamp and its sentAt is true.
  const timestamp = timeField(raw, 'timestamp') ?? timeField(raw, 'originalTimestamp');
  const sentAt = timeField(raw, 'sentAt');
  const ts = timestamp !== undefined && sentAt !== undefined ? receivedAt - (sentAt - timestamp) : (timestamp ?? receivedAt);
  const page = isObject(context.page) ? context.page : {};
  const campaign = isObject(context.campaign) ? context.campaign : {};
  const props = { ...properties };
  if (call === 'page' || call === 'screen') {
    if (typeof raw.name === 'string') props.name ??= raw.name.slice(0, 200);
    for (const k of ['url', 'title', 'referrer', 'search'] as const) if (page[k] !== undefined && props[k] === undefined) props[k] = text(page[k], 1000);
  }
  const source = text(campaign.source, 100);
  return {
    type: call,
    event,
    messageId,
    anonymousId,
    userId,
    previousId,
    groupId,
    ts,
    properties: props,
    traits,
    source,
    medium: text(campaign.medium, 100),
    campaign: text(campaign.name, 100),
    channel: text(context.channel, 100) || text(properties.$channel, 100) || source,
    os: osOf(context),
    path: text(page.path, 500) || (call === 'page' ? text(properties.path, 500) : ''),
  };
}

/** A whole request: one call, or `batch`. Each item is sized and checked on its own. */
export function parseRequest(
  body: unknown,
  type: CallType | 'batch',
  receivedAt: number,
  /** the request body's size: when the whole body fits the per-event limit no event needs measuring */
  bodyBytes = Infinity,
): { events: InboxEvent[]; errors: EventError[]; sentAt?: number } {
  const errors: EventError[] = [];
  const events: InboxEvent[] = [];
  const one = (raw: unknown, index: number, prefix: string, callType: CallType | undefined, sentAt: number | undefined) => {
    try {
      if (bodyBytes > MAX_EVENT_BYTES && JSON.stringify(raw).length > MAX_EVENT_BYTES) throw new Bad('', `an event is at most ${MAX_EVENT_BYTES / 1024} KB`, 'EVENT_TOO_LARGE');
      // A batch's sentAt applies to its events that have none of their own.
      const item = isObject(raw) && sentAt !== undefined && raw.sentAt === undefined ? { ...raw, sentAt } : raw;
      events.push(parseCall(item, callType, receivedAt));
    } catch (err) {
      if (!(err instanceof Bad)) throw err;
      errors.push({ index, code: err.code, field: `${prefix}${err.field}`.replace(/\.$/, ''), message: err.message });
    }
  };
  if (type !== 'batch') {
    one(body, 0, '', type, undefined);
    return { events, errors };
  }
  if (!isObject(body) || !Array.isArray(body.batch)) {
    errors.push({ index: -1, code: 'INVALID_EVENT', field: 'batch', message: 'must be an array' });
    return { events, errors };
  }
  let sentAt: number | undefined;
  try {
    sentAt = timeField(body, 'sentAt');
  } catch (err) {
    errors.push({ index: -1, code: 'INVALID_EVENT', field: 'sentAt', message: (err as Error).message });
    return { events, errors };
  }
  if (body.batch.length === 0) errors.push({ index: -1, code: 'INVALID_EVENT', field: 'batch', message: 'must not be empty' });
  body.batch.forEach((raw, i) => one(raw, i, `batch.${i}.`, undefined, sentAt));
  return { events, errors, sentAt };
}
