import { describe, expect, it } from 'vitest';
import { ChannelCodeBody } from '@siyu/contracts';
import { en, zh, type MessageKey } from '../../lib/dict';
import { codeFunnelOption } from './charts';
import { addWayKey, codeFieldMap, codeToForm, deptAndBelow, deptTree, emptyCodeForm, formToBody, scheduleText, syncPercent, tagChanges, tagGroups, weekdayRuns } from './helpers';
import type { ChannelCode, Department, StaffMember } from './types';

// i18n.tsx reads localStorage when imported; the dictionaries are enough here.
const translate = (lang: 'zh-CN' | 'en-US', key: MessageKey, vars?: Record<string, string | number>) =>
  Object.entries(vars ?? {}).reduce((s, [k, v]) => s.replaceAll(`{${k}}`, String(v)), (lang === 'zh-CN' ? zh : en)[key]);

const depts: Department[] = [
  { id: 1, name: '私域好物', parentId: 0, order: 100 },
  { id: 2, name: '南京西路店', parentId: 1, order: 50 },
  { id: 3, name: '静安寺店', parentId: 1, order: 90 },
  { id: 4, name: '静安寺店·美妆', parentId: 3, order: 1 },
];
const member = (userid: string, departments: number[], active = true): StaffMember => ({ userid, name: userid, departments, position: '', status: active ? 1 : 5, active, canContact: true, leftAt: null, customers: 0 });

describe('departments', () => {
  it('builds the tree with larger WeCom order first and counts active members below each node once', () => {
    const tree = deptTree(depts, [member('a', [2]), member('b', [3, 4]), member('c', [4]), member('gone', [4], false)]);
    expect(tree).toHaveLength(1);
    expect(tree[0]!.count).toBe(3);
    expect(tree[0]!.children.map((c) => c.title)).toEqual(['静安寺店', '南京西路店']);
    const jingan = tree[0]!.children[0]!;
    expect(jingan.count).toBe(2);
    expect(jingan.children[0]).toMatchObject({ key: 4, count: 2 });
  });

  it('treats a department whose parent is outside the visible range as a root', () => {
    expect(deptTree(depts.slice(2)).map((d) => d.key)).toEqual([3]);
  });

  it('lists a department and everything under it', () => {
    expect([...deptAndBelow(depts, 3)].sort()).toEqual([3, 4]);
    expect(deptAndBelow(depts, 1).size).toBe(4);
    expect([...deptAndBelow(depts, 2)]).toEqual([2]);
  });
});

describe('sync progress', () => {
  it('moves through members, tags and each member’s customers, and reaches 100 only when done', () => {
    expect(syncPercent({ status: 'queued', progress: {} })).toBe(0);
    expect(syncPercent({ status: 'running', progress: {} })).toBe(5);
    expect(syncPercent({ status: 'running', progress: { staff: 6, departments: 3 } })).toBe(25);
    expect(syncPercent({ status: 'running', progress: { staff: 6, tags: 4 } })).toBe(35);
    expect(syncPercent({ status: 'running', progress: { staff: 6, tags: 4, relationStaffDone: 50, relationStaffTotal: 100 } })).toBe(67);
    expect(syncPercent({ status: 'running', progress: { relationStaffDone: 100, relationStaffTotal: 100 } })).toBe(99);
    expect(syncPercent({ status: 'done', progress: {} })).toBe(100);
  });
});

