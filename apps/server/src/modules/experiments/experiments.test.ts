import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { bearer, signInCustomer, type ShopFixture } from '../../testing/commerce.js';
import { evaluateFlag } from '@siyu/sdk';
import { assignVariant, bucket } from './flags.js';

let t: TestApp;
let shop: ShopFixture;
let storeKey: string;
const store = (path: string) => `/api/store/${shop.slug}${path}`;
const body = (key: string, extra: Record<string, unknown> = {}) => ({
  key,
  name: '按钮文案',
  variants: [
    { key: 'control', name: '对照', weight: 50, payload: { buttonText: '立即购买' } },
    { key: 'urgent', name: '紧迫感', weight: 50, payload: { buttonText: '马上抢' } },
  ],
  ...extra,
});
const paid = (anonymousId: string, amount: number, daysFromNow = 0) => ({
  type: 'track', messageId: randomUUID(), anonymousId, event: 'order_paid', properties: { amount }, timestamp: new Date(Date.now() + daysFromNow * 86_400_000).toISOString(),
});

beforeAll(async () => {
  t = await startTestApp();
  shop = await t.createShop();
  storeKey = (await t.call('GET', store('/analytics/config'))).body.writeKey;
});
afterAll(() => t?.close());

describe('assignment', () => {
  it('splits by weight, keeps a subject on its variant when traffic widens, and is the same everywhere', () => {
    const variants = [{ key: 'a', weight: 1 }, { key: 'b', weight: 3 }];
    const n = 20_000;
    let b = 0;
    for (let i = 0; i < n; i++) if (assignVariant('salt', 100, variants, `s${i}`) === 'b') b++;
    // 3:1 within 2 percentage points for 20,000 draws (σ ≈ 0.3 pp).
    expect(Math.abs(b / n - 0.75)).toBeLessThan(0.02);
    for (let i = 0; i < 2_000; i++) {
      const narrow = assignVariant('salt', 20, variants, `s${i}`);
      if (narrow) expect(assignVariant('salt', 60, variants, `s${i}`)).toBe(narrow);
    }
    expect(bucket('x', 'variant', 'y')).toBe(bucket('x', 'variant', 'y'));
  });
});

