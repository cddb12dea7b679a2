import type { WecomAttachment, WecomSopAnchor } from '@siyu/contracts';
import type { TFunction } from '../../lib/i18n';
import { syncPercent } from './helpers';
import { attachmentsToBody, percentOf, type AttachmentForm } from './helpers-reach';
import type { GroupCode, GroupSop, GroupSyncRun, GroupWelcome, SopCounts } from './types-groups';

/** Pure helpers of the customer-group screens (tested in helpers-groups.test.ts). */

const s = (v: string | undefined | null) => (v ?? '').trim();

// ── Attachments ───────────────────────────────────────────────────────────────────────────────────

/** A saved attachment back into the form's shape, so editing starts from what was saved. */
export function attachmentToForm(a: WecomAttachment): AttachmentForm {
  if (a.type === 'image') return { type: 'image', picUrl: a.picUrl };
  if (a.type === 'link') return { type: 'link', title: a.title, url: a.url, picUrl: a.picUrl ?? '', desc: a.desc ?? '' };
  return { type: 'miniprogram', appid: a.appid, title: a.title, page: a.page, picMediaId: a.picMediaId };
}

// ── Groups ────────────────────────────────────────────────────────────────────────────────────────

/** WeCom's join_scene codes with a name in the dictionary; anything else reads as "other". */
export const JOIN_SCENES = [1, 2, 3] as const;
export const joinSceneKey = (n: number | null): `wecom.grp.scene.${(typeof JOIN_SCENES)[number]}` | 'wecom.grp.scene.other' =>
  n !== null && (JOIN_SCENES as readonly number[]).includes(n) ? (`wecom.grp.scene.${n as (typeof JOIN_SCENES)[number]}` as const) : 'wecom.grp.scene.other';

export const GROUP_STATUSES = [0, 1, 2, 3] as const;
export const groupStatusKey = (n: number): `wecom.grp.status.${(typeof GROUP_STATUSES)[number]}` => `wecom.grp.status.${(GROUP_STATUSES as readonly number[]).includes(n) ? (n as 0 | 1 | 2 | 3) : 0}`;

/**
 * How far a group sync is, 0–100. Groups are the last step of the corp's one sync run (they name staff as
 * owners and customers as members): staff, tags and customers take the first 70 as the staff sync counts
 * them, then the groups read of all (`groupsDone` / `groupsTotal`) the rest. Only "done" is 100.
 */
export function groupSyncPercent(run: Pick<GroupSyncRun, 'status' | 'progress'>): number {
  if (run.status === 'done') return 100;
  const p = run.progress ?? {};
  if (p.groupsTotal) return Math.min(70 + Math.floor((29 * (p.groupsDone ?? 0)) / p.groupsTotal), 99);
  if (p.relations !== undefined) return 70;
  return Math.floor((70 * syncPercent({ status: run.status, progress: p })) / 100);
}

/** A group takes 200 members who come by QR code; the code moves on to its next group then. */
export const GROUP_QR_CAPACITY = 200;
export const fillPercent = (members: number) => Math.min(100, percentOf(members, GROUP_QR_CAPACITY));

const dayMs = 86_400_000;
const toUtc = (day: string) => Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)));
const fromUtc = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Every day from `from` to `to` (YYYY-MM-DD, both in), the rows' values where there is a row and `zero`
 * where there is none: a chart's axis must not skip the quiet days.
 */
export function fillDays<T extends { day: string }>(rows: T[], zero: Omit<T, 'day'>, from: string, to: string): T[] {
  const byDay = new Map(rows.map((r) => [r.day.slice(0, 10), r]));
  const out: T[] = [];
  for (let ms = toUtc(from), end = toUtc(to); ms <= end && out.length < 3660; ms += dayMs) {
    const day = fromUtc(ms);
    out.push(byDay.get(day) ?? ({ ...zero, day } as T));
  }
  return out;
}

