import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { WECOM_SANDBOX } from '@siyu/sandbox';
import { rows, sql } from '../../platform/db/index.js';
import type { StaffSession, TestApp } from '../../testing/harness.js';
import { addAddress, nextPhone, payOrder, waitFor, type CustomerFixture } from '../../testing/commerce.js';
import { customerHelpers } from '../customers/test-helpers.js';

/** Shared set-up of the follow-up, reminder and sidebar tests: a shop connected to a fresh simulated corp. */
export async function connectCorp(t: TestApp, shop: { shopId: string; slug: string; owner: StaffSession }) {
  const corp = await t.call('POST', '/sandbox/wecom/__sim/corps', { body: {} });
  expect(corp.status).toBe(200);
  const corpId = corp.body.corpId as string;
  const admin = (method: string, path: string, body?: unknown) => t.call(method, `/api/admin${path}`, { session: shop.owner, body });
  const sim = (path: string, body?: unknown) => t.call(body === undefined ? 'GET' : 'POST', `/sandbox/wecom/__sim/corps/${corpId}${path}`, { body });
  const saved = await admin('PUT', '/wecom/settings', {
    corpId, contactSecret: WECOM_SANDBOX.contactSecret, agentId: WECOM_SANDBOX.agentId, agentSecret: WECOM_SANDBOX.agentSecret,
    callbackToken: WECOM_SANDBOX.token, encodingAesKey: WECOM_SANDBOX.encodingAesKey,
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  expect((await sim('/callback', { url: saved.body.callbackUrl })).status).toBe(200);
  const run = await admin('POST', '/wecom/staff/sync');
  expect(run.status).toBe(202);
  await t.drain();

  const callbackFor = (external: string, changeType: string) =>
    waitFor(async () => (await rows<{ id: string }>(t.platform.db, sql`
      SELECT id FROM wecom_callbacks WHERE shop_id = ${shop.shopId} AND change_type = ${changeType} AND fields->>'ExternalUserID' = ${external}`))[0], `${changeType} of ${external}`);

  /** A WeChat user who signed in to the shop and added `userid` on WeCom: one linked, active relation. */
  async function linkedContact(userid: string, name: string) {
    const h = customerHelpers(t);
    const key = `wc-${randomBytes(4).toString('hex')}`;
    const signed = await h.wechatSignIn(shop.slug, { key, nickname: name });
    const { unionid } = await h.wechatCode({ key });
    const external = (await sim('/customers', { name, unionid })).body.external_userid as string;
    await addStaff(userid, external);
    const customer: CustomerFixture = { token: signed.token, customerId: signed.customer.id, phone: nextPhone() };
    const relation = (await admin('GET', `/wecom/relations?customerId=${customer.customerId}&staff=${userid}`)).body.items[0] as { id: string; customerId: string };
    expect(relation?.customerId).toBe(customer.customerId);
    return { external, customer, relationId: relation.id };
  }

  /** The member adds the contact (search / card): the add callback is worked. */
  async function addStaff(userid: string, external: string) {
    const before = (await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM wecom_callbacks WHERE shop_id = ${shop.shopId} AND change_type = 'add_external_contact' AND fields->>'ExternalUserID' = ${external}`))[0]!.n;
    expect((await sim('/add', { userid, external_userid: external })).status).toBe(200);
    await waitFor(async () => (await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM wecom_callbacks WHERE shop_id = ${shop.shopId} AND change_type = 'add_external_contact' AND fields->>'ExternalUserID' = ${external}`))[0]!.n > before, `the add of ${external} by ${userid}`);
    await t.drain();
  }

  /** The member deletes the contact in WeCom (del_external_contact). */
  async function removeStaff(userid: string, external: string) {
    expect((await sim('/delete', { userid, external_userid: external, by: 'staff' })).status).toBe(200);
    await callbackFor(external, 'del_external_contact');
    await t.drain();
  }

  /** The customer buys one of `skuId` and pays. */
  async function buy(customer: CustomerFixture, skuId: string) {
    const addressId = await addAddress(t, shop.slug, customer);
    const placed = await t.call('POST', `/api/store/${shop.slug}/orders`, { headers: { authorization: `Bearer ${customer.token}` }, body: { items: [{ skuId, quantity: 1 }], fulfilment: 'express', addressId } });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const paid = await payOrder(t, shop.slug, customer, placed.body.id);
    await t.drain();
    return paid as { id: string; orderNo: string; paidAt: string };
  }

  /** A product in a category, on sale. */
  async function product(title: string, categoryId: string | null, priceFen = 50_000) {
    const res = await admin('POST', '/products', { title, status: 'on_sale', categoryId, specAttributes: [], weightGrams: 100, skus: [{ specValues: {}, price: priceFen, stock: 100 }] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; skus: { id: string }[] };
  }

  const appMessages = async (touser: string) => (await sim(`/app-messages?touser=${touser}`)).body as { msgid: string; touser: string; msgtype: string; title?: string; content: string; url?: string }[];

  return { corpId, admin, sim, linkedContact, addStaff, removeStaff, buy, product, appMessages };
}
