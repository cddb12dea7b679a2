import { describe, expect, it } from 'vitest';
import { WECOM_HANDOVER_CUSTOMER_STATES, WECOM_HANDOVER_REFUSALS, WECOM_REMINDER_STATUSES, WECOM_REMINDER_VARIABLES, WECOM_TODO_STATUSES, WecomMassTaskBody, WecomMomentBody, WecomReminderRuleBody } from '@siyu/contracts';
import { en, zh, type MessageKey } from '../../lib/dict';
import {
  UNIT_DAYS, attachmentLabel, attachmentsToBody, delayParts, emptyMassForm, handoverSegments, handoverSettled, massFieldMap, massFormToBody, massReach, matchesSearch, percentOf, reasonParts,
  renderTemplate, splitRefusals,
} from './helpers-reach';
import type { HandoverCounts } from './types-reach';

const counts = (c: Partial<HandoverCounts>): HandoverCounts => {
  const base = { requested: 0, waiting: 0, done: 0, refused: 0, limit: 0, failed: 0, ...c };
  return { ...base, total: base.requested + base.waiting + base.done + base.refused + base.limit + base.failed };
};

describe('attachments', () => {
  it('sends only the chosen kind’s fields, trimmed, and leaves a link’s empty optional fields out', () => {
    const body = attachmentsToBody([
      { type: 'image', picUrl: ' https://cdn.example.com/a/poster.png?x=1 ', title: 'left over from a link' },
      { type: 'link', title: ' 双十二会场 ', url: 'https://shop.example.com/s/x', picUrl: '', desc: '  ' },
      { type: 'miniprogram', appid: 'wx1234567890abcdef', title: '领券', page: 'pages/index/index', picMediaId: 'MEDIA' },
    ]);
    expect(body).toEqual([
      { type: 'image', picUrl: 'https://cdn.example.com/a/poster.png?x=1' },
      { type: 'link', title: '双十二会场', url: 'https://shop.example.com/s/x' },
      { type: 'miniprogram', appid: 'wx1234567890abcdef', title: '领券', page: 'pages/index/index', picMediaId: 'MEDIA' },
    ]);
    expect(WecomMomentBody.safeParse({ attachments: body }).success).toBe(true);
    expect(body.map(attachmentLabel)).toEqual(['poster.png', '双十二会场', '领券']);
  });

  it('lets the contract refuse a tenth attachment', () => {
    const ten = attachmentsToBody(Array.from({ length: 10 }, () => ({ type: 'image' as const, picUrl: 'https://cdn.example.com/p.png' })));
    const r = WecomMomentBody.safeParse({ attachments: ten });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['attachments']);
  });
});

describe('mass task form', () => {
  it('builds each audience the contract takes, now or at a time', () => {
    const tags = massFormToBody({ ...emptyMassForm(), name: ' 双十二预热 ', tagIds: ['et1'], text: '早鸟价明天截止' });
    expect(tags).toMatchObject({ name: '双十二预热', audience: { kind: 'tags', tagIds: ['et1'] }, sendAt: null });
    expect(WecomMassTaskBody.safeParse(tags).success).toBe(true);

    const at = '2026-12-12T02:00:00.000Z';
    const seg = massFormToBody({ ...emptyMassForm(), name: 'x', audienceKind: 'segment', groupId: '7b0c1a0e-4d7e-4a43-9d0f-2f1b5d1f5a11', text: 'hi', when: 'later', sendAt: at });
    expect(seg.audience).toEqual({ kind: 'segment', groupId: '7b0c1a0e-4d7e-4a43-9d0f-2f1b5d1f5a11' });
    expect(seg.sendAt).toBe(at);
    // A time left in the form after switching back to "now" is not sent.
    expect(massFormToBody({ ...emptyMassForm(), when: 'now', sendAt: at }).sendAt).toBeNull();

    const groups = massFormToBody({ ...emptyMassForm(), name: 'x', audienceKind: 'groups', tagIds: ['stale'], text: 'hi' });
    expect(groups.audience).toEqual({ kind: 'groups' });
    const r = WecomMassTaskBody.safeParse(groups);
    expect(r.success).toBe(false);
    expect(massFieldMap(r.error!.issues[0]!.path.join('.'))).toBe('senders');
  });

  it('puts the server’s audience paths on the form’s fields', () => {
    expect(massFieldMap('audience.tagIds.3')).toBe('tagIds');
    expect(massFieldMap('audience.groupId')).toBe('groupId');
    expect(massFieldMap('senders.0')).toBe('senders');
    expect(massFieldMap('attachments.2.url')).toBe('attachments.2.url');
  });

  it('splits left-out reasons into a dictionary key and its argument', () => {
    expect(reasonParts('monthly_cap:31')).toEqual({ key: 'monthly_cap', arg: '31' });
    expect(reasonParts('opted_out:promotion')).toEqual({ key: 'opted_out', arg: 'promotion' });
    expect(reasonParts('budget:weekly.wecom')).toEqual({ key: 'budget', arg: 'weekly.wecom' });
    expect(reasonParts('wecom:41048')).toEqual({ key: 'wecom', arg: '41048' });
    expect(reasonParts('wecom_refused')).toEqual({ key: 'wecom_refused', arg: '' });
    expect(reasonParts('something:new')).toEqual({ key: 'unknown', arg: 'something:new' });
  });

  it('counts reach against those it tried, not those left out', () => {
    expect(massReach({ total: 10, excluded: 4, pending: 1, sent: 3, notFriend: 1, receivedOther: 1, unconfirmed: 0 })).toEqual({ tried: 6, sent: 3, percent: 50 });
    expect(percentOf(0, 0)).toBe(0);
    expect(percentOf(1, 3)).toBe(33);
  });
});

