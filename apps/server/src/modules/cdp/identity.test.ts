import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows, sql } from '../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { bearer, customerHelpers } from '../customers/test-helpers.js';

let t: TestApp;
let shop: Awaited<ReturnType<TestApp['createShop']>>;
let key: string;

beforeAll(async () => {
  t = await startTestApp({ SMS_RESEND_SECONDS: '1' });
  shop = await t.createShop();
  key = (await t.call('POST', '/api/admin/analytics/write-keys', { session: shop.owner, body: { name: 'identity' } })).body.key;
});
afterAll(() => t?.close());

type Call = Record<string, unknown> & { type: string };
const send = async (batch: Call[]) => {
  const r = await t.call('POST', '/v1/batch', { headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` }, body: { batch } });
  expect(r.body.errors, JSON.stringify(r.body)).toEqual([]);
  await t.services.cdp.drain();
};
/** The person an id belongs to now (following merges). */
const personOf = async (kind: string, value: string) => {
  const [r] = await rows<{ id: string; identified: boolean; traits: Record<string, unknown> }>(
    t.platform.db,
    sql`SELECT p.id, p.identified, p.traits FROM cdp_identities i JOIN cdp_persons p ON p.id = i.person_id WHERE i.shop_id = ${shop.shopId} AND i.kind = ${kind} AND i.value = ${value}`,
  );
  return r;
};
/** Persons the engine counts the events of these ids under. */
const enginePersons = async (ids: string[]) => {
  const r = await t.services.cdp['e'].query<{ person_id: string }>(
    `SELECT DISTINCT person_id FROM events WHERE shop_id = '${shop.shopId}' AND distinct_id IN (${ids.map((i) => `'${i}'`).join(', ')})`,
    {},
  );
  return r.map((x) => x.person_id).sort();
};
const warnings = async (code: string) =>
  (await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM cdp_identity_warnings WHERE shop_id = ${shop.shopId} AND code = ${code}`))[0]!.n;

const fresh = () => {
  const id = randomUUID().slice(0, 8);
  return { a: `anon-${id}`, a2: `anon2-${id}`, u: `user-${id}`, u2: `user2-${id}` };
};

/**
 * Identity rules as a table: what is sent, then which ids end up as one person and which stay apart.
 */
const CASES: { name: string; run: (ids: ReturnType<typeof fresh>) => Call[][]; same: (keyof ReturnType<typeof fresh>)[][]; apart?: [keyof ReturnType<typeof fresh>, keyof ReturnType<typeof fresh>][]; warning?: string }[] = [
  {
    name: 'a device that signs in becomes the user, and its earlier events follow',
    run: ({ a, u }) => [[{ type: 'track', anonymousId: a, event: 'product_viewed' }], [{ type: 'identify', anonymousId: a, userId: u }], [{ type: 'track', userId: u, event: 'order_paid' }]],
    same: [['a', 'u']],
  },
  {
    name: 'sign-in on a new device adds the device to the known user',
    run: ({ a, a2, u }) => [[{ type: 'identify', anonymousId: a, userId: u }], [{ type: 'track', anonymousId: a2, event: 'page' }], [{ type: 'identify', anonymousId: a2, userId: u }]],
    same: [['a', 'a2', 'u']],
  },
  {
    name: 'a device already identified as one user is not merged into a second user (shared phone)',
    run: ({ a, u, u2 }) => [[{ type: 'identify', anonymousId: a, userId: u }], [{ type: 'identify', anonymousId: a, userId: u2 }]],
    same: [['a', 'u']],
    apart: [['u', 'u2']],
    warning: 'IDENTIFIED_CONFLICT',
  },
  {
    name: 'identify and track in one batch, in order',
    run: ({ a, u }) => [[{ type: 'track', anonymousId: a, event: 'x' }, { type: 'identify', anonymousId: a, userId: u }, { type: 'track', anonymousId: a, userId: u, event: 'y' }]],
    same: [['a', 'u']],
  },
  {
    name: 'alias joins a previous anonymous id to the user',
    run: ({ a, u }) => [[{ type: 'track', anonymousId: a, event: 'x' }, { type: 'track', userId: u, event: 'y' }], [{ type: 'alias', previousId: a, userId: u }]],
    same: [['a', 'u']],
  },
  {
    name: 'alias between two identified users is refused',
    run: ({ u, u2 }) => [[{ type: 'track', userId: u, event: 'x' }, { type: 'track', userId: u2, event: 'y' }], [{ type: 'alias', previousId: u, userId: u2 }]],
    same: [],
    apart: [['u', 'u2']],
    warning: 'ALIAS_CONFLICT',
  },
  {
    name: 'two anonymous devices with the same phone trait are one person',
    run: ({ a, a2 }) => [[{ type: 'identify', anonymousId: a, traits: { phone: '13911112222' } }], [{ type: 'identify', anonymousId: a2, traits: { phone: '13911112222' } }]],
    same: [['a', 'a2']],
  },
];

describe('identity rules', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const ids = fresh();
      // Phones must be unique per case.
      for (const step of c.run(ids)) {
        for (const call of step) if ((call.traits as { phone?: string } | undefined)?.phone) (call.traits as { phone: string }).phone = `139${ids.a.slice(-8).replace(/\D/g, '1').padEnd(8, '1').slice(0, 8)}`;
        await send(step.map((x) => ({ ...x, messageId: randomUUID() })));
      }
      const kindOf = (k: string) => (k.startsWith('u') ? 'user' : 'anonymous');
      for (const group of c.same) {
        const persons = await Promise.all(group.map((k) => personOf(kindOf(k), ids[k])));
        expect(new Set(persons.map((p) => p?.id)).size, group.join('=')).toBe(1);
        expect(persons[0]).toBeDefined();
        // The engine counts all their events under that one person.
        const inEngine = await enginePersons(group.map((k) => ids[k]));
        expect(inEngine).toEqual([persons[0]!.id]);
      }
      for (const [x, y] of c.apart ?? []) {
        const [px, py] = await Promise.all([personOf(kindOf(x), ids[x]), personOf(kindOf(y), ids[y])]);
        expect(px?.id).toBeDefined();
        expect(px?.id).not.toBe(py?.id);
      }
      if (c.warning) expect(await warnings(c.warning)).toBeGreaterThan(0);
    });
  }

  it('sets traits, and $set_once only where none is set', async () => {
    const { u } = fresh();
    await send([{ type: 'identify', userId: u, traits: { plan: 'a', $set_once: { first_source: 'poster' } }, messageId: randomUUID() }]);
    await send([{ type: 'identify', userId: u, traits: { plan: 'b', $set_once: { first_source: 'live' } }, messageId: randomUUID() }]);
    await send([{ type: 'track', userId: u, event: 'x', properties: { $set: { city: '杭州' }, $set_once: { first_source: 'qr' } }, messageId: randomUUID() }]);
    expect((await personOf('user', u))!.traits).toEqual({ plan: 'b', first_source: 'poster', city: '杭州' });
  });

  it("the mall's customer merge makes one person of two identified ones and moves their events", async () => {
    const h = customerHelpers(t);
    const phoneCustomer = await h.smsSignIn(shop.slug);
    const wx = await h.wechatSignIn(shop.slug, { key: `cdp-merge-${randomUUID()}`, nickname: '合并者' });
    const [from, into] = [wx.customer.id as string, phoneCustomer.customer.id as string];
    await send([{ type: 'track', userId: from, event: 'viewed', messageId: randomUUID() }, { type: 'track', userId: into, event: 'paid', messageId: randomUUID() }]);
    expect((await enginePersons([from, into])).length).toBe(2);
    // The sandbox refuses a second code to one phone within a second.
    await new Promise((r) => setTimeout(r, 1100));
    expect((await h.requestCode(shop.slug, phoneCustomer.phone, 'bind')).status).toBe(200);
    const bound = await t.call('POST', `/api/store/${shop.slug}/me/bind-phone`, { headers: bearer(wx.token), body: { phone: phoneCustomer.phone, code: await h.inboxCode(phoneCustomer.phone) } });
    expect(bound.body.merged).toBe(true);
    await t.drain();
    await t.services.cdp.drain();
    const p = await personOf('user', into);
    expect((await personOf('user', from))!.id).toBe(p!.id);
    expect(await enginePersons([from, into])).toEqual([p!.id]);
    // Events sent later under the old id count for the survivor too.
    await send([{ type: 'track', userId: from, event: 'late', messageId: randomUUID() }]);
    expect(await enginePersons([from, into])).toEqual([p!.id]);
  });
});
