import type { TFunction } from '../../lib/i18n';
import type { ChannelCode, ChannelCodeSchedule, CorpTag, Department, StaffMember, SyncRun } from './types';

/** Pure helpers of the WeCom screens (tested in helpers.test.ts). */

export interface DeptNode {
  key: number;
  title: string;
  /** Active members in this department and every one below it. */
  count: number;
  children: DeptNode[];
}

/**
 * The departments as a tree. A department whose parent is not listed is a root: the corp's own root, or
 * the top of what the app is allowed to see (WeCom lists only the visible range).
 */
export function deptTree(departments: Department[], staff: StaffMember[] = []): DeptNode[] {
  const ids = new Set(departments.map((d) => d.id));
  const sorted = [...departments].sort((a, b) => b.order - a.order || a.id - b.id);
  const nodes = new Map<number, DeptNode>(sorted.map((d) => [d.id, { key: d.id, title: d.name, count: 0, children: [] }]));
  const roots: DeptNode[] = [];
  for (const d of sorted) {
    const node = nodes.get(d.id)!;
    if (d.parentId !== d.id && ids.has(d.parentId)) nodes.get(d.parentId)!.children.push(node);
    else roots.push(node);
  }
  const countOf = (n: DeptNode): Set<string> => {
    const members = new Set(staff.filter((s) => s.active && s.departments.includes(n.key)).map((s) => s.userid));
    for (const c of n.children) for (const u of countOf(c)) members.add(u);
    n.count = members.size;
    return members;
  };
  roots.forEach(countOf);
  return roots;
}

/** A department and every department below it (picking a store shows the people of its teams too). */
export function deptAndBelow(departments: Department[], id: number): Set<number> {
  const out = new Set<number>([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const d of departments) {
      if (!out.has(d.id) && out.has(d.parentId)) {
        out.add(d.id);
        grew = true;
      }
    }
  }
  return out;
}

/**
 * How far a staff sync is, 0–100. The job reports steps, not a percentage: members come first (a quarter),
 * corp tags next, and the customers of every member take the rest, member by member.
 */
export function syncPercent(run: Pick<SyncRun, 'status' | 'progress'>): number {
  if (run.status === 'done') return 100;
  const p = run.progress;
  let pct = run.status === 'running' ? 5 : 0;
  if (p.staff !== undefined) pct = 25;
  if (p.tags !== undefined) pct = 35;
  if (p.relationStaffTotal) pct = 35 + Math.floor((65 * (p.relationStaffDone ?? 0)) / p.relationStaffTotal);
  // Only "done" is 100: the last member's customers being in does not mean the run has finished.
  return Math.min(pct, 99);
}

/** WeCom's add_way codes that have a name in the dictionary (wecom.addWay.<n>); others read as "other". */
export const ADD_WAYS = [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 16, 201, 202] as const;
export type AddWay = (typeof ADD_WAYS)[number];
export const addWayKey = (n: number): `wecom.addWay.${AddWay}` | 'wecom.addWay.other' =>
  (ADD_WAYS as readonly number[]).includes(n) ? (`wecom.addWay.${n as AddWay}` as const) : 'wecom.addWay.other';

/** 周一至周五 / Mon–Fri style runs of ISO weekdays (1 = Monday): "1-5", "1,3,6-7". */
export function weekdayRuns(days: number[]): { from: number; to: number }[] {
  const sorted = [...new Set(days)].filter((d) => d >= 1 && d <= 7).sort((a, b) => a - b);
  const runs: { from: number; to: number }[] = [];
  for (const d of sorted) {
    const last = runs[runs.length - 1];
    if (last && last.to === d - 1) last.to = d;
    else runs.push({ from: d, to: d });
  }
  return runs;
}

/** 周一至周五 10:00–18:00: one schedule in words. */
export function scheduleText(s: ChannelCodeSchedule, t: TFunction) {
  const day = (d: number) => t(`wecom.weekday.${d as 1}`);
  const days = weekdayRuns(s.weekdays)
    .map((r) => (r.from === r.to ? day(r.from) : t('wecom.weekdayRange', { from: day(r.from), to: day(r.to) })))
    .join(t('common.listSep'));
  return `${days} ${s.start}–${s.end}`;
}

/** Corp tags by group, groups and tags in the order the server gives them. */
export function tagGroups(tags: CorpTag[]): { groupId: string; groupName: string; tags: CorpTag[] }[] {
  const groups = new Map<string, { groupId: string; groupName: string; tags: CorpTag[] }>();
  for (const tag of tags) {
    const g = groups.get(tag.groupId) ?? { groupId: tag.groupId, groupName: tag.groupName, tags: [] };
    g.tags.push(tag);
    groups.set(tag.groupId, g);
  }
  return [...groups.values()];
}

/** The tags to send to mark_tag so that a relation ends with `wanted`. */
export function tagChanges(current: string[], wanted: string[]): { add: string[]; remove: string[] } {
  const now = new Set(current);
  const next = new Set(wanted);
  return { add: wanted.filter((x) => !now.has(x)), remove: current.filter((x) => !next.has(x)) };
}