// ── Group codes ───────────────────────────────────────────────────────────────────────────────────

export interface GroupCodeFormValues {
  name: string;
  state: string;
  chatIds: string[];
  autoCreateRoom: boolean;
  roomBaseName: string;
  roomBaseId: number | null;
}

export const emptyGroupCodeForm = (): GroupCodeFormValues => ({ name: '', state: '', chatIds: [], autoCreateRoom: true, roomBaseName: '', roomBaseId: 1 });

export const groupCodeToForm = (c: GroupCode): GroupCodeFormValues => ({
  name: c.name,
  state: c.state,
  chatIds: [...c.chatIds],
  autoCreateRoom: c.autoCreateRoom,
  roomBaseName: c.roomBaseName,
  roomBaseId: c.roomBaseId,
});

/** The contract's body: an empty state is left out (the server makes one), the room name only counts when on. */
export function groupCodeFormToBody(v: GroupCodeFormValues) {
  return {
    name: s(v.name),
    ...(s(v.state) ? { state: s(v.state) } : {}),
    chatIds: v.chatIds ?? [],
    autoCreateRoom: !!v.autoCreateRoom,
    roomBaseName: v.autoCreateRoom ? s(v.roomBaseName) : '',
    roomBaseId: v.autoCreateRoom ? (v.roomBaseId ?? 1) : 1,
  };
}

/** Where an error on a body path shows in the form. */
export const groupCodeFieldMap = (path: string) => (/^chatIds\.\d+$/.test(path) ? 'chatIds' : path);

// ── Group welcome templates ───────────────────────────────────────────────────────────────────────

export interface WelcomeFormValues {
  name: string;
  text: string;
  /** At most one: WeCom's group welcome takes a single attachment. */
  attachments: AttachmentForm[];
  notifyStaff: boolean;
}

export const welcomeToForm = (w: GroupWelcome | null): WelcomeFormValues => ({
  name: w?.name ?? '',
  text: w?.text ?? '',
  attachments: w?.attachment ? [attachmentToForm(w.attachment)] : [],
  notifyStaff: w?.notifyStaff ?? true,
});

export function welcomeFormToBody(v: WelcomeFormValues) {
  return { name: s(v.name), text: s(v.text), attachment: attachmentsToBody((v.attachments ?? []).slice(0, 1))[0] ?? null, notifyStaff: !!v.notifyStaff };
}

/** The contract's single `attachment` is the form's first (and only) row. */
export const welcomeFieldMap = (path: string) => (path === 'attachment' ? 'attachments' : path.startsWith('attachment.') ? `attachments.0.${path.slice('attachment.'.length)}` : path);

// ── SOPs ──────────────────────────────────────────────────────────────────────────────────────────

/** "第 3 天 10:00" / "Day 3, 10:00"; day 0 is the anchor's own day. */
export function stepWhen(step: { day: number; time: string }, t: TFunction): string {
  return step.day === 0 ? t('wecom.sop.stepDay0', { time: step.time }) : t('wecom.sop.stepDay', { n: step.day, time: step.time });
}

