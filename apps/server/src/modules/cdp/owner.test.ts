import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../testing/harness.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

let owner: TestApp;
let serve: TestApp;
let port: number;

beforeAll(async () => {
  port = await freePort();
  owner = await startTestApp({ ANALYTICS_LISTEN: `127.0.0.1:${port}` });
  // A serve-only process: DuckDB's file is the owner's, so it asks the owner. (Two runtimes cannot share an
  // embedded PGlite, so each has its own database here; what crosses between them is the analysis.)
  serve = await startTestApp({ ANALYTICS_OWNER: 'false', ANALYTICS_OWNER_URL: `http://127.0.0.1:${port}` });
});
afterAll(async () => {
  await serve?.close();
  await owner?.close();
});

describe('one process owns the DuckDB file', () => {
  it('a serve-only process answers analyses through the owner', async () => {
    const shop = await serve.createShop();
    const day = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const accepted = await owner.services.cdp.accept(shop.shopId, [1, 2, 3].map((i) => ({
      type: 'track' as const, event: 'owned', messageId: `m${i}`, anonymousId: `o${i}`, ts: Date.now(), properties: {}, source: '', medium: '', campaign: '', channel: '', os: '', path: '',
    })));
    expect(accepted.accepted).toBe(3);
    await owner.services.cdp.drain();
    const r = await serve.call('POST', '/api/admin/analytics/query', { session: shop.owner, body: { kind: 'trends', from: day, to: day, series: [{ event: 'owned', measure: 'people' }] } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.series[0].total).toBe(3);
    await expect(serve.services.cdp.drain()).rejects.toThrow(/does not load/);
  });

  it('refuses requests to the owner listener that are not signed with the shared secret', async () => {
    const r = await fetch(`http://127.0.0.1:${port}/query`, { method: 'POST', body: JSON.stringify({ sql: 'SELECT 1', params: {} }), headers: { 'x-siyu-signature': 'nope' } });
    expect(r.status).toBe(401);
  });
});