// ── The channel-code form ───────────────────────────────────────────────────────────────────────

export type WelcomeAttachment = 'none' | 'coupon' | 'miniprogram';

/** The form's values: a single-member code picks one person, a rotation several; hours as HH:MM text. */
export interface CodeFormValues {
  name: string;
  state: string;
  mode: 'single' | 'rotation';
  single: string | undefined;
  users: string[];
  schedules: { weekdays: number[]; start: string; end: string; single: string | undefined; users: string[] }[];
  backupUserid: string | undefined;
  tagIds: string[];
  skipVerify: boolean;
  welcomeOn: boolean;
  welcomeText: string;
  attachment: WelcomeAttachment;
  couponTemplateId: string | undefined;
  mpAppid: string;
  mpTitle: string;
  mpPage: string;
  mpPicMediaId: string;
}

export const emptyCodeForm = (): CodeFormValues => ({
  name: '',
  state: '',
  mode: 'single',
  single: undefined,
  users: [],
  schedules: [],
  backupUserid: undefined,
  tagIds: [],
  skipVerify: true,
  welcomeOn: false,
  welcomeText: '',
  attachment: 'none',
  couponTemplateId: undefined,
  mpAppid: '',
  mpTitle: '',
  mpPage: '',
  mpPicMediaId: '',
});

export function codeToForm(c: ChannelCode): CodeFormValues {
  const single = c.mode === 'single';
  const w = c.welcome;
  return {
    ...emptyCodeForm(),
    name: c.name,
    state: c.state,
    mode: c.mode,
    single: single ? c.users[0] : undefined,
    users: single ? [] : c.users,
    schedules: c.schedules.map((s) => ({ weekdays: s.weekdays, start: s.start, end: s.end, single: single ? s.users[0] : undefined, users: single ? [] : s.users })),
    backupUserid: c.backupUserid ?? undefined,
    tagIds: c.tagIds,
    skipVerify: c.skipVerify,
    welcomeOn: !!w,
    welcomeText: w?.text ?? '',
    attachment: w?.couponTemplateId ? 'coupon' : w?.miniprogram ? 'miniprogram' : 'none',
    couponTemplateId: w?.couponTemplateId ?? undefined,
    mpAppid: w?.miniprogram?.appid ?? '',
    mpTitle: w?.miniprogram?.title ?? '',
    mpPage: w?.miniprogram?.page ?? '',
    mpPicMediaId: w?.miniprogram?.picMediaId ?? '',
  };
}

const trim = (v: string | undefined | null) => (v ?? '').trim();

/**
 * The request body (ChannelCodeBody) of the form. The server's field paths (users.0, schedules.1.users,
 * welcome.miniprogram) are those of this body; codeFieldMap puts them back on the form's inputs.
 */
export function formToBody(v: CodeFormValues) {
  const single = v.mode === 'single';
  const people = (one: string | undefined, many: string[]) => (single ? (one ? [one] : []) : (many ?? []));
  const schedules: ChannelCodeSchedule[] = (v.schedules ?? []).map((s) => ({ weekdays: [...(s.weekdays ?? [])].sort((a, b) => a - b), start: s.start, end: s.end, users: people(s.single, s.users) }));
  const text = trim(v.welcomeText);
  return {
    name: trim(v.name),
    ...(trim(v.state) ? { state: trim(v.state) } : {}),
    mode: v.mode,
    users: people(v.single, v.users),
    schedules,
    backupUserid: v.backupUserid ?? null,
    tagIds: v.tagIds ?? [],
    skipVerify: v.skipVerify,
    welcome: v.welcomeOn
      ? {
          text,
          couponTemplateId: v.attachment === 'coupon' ? (v.couponTemplateId ?? null) : null,
          miniprogram: v.attachment === 'miniprogram' ? { appid: trim(v.mpAppid), title: trim(v.mpTitle), page: trim(v.mpPage), picMediaId: trim(v.mpPicMediaId) } : null,
        }
      : null,
  };
}

/** Where an error on a body path shows in the form (a single-member code has one picker, not a list). */
export function codeFieldMap(path: string, mode: 'single' | 'rotation'): string {
  const single = mode === 'single';
  let m: RegExpExecArray | null;
  if ((m = /^users(\.\d+)?$/.exec(path))) return single ? 'single' : 'users';
  if ((m = /^schedules\.(\d+)\.users(\.\d+)?$/.exec(path))) return `schedules.${m[1]}.${single ? 'single' : 'users'}`;
  if (path === 'welcome.text') return 'welcomeText';
  if (path === 'welcome.couponTemplateId') return 'couponTemplateId';
  if ((m = /^welcome\.miniprogram\.(appid|title|page|picMediaId)$/.exec(path))) return { appid: 'mpAppid', title: 'mpTitle', page: 'mpPage', picMediaId: 'mpPicMediaId' }[m[1] as 'appid'];
  if (path === 'welcome.miniprogram' || path === 'welcome') return 'attachment';
  return path;
}
