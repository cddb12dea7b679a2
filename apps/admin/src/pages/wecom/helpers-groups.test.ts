import { describe, expect, it } from 'vitest';
import { WECOM_SOP_ANCHORS, WecomGroupCodeBody, WecomGroupWelcomeBody, WecomSopBody } from '@siyu/contracts';
import { en, zh, ZH_CONTRACT_MESSAGES, type MessageKey } from '../../lib/dict';
import type { TFunction } from '../../lib/i18n';
import { groupsTrendOption } from './charts-groups';
import {
  GROUP_STATUSES, JOIN_SCENES, attachmentToForm, duplicateSteps, emptyGroupCodeForm, emptySopForm, fillDays, fillPercent, groupCodeFieldMap, groupCodeFormToBody, groupCodeToForm, groupStatusKey,
  groupSyncPercent, joinSceneKey, newStep, sopBody, sopFieldMap, sopFormToBody, sopScope, sopSegments, sopToForm, sortSteps, stepCounts, stepWhen, welcomeFieldMap, welcomeFormToBody, welcomeToForm,
} from './helpers-groups';
import type { GroupCode, GroupSop, GroupWelcome } from './types-groups';

// i18n.tsx reads localStorage when imported; the dictionaries are enough here.
const tr = (lang: 'zh-CN' | 'en-US'): TFunction => (key: MessageKey, vars?: Record<string, string | number>) =>
  Object.entries(vars ?? {}).reduce((s, [k, v]) => s.replaceAll(`{${k}}`, String(v)), (lang === 'zh-CN' ? zh : en)[key]);
const zhT = tr('zh-CN');
const enT = tr('en-US');

const sop = (over: Partial<GroupSop> = {}): GroupSop => ({
  id: 's1',
  name: '新人群 7 天培育',
  anchor: 'group_created',
  chatIds: [],
  chats: [],
  owners: [],
  steps: [
    { day: 0, time: '20:00', text: '欢迎进群,群公告里有新人券', attachments: [] },
    { day: 3, time: '10:00', text: '', attachments: [{ type: 'link', title: '本周上新', url: 'https://shop.example.com/s/x/new' }] },
  ],
  active: true,
  createdAt: '2026-12-01T02:00:00.000Z',
  counts: { queued: 0, sent: 0, skipped: 0 },
  ...over,
});

describe('steps', () => {
  it('says when a step runs, the anchor’s own day as 当天', () => {
    expect(stepWhen({ day: 3, time: '10:00' }, zhT)).toBe('第 3 天 10:00');
    expect(stepWhen({ day: 0, time: '20:00' }, zhT)).toBe('当天 20:00');
    expect(stepWhen({ day: 3, time: '10:00' }, enT)).toBe('Day 3, 10:00');
  });

  it('sorts by day and then time of day, and finds two steps at one moment', () => {
    const steps = [
      { day: 3, time: '10:00' },
      { day: 1, time: '21:30' },
      { day: 1, time: '09:05' },
    ];
    expect(sortSteps(steps)).toEqual([steps[2], steps[1], steps[0]]);
    expect(sortSteps(steps)).not.toBe(steps);
    expect(duplicateSteps([{ day: 1, time: '10:00' }, { day: 2, time: '10:00' }, { day: 1, time: '10:00' }, undefined, { day: null, time: '10:00' }])).toEqual([2]);
    expect(duplicateSteps([])).toEqual([]);
  });

  it('adds the next step a day after the last', () => {
    expect(newStep({ day: 3 })).toMatchObject({ day: 4, time: '10:00' });
    expect(newStep()).toMatchObject({ day: 1 });
    expect(newStep({ day: null })).toMatchObject({ day: 1 });
  });

  it('counts each step, zero where no run reached it yet, and ignores a step index the SOP no longer has', () => {
    expect(stepCounts(3, [{ stepIndex: 1, queued: 2, sent: 1, skipped: 0 }, { stepIndex: 7, queued: 9, sent: 9, skipped: 9 }])).toEqual([
      { queued: 0, sent: 0, skipped: 0 },
      { queued: 2, sent: 1, skipped: 0 },
      { queued: 0, sent: 0, skipped: 0 },
    ]);
  });

  it('draws a step’s bar in segments that add up to 100', () => {
    expect(sopSegments({ queued: 0, sent: 0, skipped: 0 })).toEqual([]);
    const segs = sopSegments({ queued: 1, sent: 1, skipped: 1 });
    expect(segs.map((s) => s.key)).toEqual(['sent', 'skipped', 'queued']);
    expect(segs.reduce((a, s) => a + s.percent, 0)).toBeCloseTo(100, 5);
    expect(sopSegments({ queued: 0, sent: 4, skipped: 0 })).toEqual([{ key: 'sent', n: 4, percent: 100 }]);
  });
});

