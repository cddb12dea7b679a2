import type { WecomAttachment, WecomHandoverCustomerState } from '@siyu/contracts';
import type { HandoverCounts, HandoverRefusal, MassCounts } from './types-reach';

/**
 * Pure helpers of the mass-message, Moments, handover and reminder screens (tested in helpers-reach.test.ts).
 */

// ── Attachments (群发 and 朋友圈 share them) ───────────────────────────────────────────────────────

/** One attachment as the form holds it: every kind's inputs, only the chosen kind's are sent. */
export interface AttachmentForm {
  type: WecomAttachment['type'];
  picUrl?: string;
  title?: string;
  url?: string;
  desc?: string;
  appid?: string;
  page?: string;
  picMediaId?: string;
}

const s = (v: string | undefined) => (v ?? '').trim();

/** The contract's shape of the form's attachments: a link's empty optional fields are left out, not sent as "". */
export function attachmentsToBody(list: AttachmentForm[] | undefined): WecomAttachment[] {
  return (list ?? []).map((a): WecomAttachment => {
    if (a.type === 'image') return { type: 'image', picUrl: s(a.picUrl) };
    if (a.type === 'link') {
      return { type: 'link', title: s(a.title), url: s(a.url), ...(s(a.picUrl) ? { picUrl: s(a.picUrl) } : {}), ...(s(a.desc) ? { desc: s(a.desc) } : {}) };
    }
    return { type: 'miniprogram', appid: s(a.appid), title: s(a.title), page: s(a.page), picMediaId: s(a.picMediaId) };
  });
}

/** A short label for an attachment in lists: the link's or card's title, or the image's file name. */
export function attachmentLabel(a: WecomAttachment): string {
  if (a.type === 'image') return a.picUrl.split('/').pop()?.split('?')[0] || a.picUrl;
  return a.title;
}

// ── Mass messages ─────────────────────────────────────────────────────────────────────────────────

export type AudienceKind = 'tags' | 'segment' | 'groups';

export interface MassFormValues {
  name: string;
  audienceKind: AudienceKind;
  tagIds: string[];
  groupId: string | undefined;
  senders: string[];
  text: string;
  attachments: AttachmentForm[];
  when: 'now' | 'later';
  /** ISO time; only with `later`. */
  sendAt: string | undefined;
}

export const emptyMassForm = (): MassFormValues => ({ name: '', audienceKind: 'tags', tagIds: [], groupId: undefined, senders: [], text: '', attachments: [], when: 'now', sendAt: undefined });

export function massFormToBody(v: MassFormValues) {
  const audience = v.audienceKind === 'tags' ? { kind: 'tags' as const, tagIds: v.tagIds ?? [] } : v.audienceKind === 'segment' ? { kind: 'segment' as const, groupId: v.groupId ?? '' } : { kind: 'groups' as const };
  return {
    name: s(v.name),
    audience,
    senders: v.senders ?? [],
    text: s(v.text),
    attachments: attachmentsToBody(v.attachments),
    sendAt: v.when === 'later' && v.sendAt ? v.sendAt : null,
  };
}

/** Where an error on a body path shows in the form (the audience's fields sit at the form's top level). */
export function massFieldMap(path: string): string {
  if (path === 'audience' || path === 'audience.kind') return 'audienceKind';
  if (/^audience\.tagIds(\.\d+)?$/.test(path)) return 'tagIds';
  if (path === 'audience.groupId') return 'groupId';
  if (/^senders\.\d+$/.test(path)) return 'senders';
  return path;
}

/**
 * A left-out reason as the server writes it (`monthly_cap:31`, `opted_out:promotion`, `budget:daily.total`,
 * `wecom:41048`, `wecom_refused`) split into the dictionary's key and what fills it in.
 */
export function reasonParts(reason: string): { key: 'monthly_cap' | 'opted_out' | 'budget' | 'wecom_refused' | 'wecom' | 'unknown'; arg: string } {
  const i = reason.indexOf(':');
  const head = i < 0 ? reason : reason.slice(0, i);
  const arg = i < 0 ? '' : reason.slice(i + 1);
  if (head === 'monthly_cap' || head === 'opted_out' || head === 'budget' || head === 'wecom_refused' || head === 'wecom') return { key: head, arg };
  return { key: 'unknown', arg: reason };
}

/** How far the staff are through confirming, 0–100 (none to confirm yet: 0). */
export const percentOf = (part: number, whole: number) => (whole > 0 ? Math.round((100 * part) / whole) : 0);

/** What a task reached: recipients it tried (left out not counted) and how many got it. */
export function massReach(c: MassCounts) {
  const tried = c.total - c.excluded;
  return { tried, sent: c.sent, percent: percentOf(c.sent, tried) };
}

// ── Handover ──────────────────────────────────────────────────────────────────────────────────────

/** The order the progress bar shows the customers' states in, settled first. */
export const HANDOVER_BAR: WecomHandoverCustomerState[] = ['done', 'refused', 'limit', 'failed', 'waiting', 'requested'];
export const HANDOVER_COLORS: Record<WecomHandoverCustomerState, string> = {
  done: '#2fc25b',
  refused: '#f5222d',
  limit: '#fa8c16',
  failed: '#a8071a',
  waiting: '#1677ff',
  requested: '#d9d9d9',
};

/** The bar's segments in percent; their widths add up to 100 (the last one takes the rounding). */
export function handoverSegments(c: HandoverCounts): { state: WecomHandoverCustomerState; n: number; percent: number }[] {
  if (!c.total) return [];
  const list = HANDOVER_BAR.filter((k) => (c[k] ?? 0) > 0).map((state) => ({ state, n: c[state], percent: Math.floor((1000 * c[state]) / c.total) / 10 }));
  const sum = list.reduce((a, x) => a + x.percent, 0);
  if (list.length) list[list.length - 1]!.percent = Math.round((list[list.length - 1]!.percent + 100 - sum) * 10) / 10;
  return list;
}

/** Settled customers (whatever the result): a handover is through when this equals the total. */
export const handoverSettled = (c: HandoverCounts) => c.done + c.refused + c.limit + c.failed;

/** Refusals of customers and of groups apart, as the preview shows them in two tables. */
export function splitRefusals(list: HandoverRefusal[]) {
  return { customers: list.filter((r) => !r.chatId), groups: list.filter((r) => !!r.chatId) };
}

/** Case-insensitive search over a customer's name, remark and WeCom id. */
export function matchesSearch(r: { name: string | null; remark?: string; externalUserid: string }, q: string): boolean {
  const needle = q.trim().toLowerCase();
  if (!needle) return true;
  return [r.name ?? '', r.remark ?? '', r.externalUserid].some((x) => x.toLowerCase().includes(needle));
}

// ── Reminders ─────────────────────────────────────────────────────────────────────────────────────

/** A rule's delay as people say it: whole months (30 days) or weeks when it divides, days otherwise. */
export function delayParts(days: number): { n: number; unit: 'day' | 'week' | 'month' } {
  if (days > 0 && days % 30 === 0) return { n: days / 30, unit: 'month' };
  if (days > 0 && days % 7 === 0) return { n: days / 7, unit: 'week' };
  return { n: days, unit: 'day' };
}

export const UNIT_DAYS = { day: 1, week: 7, month: 30 } as const;

/** Fills {{name}}-style placeholders as the server does when it sends, for the rule's preview. */
export const renderTemplate = (text: string, vars: Record<string, string>) => text.replace(/\{\{\s*([A-Za-z]+)\s*\}\}/g, (_m, k: string) => vars[k] ?? '');