/** Steps by when they run: day, then time of day (HH:MM sorts as text). */
export function sortSteps<T extends { day: number; time: string }>(steps: T[]): T[] {
  return [...steps].sort((a, b) => a.day - b.day || (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

/** Indexes of steps at the same day and time as an earlier step (the contract refuses two at one moment). */
export function duplicateSteps(steps: ({ day?: number | null; time?: string | null } | undefined)[]): number[] {
  const seen = new Set<string>();
  const out: number[] = [];
  steps.forEach((st, i) => {
    if (!st || st.day === null || st.day === undefined || !st.time) return;
    const key = `${st.day} ${st.time}`;
    if (seen.has(key)) out.push(i);
    seen.add(key);
  });
  return out;
}

export type SopScope = 'all' | 'chats' | 'owners';
export const sopScope = (sop: Pick<GroupSop, 'chatIds' | 'owners'>): SopScope => (sop.chatIds.length ? 'chats' : sop.owners.length ? 'owners' : 'all');

export interface SopStepForm {
  day: number | null;
  time: string;
  text: string;
  attachments: AttachmentForm[];
}

export interface SopFormValues {
  name: string;
  anchor: WecomSopAnchor;
  scope: SopScope;
  chatIds: string[];
  owners: string[];
  steps: SopStepForm[];
  active: boolean;
}

export const newStep = (after?: { day: number | null }): SopStepForm => ({ day: after?.day === null || after?.day === undefined ? 1 : after.day + 1, time: '10:00', text: '', attachments: [] });

export const emptySopForm = (): SopFormValues => ({ name: '', anchor: 'group_created', scope: 'all', chatIds: [], owners: [], steps: [newStep()], active: true });

export const sopToForm = (sop: GroupSop): SopFormValues => ({
  name: sop.name,
  anchor: sop.anchor,
  scope: sopScope(sop),
  chatIds: [...sop.chatIds],
  owners: [...sop.owners],
  steps: sop.steps.map((st) => ({ day: st.day, time: st.time, text: st.text, attachments: st.attachments.map(attachmentToForm) })),
  active: sop.active,
});

/**
 * The contract's body: only the chosen scope's list is sent (both empty = every customer group). Steps keep
 * the form's order, so a server error at steps.N lands on the step the merchant sees as N.
 */
export function sopFormToBody(v: SopFormValues) {
  return {
    name: s(v.name),
    anchor: v.anchor,
    chatIds: v.scope === 'chats' ? (v.chatIds ?? []) : [],
    owners: v.scope === 'owners' ? (v.owners ?? []) : [],
    steps: (v.steps ?? []).map((st) => ({ day: st.day ?? -1, time: st.time ?? '', text: s(st.text), attachments: attachmentsToBody(st.attachments) })),
    active: !!v.active,
  };
}

/** The body PUT takes, from a listed SOP (the list carries the whole SOP): switching it on or off sends it back. */
export const sopBody = (sop: GroupSop) => ({ name: sop.name, anchor: sop.anchor, chatIds: sop.chatIds, owners: sop.owners, steps: sop.steps, active: sop.active });

/** Where an error on a body path shows in the form (lists show one message, not one per entry). */
export function sopFieldMap(path: string): string {
  if (/^chatIds\.\d+$/.test(path)) return 'chatIds';
  if (/^owners\.\d+$/.test(path)) return 'owners';
  return path;
}

/**
 * A step's runs as one stacked bar: sent, skipped, still queued, in percent of all its runs (widths add
 * up to 100; the last takes the rounding).
 */
export function sopSegments(c: SopCounts): { key: keyof SopCounts; n: number; percent: number }[] {
  const total = c.sent + c.skipped + c.queued;
  if (!total) return [];
  const list = (['sent', 'skipped', 'queued'] as const).filter((k) => c[k] > 0).map((key) => ({ key, n: c[key], percent: Math.floor((1000 * c[key]) / total) / 10 }));
  const sum = list.reduce((a, x) => a + x.percent, 0);
  const last = list[list.length - 1]!;
  last.percent = Math.round((last.percent + 100 - sum) * 10) / 10;
  return list;
}

export const sopTotal = (c: SopCounts) => c.sent + c.skipped + c.queued;

/** The counts of each step of an SOP, zero for a step without runs yet. */
export function stepCounts(stepCount: number, rows: ({ stepIndex: number } & SopCounts)[]): SopCounts[] {
  const out = Array.from({ length: stepCount }, () => ({ queued: 0, sent: 0, skipped: 0 }));
  for (const r of rows) if (out[r.stepIndex]) out[r.stepIndex] = { queued: r.queued, sent: r.sent, skipped: r.skipped };
  return out;
}