describe('SOP form', () => {
  it('makes a body the contract takes from the empty form once named and written', () => {
    const v = emptySopForm();
    v.name = ' 新人群 ';
    v.steps[0]!.text = ' 欢迎 ';
    const body = sopFormToBody(v);
    expect(body).toEqual({ name: '新人群', anchor: 'group_created', chatIds: [], owners: [], steps: [{ day: 1, time: '10:00', text: '欢迎', attachments: [] }], active: true });
    expect(WecomSopBody.safeParse(body).success).toBe(true);
  });

  it('sends only the chosen scope’s list', () => {
    const v = { ...emptySopForm(), name: 'x', chatIds: ['wrA'], owners: ['zhangsan'], steps: [{ ...newStep(), text: 'hi' }] };
    expect(sopFormToBody({ ...v, scope: 'chats' })).toMatchObject({ chatIds: ['wrA'], owners: [] });
    expect(sopFormToBody({ ...v, scope: 'owners' })).toMatchObject({ chatIds: [], owners: ['zhangsan'] });
    expect(sopFormToBody({ ...v, scope: 'all' })).toMatchObject({ chatIds: [], owners: [] });
  });

  it('round-trips a saved SOP through the form', () => {
    const saved = sop({ owners: ['lisi'] });
    const form = sopToForm(saved);
    expect(form.scope).toBe('owners');
    expect(form.steps[1]!.attachments[0]).toMatchObject({ type: 'link', title: '本周上新', url: 'https://shop.example.com/s/x/new' });
    expect(sopFormToBody(form)).toEqual(sopBody(saved));
    expect(WecomSopBody.safeParse(sopBody(saved)).success).toBe(true);
  });

  it('lets the contract refuse an empty step and two at one moment, where the form shows them', () => {
    const empty = WecomSopBody.safeParse(sopFormToBody({ ...emptySopForm(), name: 'x' }));
    expect(empty.success).toBe(false);
    expect(sopFieldMap(empty.error!.issues[0]!.path.join('.'))).toBe('steps.0.text');
    const twice = WecomSopBody.safeParse(sopFormToBody({ ...emptySopForm(), name: 'x', steps: [{ ...newStep(), text: 'a' }, { ...newStep(), text: 'b' }] }));
    expect(twice.success).toBe(false);
    expect(twice.error!.issues[0]!.path).toEqual(['steps']);
    // A missing day is sent as one the contract refuses, not quietly as day 0.
    const noDay = WecomSopBody.safeParse(sopFormToBody({ ...emptySopForm(), name: 'x', steps: [{ day: null, time: '10:00', text: 'a', attachments: [] }] }));
    expect(noDay.error!.issues[0]!.path).toEqual(['steps', 0, 'day']);
    expect(sopFieldMap('chatIds.4')).toBe('chatIds');
    expect(sopFieldMap('owners.0')).toBe('owners');
  });

  it('names the scope of a saved SOP', () => {
    expect(sopScope({ chatIds: [], owners: [] })).toBe('all');
    expect(sopScope({ chatIds: ['wrA'], owners: [] })).toBe('chats');
    expect(sopScope({ chatIds: [], owners: ['u'] })).toBe('owners');
  });
});