describe('handover', () => {
  it('draws settled states first and fills exactly 100% whatever the rounding', () => {
    const c = counts({ done: 1, refused: 1, limit: 1, waiting: 0, requested: 0 });
    const segs = handoverSegments(c);
    expect(segs.map((s) => s.state)).toEqual(['done', 'refused', 'limit']);
    expect(segs.reduce((a, s) => a + s.percent, 0)).toBeCloseTo(100, 5);
    expect(handoverSegments(counts({}))).toEqual([]);
    const odd = handoverSegments(counts({ done: 2, waiting: 5, requested: 100 }));
    expect(odd.map((s) => s.state)).toEqual(['done', 'waiting', 'requested']);
    expect(odd.reduce((a, s) => a + s.percent, 0)).toBeCloseTo(100, 5);
    expect(handoverSettled(counts({ done: 2, refused: 1, limit: 1, failed: 1, waiting: 3 }))).toBe(5);
  });

  it('keeps customer and group refusals apart and searches names, remarks and ids', () => {
    const r = splitRefusals([{ reason: 'transfer_limit', externalUserid: 'wm1' }, { reason: 'not_owner', chatId: 'wr1' }]);
    expect(r.customers).toHaveLength(1);
    expect(r.groups).toHaveLength(1);
    expect(matchesSearch({ name: '林小满', remark: '金卡', externalUserid: 'wmABC' }, '金')).toBe(true);
    expect(matchesSearch({ name: null, externalUserid: 'wmABC' }, 'abc')).toBe(true);
    expect(matchesSearch({ name: '周周', externalUserid: 'wmX' }, '林')).toBe(false);
    expect(matchesSearch({ name: '周周', externalUserid: 'wmX' }, '  ')).toBe(true);
  });
});

describe('reminder rules', () => {
  it('says a delay in months or weeks when it divides, and turns it back into days', () => {
    expect(delayParts(90)).toEqual({ n: 3, unit: 'month' });
    expect(delayParts(14)).toEqual({ n: 2, unit: 'week' });
    expect(delayParts(10)).toEqual({ n: 10, unit: 'day' });
    expect(delayParts(0)).toEqual({ n: 0, unit: 'day' });
    for (const days of [0, 1, 7, 30, 90, 365, 730]) {
      const d = delayParts(days);
      expect(d.n * UNIT_DAYS[d.unit]).toBe(days);
    }
  });

  it('previews the text as it will be sent, and only the contract’s variables are accepted', () => {
    expect(renderTemplate('{{name}} 您好,{{ product }} 已购 3 个月,{{unknown}}', { name: '林小满', product: '镜片' })).toBe('林小满 您好,镜片 已购 3 个月,');
    const rule = { name: '清洗', event: 'order.paid', delayDays: 90, title: '邀约清洗', text: WECOM_REMINDER_VARIABLES.map((v) => `{{${v}}}`).join(' ') };
    expect(WecomReminderRuleBody.safeParse(rule).success).toBe(true);
    expect(WecomReminderRuleBody.safeParse({ ...rule, text: '{{phone}}' }).success).toBe(false);
  });
});

describe('dictionary', () => {
  it('names every state, status, reason and variable the screens look up by value, in both languages', () => {
    const keys: string[] = [
      ...WECOM_HANDOVER_CUSTOMER_STATES.map((s) => `wecom.ho.state.${s}`),
      ...WECOM_HANDOVER_REFUSALS.map((s) => `wecom.ho.refusal.${s}`),
      ...WECOM_REMINDER_STATUSES.map((s) => `wecom.rem.status.${s}`),
      ...WECOM_TODO_STATUSES.map((s) => `wecom.rem.todo.${s}`),
      ...WECOM_REMINDER_VARIABLES.map((s) => `wecom.rem.var.${s}`),
      ...['monthly_cap', 'opted_out', 'budget', 'wecom_refused', 'wecom', 'unknown'].map((s) => `wecom.mass.reason.${s}`),
      ...['no_active_relation', 'wecom_not_connected', 'wecom_app_missing', 'staff_unavailable', 'cancelled', 'rule_deleted'].map((s) => `wecom.rem.skip.${s}`),
    ];
    for (const k of keys) {
      expect(zh[k as MessageKey], k).toBeTruthy();
      expect(en[k as MessageKey], k).toBeTruthy();
    }
  });
});
