import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DAY, HOUR, startReceiver, startSandbox, type Receiver, type Sandbox } from './test-support.js';

let sb: Sandbox;
let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
  sb = await startSandbox();
});
afterAll(async () => {
  await sb.close();
  await rx.close();
});
beforeEach(() => expect(rx.problems).toEqual([]));

interface Setup {
  corp: string;
  token: string;
  customers: string[];
}

/** A corp pushing to the receiver, with `n` customers of zhangsan's. */
async function setup(n: number): Promise<Setup> {
  const corp = await sb.newCorp();
  expect((await sb.sim(`/corps/${corp}/callback`, { url: rx.url })).status).toBe(200);
  const token = await sb.token(corp);
  const customers: string[] = [];
  for (let i = 0; i < n; i++) {
    const ext = (await sb.sim(`/corps/${corp}/customers`, { name: `客户${i}` })).body.external_userid as string;
    await sb.sim(`/corps/${corp}/add`, { userid: 'zhangsan', external_userid: ext });
    customers.push(ext);
  }
  return { corp, token, customers };
}

const advance = (corp: string, ms: number) => sb.sim(`/corps/${corp}/clock`, { advanceMs: ms });

describe('on-job transfers (在职继承)', () => {
  it('refuses more than 100 customers in one call (40058), and answers per customer', async () => {
    const { token, customers } = await setup(1);
    const many = Array.from({ length: 101 }, (_, i) => `wm${i}`);
    expect(await sb.post('/cgi-bin/externalcontact/transfer_customer', { handover_userid: 'zhangsan', takeover_userid: 'lisi', external_userid: many }, { access_token: token })).toMatchObject({ errcode: 40058 });
    const r = await sb.post('/cgi-bin/externalcontact/transfer_customer', { handover_userid: 'zhangsan', takeover_userid: 'lisi', external_userid: [customers[0], 'wmunknown'] }, { access_token: token });
    expect(r).toEqual({ errcode: 0, errmsg: 'ok', customer: [{ external_userid: customers[0], errcode: 0 }, { external_userid: 'wmunknown', errcode: 40096 }] });
    // Already waiting: 40129; not the handover's customer: 84061.
    expect((await sb.post('/cgi-bin/externalcontact/transfer_customer', { handover_userid: 'zhangsan', takeover_userid: 'wangwu', external_userid: [customers[0]] }, { access_token: token })).customer[0].errcode).toBe(40129);
    expect((await sb.post('/cgi-bin/externalcontact/transfer_customer', { handover_userid: 'wangwu', takeover_userid: 'lisi', external_userid: [customers[0]] }, { access_token: token })).customer[0].errcode).toBe(84061);
  });

  it('waits 24 h of the corp clock (status 2), then moves the customer (status 1) and pushes add_external_contact for the taker', async () => {
    const { corp, token, customers } = await setup(1);
    const [ext] = customers;
    await sb.post('/cgi-bin/externalcontact/transfer_customer', { handover_userid: 'zhangsan', takeover_userid: 'lisi', external_userid: [ext], transfer_success_msg: '您好,后续由李四为您服务' }, { access_token: token });
    let t = await sb.token(corp);
    const waiting = await sb.post('/cgi-bin/externalcontact/transfer_result', { handover_userid: 'zhangsan', takeover_userid: 'lisi' }, { access_token: t });
    expect(waiting).toMatchObject({ errcode: 0, customer: [{ external_userid: ext, status: 2, takeover_time: expect.any(Number) }], next_cursor: '' });
    await advance(corp, 23 * HOUR);
    t = await sb.token(corp);
    expect((await sb.post('/cgi-bin/externalcontact/transfer_result', { handover_userid: 'zhangsan', takeover_userid: 'lisi' }, { access_token: t })).customer[0].status).toBe(2);
    await advance(corp, HOUR);
    t = await sb.token(corp);
    const done = await sb.post('/cgi-bin/externalcontact/transfer_result', { handover_userid: 'zhangsan', takeover_userid: 'lisi' }, { access_token: t });
    expect(done.customer[0]).toMatchObject({ status: 1, takeover_time: waiting.customer[0].takeover_time });
    expect((await sb.sim(`/corps/${corp}/relations?external_userid=${ext}`, undefined, 'GET')).body).toEqual([expect.objectContaining({ userid: 'lisi', external_userid: ext })]);
    const push = await rx.waitFor((p) => p.fields.ExternalUserID === ext && p.fields.UserID === 'lisi');
    expect(push.fields).toMatchObject({ ChangeType: 'add_external_contact' });
    expect(push.fields.WelcomeCode).toBeUndefined();
  });

  it('allows two transfers of a customer in 90 days; the third is refused with 40128 until the window passes', async () => {
    const { corp, customers } = await setup(1);
    const [ext] = customers;
    const move = async (from: string, to: string) => {
      const t = await sb.token(corp);
      return (await sb.post('/cgi-bin/externalcontact/transfer_customer', { handover_userid: from, takeover_userid: to, external_userid: [ext] }, { access_token: t })).customer[0].errcode;
    };
    expect(await move('zhangsan', 'lisi')).toBe(0);
    await advance(corp, DAY);
    expect(await move('lisi', 'wangwu')).toBe(0);
    await advance(corp, DAY);
    expect(await move('wangwu', 'zhangsan')).toBe(40128);
    expect((await sb.sim(`/corps/${corp}/relations?external_userid=${ext}`, undefined, 'GET')).body[0].userid).toBe('wangwu');
    await advance(corp, 88 * DAY + HOUR);
    expect(await move('wangwu', 'zhangsan')).toBe(0);
  });

  it('a refusal ends the transfer with status 3 and a transfer_fail event; the customer stays', async () => {
    const { corp, token, customers } = await setup(1);
    const [ext] = customers;
    await sb.post('/cgi-bin/externalcontact/transfer_customer', { handover_userid: 'zhangsan', takeover_userid: 'lisi', external_userid: [ext] }, { access_token: token });
    expect((await sb.sim(`/corps/${corp}/customers/${ext}/transfer-response`, { accept: false })).body).toMatchObject({ status: 3 });
    await advance(corp, 2 * DAY);
    const t = await sb.token(corp);
    expect((await sb.post('/cgi-bin/externalcontact/transfer_result', { handover_userid: 'zhangsan', takeover_userid: 'lisi' }, { access_token: t })).customer[0].status).toBe(3);
    expect((await sb.sim(`/corps/${corp}/relations?external_userid=${ext}`, undefined, 'GET')).body.map((r: { userid: string }) => r.userid)).toEqual(['zhangsan']);
    const fail = await rx.waitFor((p) => p.fields.ExternalUserID === ext && p.fields.ChangeType === 'transfer_fail');
    expect(fail.fields).toMatchObject({ FailReason: 'customer_refused', UserID: 'lisi' });
    expect((await sb.sim(`/corps/${corp}/customers/${ext}/transfer-response`, { accept: false })).status).toBe(400);
  });

  it('reports a customer who deleted the handover before the 24 h passed as refused (3)', async () => {
    const { corp, token, customers } = await setup(1);
    const [ext] = customers;
    await sb.post('/cgi-bin/externalcontact/transfer_customer', { handover_userid: 'zhangsan', takeover_userid: 'wangwu', external_userid: [ext] }, { access_token: token });
    await sb.sim(`/corps/${corp}/delete`, { userid: 'zhangsan', external_userid: ext, by: 'customer' });
    await advance(corp, DAY);
    const t = await sb.token(corp);
    expect((await sb.post('/cgi-bin/externalcontact/transfer_result', { handover_userid: 'zhangsan', takeover_userid: 'wangwu' }, { access_token: t })).customer[0].status).toBe(3);
    expect((await sb.sim(`/corps/${corp}/relations?external_userid=${ext}`, undefined, 'GET')).body).toEqual([]);
  });

  it('fails with status 4 when the taker is at their customer limit; accept:true completes at once', async () => {
    const { corp, token, customers } = await setup(2);
    await sb.sim(`/corps/${corp}/staff/lisi/limit`, { customerLimit: 1 });
    await sb.post('/cgi-bin/externalcontact/transfer_customer', { handover_userid: 'zhangsan', takeover_userid: 'lisi', external_userid: customers }, { access_token: token });
    expect((await sb.sim(`/corps/${corp}/customers/${customers[0]}/transfer-response`, { accept: true })).body.status).toBe(1);
    await advance(corp, DAY);
    const t = await sb.token(corp);
    const r = await sb.post('/cgi-bin/externalcontact/transfer_result', { handover_userid: 'zhangsan', takeover_userid: 'lisi' }, { access_token: t });
    expect(r.customer).toEqual([expect.objectContaining({ external_userid: customers[0], status: 1 }), expect.objectContaining({ external_userid: customers[1], status: 4 })]);
    expect((await rx.waitFor((p) => p.fields.ExternalUserID === customers[1] && p.fields.ChangeType === 'transfer_fail')).fields.FailReason).toBe('customer_limit_exceed');
  });
});