describe('group code form', () => {
  const code: GroupCode = {
    id: 'c1',
    name: '收银台福利群',
    state: 'cashier',
    chatIds: ['wrA', 'wrB'],
    chats: [],
    autoCreateRoom: true,
    roomBaseName: '福利群',
    roomBaseId: 3,
    configId: 'cfg',
    qrCode: 'https://example.com/qr.png',
    createdAt: '2026-12-01T00:00:00.000Z',
  };

  it('leaves an empty state out so the server makes one, and keeps the room name only when on', () => {
    const body = groupCodeFormToBody({ ...emptyGroupCodeForm(), name: ' 门店群 ', chatIds: ['wrA'], roomBaseName: ' 福利群 ' });
    expect(body).toEqual({ name: '门店群', chatIds: ['wrA'], autoCreateRoom: true, roomBaseName: '福利群', roomBaseId: 1 });
    expect(WecomGroupCodeBody.safeParse(body).success).toBe(true);
    const off = groupCodeFormToBody({ ...emptyGroupCodeForm(), name: 'x', state: ' s_1 ', chatIds: ['wrA'], autoCreateRoom: false, roomBaseName: 'left over', roomBaseId: 9 });
    expect(off).toMatchObject({ state: 's_1', autoCreateRoom: false, roomBaseName: '', roomBaseId: 1 });
    expect(WecomGroupCodeBody.safeParse(off).success).toBe(true);
  });

  it('round-trips a saved code, and puts a list error on the picker', () => {
    expect(groupCodeFormToBody(groupCodeToForm(code))).toEqual({ name: code.name, state: 'cashier', chatIds: ['wrA', 'wrB'], autoCreateRoom: true, roomBaseName: '福利群', roomBaseId: 3 });
    const twice = WecomGroupCodeBody.safeParse(groupCodeFormToBody({ ...groupCodeToForm(code), chatIds: ['wrA', 'wrA'] }));
    expect(twice.success).toBe(false);
    expect(groupCodeFieldMap(twice.error!.issues[0]!.path.join('.'))).toBe('chatIds');
    expect(groupCodeFieldMap('chatIds.5')).toBe('chatIds');
    const noName = WecomGroupCodeBody.safeParse(groupCodeFormToBody({ ...groupCodeToForm(code), roomBaseName: ' ' }));
    expect(noName.error!.issues[0]!.path).toEqual(['roomBaseName']);
  });
});

describe('group welcome form', () => {
  const w: GroupWelcome = {
    id: 'w1',
    name: '福利群欢迎语',
    templateId: 'msgXYZ',
    text: '欢迎 %NICKNAME%',
    attachment: { type: 'miniprogram', appid: 'wx1234567890abcdef', title: '领券', page: 'pages/index/index', picMediaId: 'MEDIA' },
    notifyStaff: false,
    createdAt: '2026-12-01T00:00:00.000Z',
    updatedAt: '2026-12-01T00:00:00.000Z',
  };

  it('sends the one attachment, or null, and round-trips a saved one', () => {
    expect(welcomeFormToBody(welcomeToForm(w))).toEqual({ name: w.name, text: w.text, attachment: w.attachment, notifyStaff: false });
    const fresh = welcomeToForm(null);
    expect(fresh).toEqual({ name: '', text: '', attachments: [], notifyStaff: true });
    const body = welcomeFormToBody({ ...fresh, name: 'x', attachments: [{ type: 'image', picUrl: 'https://cdn.example.com/a.png' }, { type: 'image', picUrl: 'https://cdn.example.com/b.png' }] });
    expect(body.attachment).toEqual({ type: 'image', picUrl: 'https://cdn.example.com/a.png' });
    expect(WecomGroupWelcomeBody.safeParse(body).success).toBe(true);
  });

  it('puts errors of the single attachment on the form’s first row', () => {
    const r = WecomGroupWelcomeBody.safeParse(welcomeFormToBody({ ...welcomeToForm(null), name: 'x' }));
    expect(r.error!.issues[0]!.path).toEqual(['text']);
    expect(welcomeFieldMap('attachment.url')).toBe('attachments.0.url');
    expect(welcomeFieldMap('attachment')).toBe('attachments');
    expect(welcomeFieldMap('text')).toBe('text');
  });

  it('keeps a link’s optional fields as the form shows them', () => {
    expect(attachmentToForm({ type: 'link', title: 't', url: 'https://x.example.com' })).toEqual({ type: 'link', title: 't', url: 'https://x.example.com', picUrl: '', desc: '' });
    expect(attachmentToForm({ type: 'image', picUrl: 'https://x.example.com/p.png' })).toEqual({ type: 'image', picUrl: 'https://x.example.com/p.png' });
  });
});

