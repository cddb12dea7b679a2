import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type StaffSession, type TestApp } from '../../testing/harness.js';
import { rows, sql } from '../db/index.js';

let t: TestApp;
let shop: { shopId: string; slug: string; owner: StaffSession };
beforeAll(async () => {
  t = await startTestApp();
  shop = await t.createShop();
});
afterAll(() => t?.close());

const deep = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);

async function shopName() {
  const [row] = await rows<{ name: string }>(t.platform.db, sql`SELECT name FROM shops WHERE id = ${shop.shopId}`);
  return row.name;
}

async function auditCount(action: string) {
  const [row] = await rows<{ n: number }>(t.platform.db, sql`SELECT count(*)::int AS n FROM audit_log WHERE shop_id = ${shop.shopId} AND action = ${action}`);
  return row.n;
}

describe('bad input is a 400 naming the field, whatever the route', () => {
  it('refuses NUL characters in bodies, query strings and the shop slug', async () => {
    const body = await t.call('PATCH', '/api/admin/shop', { session: shop.owner, body: { name: 'bad\u0000name' } });
    expect(body.status).toBe(400);
    expect(body.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'name', in: 'body' } });
    expect(body.body.error.details.issues[0].code).toBe('invalid_character');

    const slug = await t.call('GET', `/api/store/${shop.slug}%00/products`);
    expect(slug.status).toBe(400);
    expect(slug.body.error.details).toMatchObject({ field: 'shop', in: 'params' });

    const query = await t.call('GET', '/api/admin/customers?q=%00x', { session: shop.owner });
    expect(query.status).toBe(400);
    expect(query.body.error.details).toMatchObject({ field: 'q', in: 'querystring' });
  });

  it('refuses integers beyond the database integer, ids that are not UUIDs, and empty patches', async () => {
    const products = await t.call('POST', '/api/admin/products', {
      session: shop.owner,
      body: { title: '大数', status: 'on_sale', specAttributes: [], skus: [{ specValues: {}, price: 99_999_999_999, stock: 1 }] },
    });
    expect(products.status).toBe(400);
    expect(products.body.error.details.field).toBe('skus.0.price');

    const id = await t.call('GET', '/api/admin/orders/not-a-uuid', { session: shop.owner });
    expect(id.status).toBe(400);
    expect(id.body.error.details).toMatchObject({ field: 'id', in: 'params' });
    const storeId = await t.call('GET', `/api/store/${shop.slug}/products/12345`);
    expect(storeId.status).toBe(400);
    expect(storeId.body.error.details.issues[0].code).toBe('invalid_uuid');

    const empty = await t.call('PATCH', '/api/admin/shop', { session: shop.owner, body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details).toMatchObject({ field: 'body', in: 'body' });
    expect(empty.body.error.details.issues[0].code).toBe('empty_patch');
  });

  it('refuses prototype keys and bodies nested deeper than the limit, in Chinese too', async () => {
    const proto = await t.call('PATCH', '/api/admin/shop', { session: shop.owner, body: '{"name":"x","__proto__":{"admin":true}}' });
    expect(proto.status).toBe(400);
    expect(proto.body.error.details.field).toBe('__proto__');
    const nested = await t.call('PATCH', '/api/admin/shop', { session: shop.owner, body: deep(40), headers: { 'accept-language': 'zh-CN' } });
    expect(nested.status).toBe(400);
    expect(nested.body.error.code).toBe('VALIDATION_FAILED');
    expect(nested.body.error.message).toBe('请求参数有误');
  });
});

describe('every write is audited in the transaction of its change', () => {
  it('a 100,000-deep body on an audited write is a 400 and changes nothing', async () => {
    const before = await shopName();
    const entries = await auditCount('PATCH /api/admin/shop');
    const res = await t.call('PATCH', '/api/admin/shop', { session: shop.owner, body: `{"name":"被改了","settings":${deep(100_000)}}` });
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues[0].code).toBe('too_deep');
    expect(await shopName()).toBe(before);
    expect(await auditCount('PATCH /api/admin/shop')).toBe(entries);
  });

  it('writes the entry with who, what and the outcome, and masks secrets', async () => {
    const res = await t.call('PATCH', '/api/admin/shop', { session: shop.owner, body: { name: '审计店' } });
    expect(res.status).toBe(200);
    const [entry] = await rows<{ status: number; entity: string; before: { name: string }; after: { name: string }; actor_type: string; request: { body: unknown } }>(
      t.platform.db,
      sql`SELECT status, entity, before, after, actor_type, request FROM audit_log WHERE shop_id = ${shop.shopId} AND action = 'PATCH /api/admin/shop' ORDER BY id DESC LIMIT 1`,
    );
    expect(entry).toMatchObject({ status: 200, entity: 'shop', after: { name: '审计店' }, actor_type: 'staff', request: { body: { name: '审计店' } } });
    const staff = await t.call('POST', '/api/admin/staff', { session: shop.owner, body: { login: `audited-${Date.now()}`, password: 'a-secret-password', displayName: '审计', role: 'operator' } });
    expect(staff.status).toBe(201);
    const [created] = await rows<{ request: { body: Record<string, unknown> } }>(
      t.platform.db,
      sql`SELECT request FROM audit_log WHERE shop_id = ${shop.shopId} AND action = 'POST /api/admin/staff' ORDER BY id DESC LIMIT 1`,
    );
    expect(created.request.body.password).toBe('***');
  });

  it('the change and its entry commit together: an entry that cannot be written undoes the change', async () => {
    // A trigger stands in for any failure of the audit insert (disk full, a constraint): the shop must keep its name.
    await t.platform.database.exec(`
      CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.action = 'PATCH /api/admin/shop' AND NEW.request::text LIKE '%不可审计%' THEN RAISE EXCEPTION 'audit refused'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit();`);
    try {
      const before = await shopName();
      const res = await t.call('PATCH', '/api/admin/shop', { session: shop.owner, body: { name: '不可审计' } });
      expect(res.status).toBe(500);
      expect(await shopName()).toBe(before);
    } finally {
      await t.platform.database.exec('DROP TRIGGER refuse_audit ON audit_log; DROP FUNCTION refuse_audit();');
    }
  });

  it('a write refused by its rules leaves no entry', async () => {
    const entries = await auditCount('POST /api/admin/staff');
    const dup = await t.call('POST', '/api/admin/staff', { session: shop.owner, body: { login: shop.owner.login, password: 'a-secret-password', displayName: 'x', role: 'operator' } });
    expect(dup.status).toBe(409);
    expect(await auditCount('POST /api/admin/staff')).toBe(entries);
  });
});