describe('resigned transfers (离职继承)', () => {
  it('lists a leaver’s customers as unassigned and hands them over after 24 h', async () => {
    const { corp, token, customers } = await setup(3);
    expect(await sb.post('/cgi-bin/externalcontact/resigned/transfer_customer', { handover_userid: 'zhangsan', takeover_userid: 'lisi', external_userid: customers }, { access_token: token })).toMatchObject({ errcode: 40097 });
    await sb.sim(`/corps/${corp}/staff/zhangsan/leave`);
    expect(await sb.post('/cgi-bin/externalcontact/transfer_customer', { handover_userid: 'zhangsan', takeover_userid: 'lisi', external_userid: customers }, { access_token: token })).toMatchObject({ errcode: 40003 });
    const page1 = await sb.post('/cgi-bin/externalcontact/get_unassigned_list', { page_size: 2 }, { access_token: token });
    expect(page1).toMatchObject({ errcode: 0, is_last: false, info: [{ handover_userid: 'zhangsan', dimission_time: expect.any(Number) }, { handover_userid: 'zhangsan' }] });
    const page2 = await sb.post('/cgi-bin/externalcontact/get_unassigned_list', { page_size: 2, cursor: page1.next_cursor }, { access_token: token });
    expect(page2).toMatchObject({ is_last: true, info: [{ handover_userid: 'zhangsan' }] });
    const r = await sb.post('/cgi-bin/externalcontact/resigned/transfer_customer', { handover_userid: 'zhangsan', takeover_userid: 'lisi', external_userid: customers }, { access_token: token });
    expect(r.customer.map((c: { errcode: number }) => c.errcode)).toEqual([0, 0, 0]);
    expect((await sb.post('/cgi-bin/externalcontact/get_unassigned_list', {}, { access_token: token })).info).toEqual([]);
    // A resigned transfer is not an on-job one: the on-job result has nothing for the pair.
    expect((await sb.post('/cgi-bin/externalcontact/transfer_result', { handover_userid: 'zhangsan', takeover_userid: 'lisi' }, { access_token: token })).customer).toEqual([]);
    await advance(corp, DAY);
    const t = await sb.token(corp);
    const done = await sb.post('/cgi-bin/externalcontact/resigned/transfer_result', { handover_userid: 'zhangsan', takeover_userid: 'lisi' }, { access_token: t });
    expect(done.customer.map((c: { status: number }) => c.status)).toEqual([1, 1, 1]);
    expect((await sb.get('/cgi-bin/externalcontact/list', { access_token: t, userid: 'lisi' })).external_userid.sort()).toEqual([...customers].sort());
  });
});