describe('small labels', () => {
  it('names known add ways and falls back for others', () => {
    expect(addWayKey(1)).toBe('wecom.addWay.1');
    expect(addWayKey(202)).toBe('wecom.addWay.202');
    expect(addWayKey(14)).toBe('wecom.addWay.other');
  });

  it('joins consecutive weekdays into runs', () => {
    expect(weekdayRuns([5, 1, 2, 3, 4])).toEqual([{ from: 1, to: 5 }]);
    expect(weekdayRuns([7, 1, 3, 6, 3])).toEqual([{ from: 1, to: 1 }, { from: 3, to: 3 }, { from: 6, to: 7 }]);
    expect(weekdayRuns([0, 8])).toEqual([]);
  });

  it('says a schedule in words, in both languages', () => {
    const s = { weekdays: [1, 2, 3, 4, 5, 7], start: '09:00', end: '18:00', users: [] };
    expect(scheduleText(s, (k, v) => translate('zh-CN', k, v))).toBe('周一至周五,周日 09:00–18:00');
    expect(scheduleText(s, (k, v) => translate('en-US', k, v))).toBe('Mon–Fri, Sun 09:00–18:00');
  });

  it('draws the funnel from adds down to first orders, in that order', () => {
    const stats = { id: 'c', name: 'n', state: 's', deleted: false, adds: 9, deletions: 2, deletedByStaff: 1, deletedByCustomer: 1, activeContacts: 7, linkedCustomers: 5, buyers: 3, firstOrders: 2, orders: 4, revenueFen: 100 };
    const option = codeFunnelOption(stats, (k, v) => translate('zh-CN', k, v)) as { yAxis: { data: string[] }; series: { data: { value: number }[] }[] };
    expect(option.yAxis.data).toEqual(['添加', '仍是好友', '关联店铺客户', '下单客户', '首单']);
    expect(option.series[0]!.data.map((d) => d.value)).toEqual([9, 7, 5, 3, 2]);
  });

  it('groups corp tags and computes the mark_tag change to reach a wanted set', () => {
    const g = tagGroups([
      { id: 't1', groupId: 'g1', groupName: '等级', name: '金卡' },
      { id: 't2', groupId: 'g2', groupName: '来源', name: '门店' },
      { id: 't3', groupId: 'g1', groupName: '等级', name: '银卡' },
    ]);
    expect(g.map((x) => [x.groupName, x.tags.map((t) => t.id)])).toEqual([['等级', ['t1', 't3']], ['来源', ['t2']]]);
    expect(tagChanges(['a', 'b'], ['b', 'c'])).toEqual({ add: ['c'], remove: ['a'] });
    expect(tagChanges([], [])).toEqual({ add: [], remove: [] });
  });
});

describe('channel-code form', () => {
  const code: ChannelCode = {
    id: 'c1', name: '门店前台', state: 'store-front', configId: 'cfg', qrCode: 'https://x/qr.png', mode: 'single', users: ['zhangsan'],
    schedules: [{ weekdays: [6, 7], start: '10:00', end: '18:00', users: ['lisi'] }], backupUserid: 'wangwu', currentUsers: ['zhangsan'], tagIds: ['t1'],
    skipVerify: true, welcome: { text: '欢迎光临', couponTemplateId: '7d7c1c8e-6a43-4a4c-9f63-0d2b1c1f2a11', miniprogram: null }, createdAt: '', updatedAt: '',
  };

  it('round-trips a single-member code with a schedule and a coupon, and the body meets the contract', () => {
    const body = formToBody(codeToForm(code));
    expect(body).toEqual({
      name: '门店前台', state: 'store-front', mode: 'single', users: ['zhangsan'], schedules: [{ weekdays: [6, 7], start: '10:00', end: '18:00', users: ['lisi'] }],
      backupUserid: 'wangwu', tagIds: ['t1'], skipVerify: true, welcome: { text: '欢迎光临', couponTemplateId: code.welcome!.couponTemplateId, miniprogram: null },
    });
    expect(ChannelCodeBody.safeParse(body).success).toBe(true);
  });

  it('leaves the state out when blank (the server makes one), sends no welcome when off, and a rotation’s people as a list', () => {
    const body = formToBody({ ...emptyCodeForm(), name: ' 朋友圈 ', mode: 'rotation', users: ['a', 'b'], single: 'ignored', welcomeText: 'hi', attachment: 'coupon', couponTemplateId: 'x' });
    expect(body).toEqual({ name: '朋友圈', mode: 'rotation', users: ['a', 'b'], schedules: [], backupUserid: null, tagIds: [], skipVerify: true, welcome: null });
    expect('state' in body).toBe(false);
  });

  it('sends only the chosen attachment', () => {
    const v = { ...emptyCodeForm(), name: 'n', single: 'a', welcomeOn: true, welcomeText: 'hi', attachment: 'miniprogram' as const, couponTemplateId: 'x', mpAppid: 'wx0123456789abcdef', mpTitle: '商城', mpPage: 'pages/index', mpPicMediaId: 'm1' };
    expect(formToBody(v).welcome).toEqual({ text: 'hi', couponTemplateId: null, miniprogram: { appid: 'wx0123456789abcdef', title: '商城', page: 'pages/index', picMediaId: 'm1' } });
  });

  it('puts server field paths on the form inputs', () => {
    expect(codeFieldMap('users.0', 'single')).toBe('single');
    expect(codeFieldMap('users.2', 'rotation')).toBe('users');
    expect(codeFieldMap('schedules.1.users.0', 'single')).toBe('schedules.1.single');
    expect(codeFieldMap('schedules.1.users', 'rotation')).toBe('schedules.1.users');
    expect(codeFieldMap('welcome.couponTemplateId', 'single')).toBe('couponTemplateId');
    expect(codeFieldMap('welcome.miniprogram.appid', 'single')).toBe('mpAppid');
    expect(codeFieldMap('welcome.miniprogram', 'single')).toBe('attachment');
    expect(codeFieldMap('state', 'single')).toBe('state');
  });
});