describe('groups', () => {
  it('fills the quiet days of a range with zeros', () => {
    const days = fillDays([{ day: '2026-11-29', joined: 2, left: 1 }, { day: '2026-12-02', joined: 1, left: 0 }], { joined: 0, left: 0 }, '2026-11-29', '2026-12-02');
    expect(days.map((d) => d.day)).toEqual(['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02']);
    expect(days.map((d) => d.joined)).toEqual([2, 0, 0, 1]);
    expect(fillDays<{ day: string; joins: number }>([], { joins: 0 }, '2026-12-02', '2026-12-01')).toEqual([]);
  });

  it('draws leaves below the axis and the net as a line', () => {
    const opt = groupsTrendOption([{ day: '2026-12-01', joined: 5, left: 2 }], zhT) as { series: { name: string; data: number[] }[]; xAxis: { data: string[] } };
    expect(opt.xAxis.data).toEqual(['12-01']);
    expect(opt.series.map((s) => [s.name, s.data[0]])).toEqual([['入群', 5], ['退群', -2], ['净增', 3]]);
  });

  it('counts a sync’s staff part in the first 70 and its groups in the rest; only done is 100', () => {
    expect(groupSyncPercent({ status: 'queued', progress: {} })).toBe(0);
    expect(groupSyncPercent({ status: 'running', progress: {} })).toBe(3);
    expect(groupSyncPercent({ status: 'running', progress: { staff: 6, tags: 3, relationStaffDone: 3, relationStaffTotal: 6 } })).toBe(46);
    expect(groupSyncPercent({ status: 'running', progress: { staff: 6, tags: 3, relationStaffDone: 6, relationStaffTotal: 6, relations: 10 } })).toBe(70);
    expect(groupSyncPercent({ status: 'running', progress: { relations: 10, groupsDone: 50, groupsTotal: 100 } })).toBe(84);
    expect(groupSyncPercent({ status: 'running', progress: { relations: 10, groupsDone: 100, groupsTotal: 100 } })).toBe(99);
    expect(groupSyncPercent({ status: 'done', progress: {} })).toBe(100);
  });

  it('caps a group’s fill at 200 QR members', () => {
    expect(fillPercent(50)).toBe(25);
    expect(fillPercent(230)).toBe(100);
  });

  it('names join scenes and statuses, an unknown one as other', () => {
    expect(zhT(joinSceneKey(3))).toBe('扫描群二维码入群');
    expect(joinSceneKey(9)).toBe('wecom.grp.scene.other');
    expect(joinSceneKey(null)).toBe('wecom.grp.scene.other');
    expect(zhT(groupStatusKey(1))).toBe('群主已离职');
  });
});

describe('dictionary', () => {
  it('has every group key in both languages, none left empty in Chinese', () => {
    const keys = [...JOIN_SCENES.map((n) => joinSceneKey(n)), ...GROUP_STATUSES.map(groupStatusKey), 'wecom.sop.run.queued', 'wecom.sop.run.sent', 'wecom.sop.run.skipped'] as MessageKey[];
    for (const k of keys) {
      expect(zh[k], k).toBeTruthy();
      expect(en[k], k).toBeTruthy();
    }
    const groupKeys = Object.keys(zh).filter((k) => /^(wecom\.(grp|gcode|gwel|sop)\.|nav\.wecomGroup)/.test(k)) as MessageKey[];
    expect(groupKeys.length).toBeGreaterThan(100);
    for (const k of groupKeys) expect(zh[k].trim(), k).not.toBe('');
  });

  it('puts the contract’s own messages in Chinese', () => {
    for (const r of [
      WecomSopBody.safeParse({ ...sopBody(sop()), steps: [sop().steps[0], sop().steps[0]] }),
      WecomGroupCodeBody.safeParse({ name: 'x', chatIds: ['a', 'a'], autoCreateRoom: false }),
      WecomGroupCodeBody.safeParse({ name: 'x', chatIds: ['a'] }),
      WecomGroupWelcomeBody.safeParse({ name: 'x' }),
    ]) {
      expect(r.success).toBe(false);
      expect(ZH_CONTRACT_MESSAGES[r.error!.issues[0]!.message], r.error!.issues[0]!.message).toBeTruthy();
    }
  });

  it('knows both anchors', () => {
    expect(WECOM_SOP_ANCHORS).toEqual(['group_created', 'member_joined']);
  });
});
