import fs from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { MemorySandboxStore, type SandboxStore } from '@siyu/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxMerchant, WechatPayClient } from '../../modules/orders/wechatpay/client.js';
import { sql } from '../../platform/db/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { createSandboxStore } from './index.js';

/**
 * One contract for both stores: the simulators are tested on the in-memory one and run on the database
 * one, so they must not be told apart.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

let n = 0;
const kind = () => `test.kind-${Date.now()}-${++n}`;

const stores: Array<[string, () => SandboxStore]> = [
  ['memory', () => new MemorySandboxStore()],
  ['database', () => createSandboxStore(t.platform.database)],
];

describe.each(stores)('SandboxStore (%s)', (_name, make) => {
  it('stores copies, keeps options a write leaves undefined, lists newest first and by ref', async () => {
    const s = make();
    const k = kind();
    const value = { a: 1, nested: { b: [1, 2] } };
    await s.put(k, 'one', value, { ref: 'shop-a', dueAt: new Date(Date.now() + 60_000) });
    value.a = 99;
    expect(await s.get(k, 'one')).toEqual({ a: 1, nested: { b: [1, 2] } });
    await s.put(k, 'two', { a: 2 }, { ref: 'shop-b' });
    await s.put(k, 'three', { a: 3 }, { ref: 'shop-a' });
    // Rewriting without options keeps the ref and due time, and the record's place in the list.
    await s.put(k, 'one', { a: 10 });
    expect(await s.list(k)).toEqual([{ a: 3 }, { a: 2 }, { a: 10 }]);
    expect(await s.list(k, { ref: 'shop-a' })).toEqual([{ a: 3 }, { a: 10 }]);
    expect(await s.list(k, { limit: 1 })).toEqual([{ a: 3 }]);
    expect(await s.count(k)).toBe(3);
    expect(await s.claimDue([k], new Date(Date.now() + 120_000), new Date(Date.now() + 180_000), 10)).toEqual([{ kind: k, key: 'one', value: { a: 10 } }]);
    await s.delete(k, 'two');
    expect(await s.get(k, 'two')).toBeUndefined();
    expect(await s.get(k, 'missing')).toBeUndefined();
  });

  it('writes many records at once as put would: options left undefined keep their values, the last write of a key wins', async () => {
    const s = make();
    const k = kind();
    await s.put(k, 'kept', { a: 0 }, { ref: 'shop-a', dueAt: new Date(Date.now() - 1000) });
    await s.putMany(k, [
      { key: 'kept', value: { a: 1 } },
      { key: 'new', value: { a: 2 }, ref: 'shop-b', expiresAt: new Date(Date.now() + 60_000) },
      { key: 'twice', value: { a: 3 }, ref: 'shop-a' },
      { key: 'twice', value: { a: 4 }, ref: 'shop-b' },
    ]);
    await s.putMany(k, []);
    expect(await s.get(k, 'kept')).toEqual({ a: 1 });
    expect(await s.list(k, { ref: 'shop-a' })).toEqual([{ a: 1 }]);
    expect(await s.list(k, { ref: 'shop-b' })).toEqual([{ a: 4 }, { a: 2 }]);
    expect((await s.claimDue([k], new Date(), new Date(Date.now() + 60_000), 10)).map((r) => r.key)).toEqual(['kept']);
  });

  it('updates atomically: concurrent increments all count, and only one of racing creators wins', async () => {
    const s = make();
    const k = kind();
    await Promise.all(Array.from({ length: 12 }, () => s.update<{ n: number }>(k, 'counter', (cur) => ({ value: { n: (cur?.n ?? 0) + 1 } }))));
    expect(await s.get(k, 'counter')).toEqual({ n: 12 });

    const winners: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        s.update<{ by: number }>(k, 'once', (cur) => {
          if (cur) return undefined;
          return { value: { by: i } };
        }).then((v) => {
          if (v?.by === i) winners.push(i);
          return v;
        }),
      ),
    );
    expect(new Set(results.map((r) => r?.by)).size).toBe(1);
    expect(winners).toHaveLength(1);

    await expect(s.update(k, 'counter', () => {
      throw new Error('refused');
    })).rejects.toThrow('refused');
    expect(await s.get(k, 'counter')).toEqual({ n: 12 });
  });

  it('hands each due record to one claimer at a time and hides it until its lease ends', async () => {
    const s = make();
    const k = kind();
    const now = Date.now();
    for (let i = 0; i < 6; i++) await s.put(k, `d${i}`, { i }, { dueAt: new Date(now - 1000 + i) });
    await s.put(k, 'later', { i: 99 }, { dueAt: new Date(now + 60_000) });
    await s.put(k, 'never', { i: -1 });
    await s.put(`${k}-other`, 'elsewhere', { i: 0 }, { dueAt: new Date(now - 1000) });

    const lease = new Date(now + 30_000);
    const [a, b] = await Promise.all([s.claimDue([k], new Date(now), lease, 4), s.claimDue([k], new Date(now), lease, 4)]);
    const keys = [...a, ...b].map((r) => r.key).sort();
    expect(keys).toEqual(['d0', 'd1', 'd2', 'd3', 'd4', 'd5']);
    expect(await s.claimDue([k], new Date(now), lease, 10)).toEqual([]);
    // After the lease, whatever the claimer did not reschedule is due again.
    await s.update<{ i: number }>(k, 'd0', (cur) => ({ value: cur!, dueAt: null }));
    const again = await s.claimDue([k], new Date(now + 31_000), new Date(now + 90_000), 10);
    expect(again.map((r) => r.key).sort()).toEqual(['d1', 'd2', 'd3', 'd4', 'd5']);
  });

  it('reads an expired record as absent and purges it', async () => {
    const s = make();
    const k = kind();
    await s.put(k, 'gone', { x: 1 }, { expiresAt: new Date(Date.now() - 1) });
    await s.put(k, 'kept', { x: 2 }, { expiresAt: new Date(Date.now() + 60_000) });
    expect(await s.get(k, 'gone')).toBeUndefined();
    expect(await s.list(k)).toEqual([{ x: 2 }]);
    expect(await s.update<{ x: number }>(k, 'gone', (cur) => (cur ? undefined : { value: { x: 3 }, expiresAt: null }))).toEqual({ x: 3 });
    await s.put(k, 'old', { x: 4 }, { expiresAt: new Date(Date.now() - 1) });
    expect(await s.purgeExpired(new Date())).toBeGreaterThanOrEqual(1);
    expect(await s.get(k, 'gone')).toEqual({ x: 3 });
  });
});

describe('installs from before the sandbox kept state', () => {
  it('get their shops\' sandbox merchants back from the restore tokens in shop settings', async () => {
    const base = `${t.url}/sandbox/wechatpay`;
    const { restoreToken, verifyMode: _mode, ...config } = await createSandboxMerchant(base);
    const shop = await t.createShop();
    await t.services.tenancy.updateShop({ shopId: shop.shopId, type: 'system', id: 'system', name: 'system', role: 'owner' }, { settings: { wechatPay: { ...config, sandboxRestoreToken: restoreToken } } });
    // As an older install left it: the shop has its token, the sandbox has no record of the merchant.
    await t.platform.db.execute(sql`DELETE FROM sandbox_records WHERE kind = 'wxpay.merchant' AND key = ${config.mchId}`);
    const client = new WechatPayClient({ ...config, baseUrl: base });
    const unknown = await client.queryByOutTradeNo('NOPE123456').catch((e) => e);
    expect(unknown.details).toMatchObject({ vendorCode: 'SIGN_ERROR' });

    const migration = fs.readFileSync(new URL('./migrations/0001_sandbox.sql', import.meta.url), 'utf8');
    await t.platform.database.exec(migration.slice(migration.indexOf('DO $$')));

    const missing = await client.queryByOutTradeNo('NOPE123456').catch((e) => e);
    expect(missing.details).toMatchObject({ vendorCode: 'ORDER_NOT_EXIST' });
    // Its certificate is issued on first use, for the same key and serial the shop already trusts.
    const [cert] = await new WechatPayClient({ ...config, platformKeys: {}, baseUrl: base }).downloadPlatformCertificates();
    expect(cert.serialNo).toBe(Object.keys(config.platformKeys)[0]);
    expect(new X509Certificate(cert.pem).publicKey.export({ type: 'spki', format: 'pem' })).toBe(new X509Certificate(Object.values(config.platformKeys)[0]).publicKey.export({ type: 'spki', format: 'pem' }));
  });
});