describe('storefront experiments', () => {
  it('gives each visitor a sticky variant, keeps it after sign-in, records one exposure, ships the winner when stopped', async () => {
    const created = await t.call('POST', '/api/admin/experiments', { session: shop.owner, body: body('buy_button') });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await t.call('POST', '/api/admin/experiments', { session: shop.owner, body: body('buy_button') })).body.error.code).toBe('EXPERIMENT_KEY_TAKEN');
    const dup = await t.call('POST', '/api/admin/experiments', { session: shop.owner, body: { ...body('dup'), variants: [body('x').variants[0], body('x').variants[0]] } });
    expect(dup.body.error.details.field).toBe('variants.1.key');
    // A draft gives everyone nothing yet.
    expect((await t.call('GET', store('/flags?device=dev-1'))).body.flags).toEqual({});
    expect((await t.call('POST', `/api/admin/experiments/${created.body.id}/start`, { session: shop.owner })).status).toBe(200);

    const anon = `dev-${randomUUID()}`;
    const first = (await t.call('GET', store(`/flags?device=${anon}`))).body.flags.buy_button;
    expect(first.inExperiment).toBe(true);
    for (let i = 0; i < 3; i++) expect((await t.call('GET', store(`/flags?device=${anon}`))).body.flags.buy_button.variant).toBe(first.variant);
    // Signs in on that device: same variant, and on another device as that customer too.
    const c = await signInCustomer(t, shop.slug);
    expect((await t.call('GET', store(`/flags?device=${anon}`), { headers: bearer(c) })).body.flags.buy_button.variant).toBe(first.variant);
    expect((await t.call('GET', store(`/flags?device=other-${randomUUID()}`), { headers: bearer(c) })).body.flags.buy_button).toMatchObject({ variant: first.variant, payload: { buttonText: expect.any(String) } });

    // Variants are fixed once started.
    const changed = await t.call('PUT', `/api/admin/experiments/${created.body.id}`, { session: shop.owner, body: { ...body('buy_button'), variants: [body('x').variants[0], { ...body('x').variants[1], weight: 10 }] } });
    expect(changed.body.error).toMatchObject({ code: 'EXPERIMENT_STARTED', details: { field: 'variants' } });

    await t.drain();
    await t.services.cdp.drain();
    const exposures = await t.services.cdp['e'].query<{ n: number }>(`SELECT count(*) AS n FROM events WHERE shop_id = '${shop.shopId}' AND event = 'experiment_exposed'`, {});
    expect(Number(exposures[0]!.n)).toBe(1);

    const stopped = await t.call('POST', `/api/admin/experiments/${created.body.id}/stop`, { session: shop.owner, body: { ship: 'urgent' } });
    expect(stopped.body).toMatchObject({ status: 'stopped', shippedVariant: 'urgent' });
    expect((await t.call('GET', store(`/flags?device=new-${randomUUID()}`))).body.flags.buy_button).toMatchObject({ variant: 'urgent', inExperiment: false, payload: { buttonText: '马上抢' } });
  });

  it('reads conversion and revenue per variant from the event store and analyses them', async () => {
    const e = await t.call('POST', '/api/admin/experiments', { session: shop.owner, body: body('checkout_copy', { windowDays: 7, minimumDetectableEffectPercent: 150 }) });
    await t.call('POST', `/api/admin/experiments/${e.body.id}/start`, { session: shop.owner });
    const byVariant: Record<string, string[]> = { control: [], urgent: [] };
    for (let i = 0; i < 240; i++) {
      const anon = `v-${i}-${randomUUID()}`;
      const f = (await t.call('GET', store(`/flags?device=${anon}`))).body.flags.checkout_copy;
      byVariant[f.variant]!.push(anon);
    }
    // The merchant looks for a big lift (+150 %), so the planned sample is small. Control converts 1 in 6, the variant 1 in 2, each order ¥50; one control order came before exposure (pre-period only).
    const events = [
      ...byVariant.control!.filter((_, i) => i % 6 === 0).map((a) => paid(a, 5_000)),
      ...byVariant.urgent!.filter((_, i) => i % 2 === 0).map((a) => paid(a, 5_000)),
      paid(byVariant.control![1]!, 9_900, -3),
    ];
    const sent = await t.call('POST', '/v1/batch', { headers: { authorization: `Basic ${Buffer.from(`${storeKey}:`).toString('base64')}` }, body: { batch: events } });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    await t.drain();
    await t.services.cdp.drain();

    const r = await t.call('GET', `/api/admin/experiments/${e.body.id}/results`, { session: shop.owner });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const arms = Object.fromEntries(r.body.arms.map((a: { key: string }) => [a.key, a]));
    expect(arms.control.users).toBe(byVariant.control!.length);
    expect(arms.urgent.users).toBe(byVariant.urgent!.length);
    expect(arms.control.conversions).toBe(Math.ceil(byVariant.control!.length / 6));
    expect(arms.urgent.conversions).toBe(Math.ceil(byVariant.urgent!.length / 2));
    expect(arms.urgent.revenueFen).toBe(arms.urgent.conversions * 5_000);
    const a = r.body.analysis;
    expect(a.srm.flagged).toBe(false);
    expect(a.comparisons[0].conversion.pValue).toBeLessThan(0.001);
    expect(a.comparisons[0].conversion.chanceToWin).toBeGreaterThan(0.99);
    expect(a.verdict).toBe('variant_wins');
    expect(a.winner).toBe('urgent');
  });

  it('lets an SDK evaluate flags itself: the same variants as the server, exposures checked and recorded once', async () => {
    const e = await t.call('POST', '/api/admin/experiments', { session: shop.owner, body: body('sdk_copy', { trafficPercent: 70 }) });
    await t.call('POST', `/api/admin/experiments/${e.body.id}/start`, { session: shop.owner });
    const res = await t.call('GET', store('/flags/config'));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=30');
    const cfg = res.body.experiments.find((x: { key: string }) => x.key === 'sdk_copy');
    expect(cfg).toMatchObject({ status: 'running', trafficPercent: 70, salt: expect.any(String) });
    expect((await t.call('GET', store('/flags/config'), { headers: { 'if-none-match': res.headers.get('etag')! } })).status).toBe(304);

    // Fresh devices: the SDK's draw equals the server's for each (in the traffic or not).
    for (let i = 0; i < 30; i++) {
      const device = `sdk-${i}-${randomUUID()}`;
      const local = evaluateFlag(cfg, device, {});
      const server = (await t.call('GET', store(`/flags?device=${device}`))).body.flags.sdk_copy;
      expect(local).toEqual(server);
    }

    // A device reports what it showed: a wrong variant is refused, the right one counted once however often sent.
    const device = Array.from({ length: 200 }, (_, i) => `exp-${i}-${randomUUID()}`).find((d) => evaluateFlag(cfg, d, {}).inExperiment)!;
    const mine = evaluateFlag(cfg, device, {}).variant;
    const wrong = mine === 'control' ? 'urgent' : 'control';
    expect((await t.call('POST', store('/flags/exposures'), { body: { device, exposures: [{ key: 'sdk_copy', variant: wrong }] } })).body).toEqual({ accepted: 0, refused: 1 });
    for (let i = 0; i < 3; i++) {
      expect((await t.call('POST', store('/flags/exposures'), { body: { device, exposures: [{ key: 'sdk_copy', variant: mine }] } })).body).toEqual({ accepted: 1, refused: 0 });
    }
    expect((await t.call('POST', store('/flags/exposures'), { body: { device, exposures: [{ key: 'Bad Key', variant: mine }] } })).body.error.details.field).toBe('exposures.0.key');
    await t.drain();
    await t.services.cdp.drain();
    const seen = await t.services.cdp['e'].query<{ n: number }>(`SELECT count(*) AS n FROM events WHERE shop_id = '${shop.shopId}' AND event = 'experiment_exposed' AND distinct_id = '${device}'`, {});
    expect(Number(seen[0]!.n)).toBe(1);

    // Signed in, the customer's config carries the variant they have, and is private.
    const c = await signInCustomer(t, shop.slug);
    await t.call('POST', store('/flags/exposures'), { headers: bearer(c), body: { device, exposures: [{ key: 'sdk_copy', variant: mine }] } });
    const signedIn = await t.call('GET', store('/flags/config'), { headers: bearer(c) });
    expect(signedIn.body.assigned).toEqual({ sdk_copy: mine });
    expect(signedIn.headers.get('cache-control')).toBe('private, no-cache');

    // Stopping reaches the config at once (the cache of this process is dropped on change).
    await t.call('POST', `/api/admin/experiments/${e.body.id}/stop`, { session: shop.owner, body: { ship: 'urgent' } });
    expect((await t.call('GET', store('/flags/config'))).body.experiments.find((x: { key: string }) => x.key === 'sdk_copy')).toMatchObject({ status: 'stopped', shippedVariant: 'urgent' });
  });
});
