import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WECOM_SANDBOX } from '@siyu/sandbox';
import { sql } from '../../platform/db/index.js';
import { startTestApp, type StaffSession, type TestApp } from '../../testing/harness.js';
import { WeComClient } from './client/wecom-client.js';

/** Moments (朋友圈) tasks against the sandbox's WeCom simulator: add_moment_task, then its result polled. */
let t: TestApp;
let shop: { shopId: string; slug: string; owner: StaffSession };
let corpId: string;

const admin = (method: string, path: string, body?: unknown) => t.call(method, `/api/admin${path}`, { session: shop.owner, body });
const sim = (path: string, body?: unknown) => t.call(body === undefined ? 'GET' : 'POST', `/sandbox/wecom/__sim/corps/${corpId}${path}`, { body });

beforeAll(async () => {
  t = await startTestApp();
  shop = await t.createShop();
  corpId = (await t.call('POST', '/sandbox/wecom/__sim/corps', { body: {} })).body.corpId;
  const saved = await admin('PUT', '/wecom/settings', {
    corpId, contactSecret: WECOM_SANDBOX.contactSecret, agentId: WECOM_SANDBOX.agentId, agentSecret: WECOM_SANDBOX.agentSecret,
    callbackToken: WECOM_SANDBOX.token, encodingAesKey: WECOM_SANDBOX.encodingAesKey,
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  expect((await admin('POST', '/wecom/staff/sync')).status).toBe(202);
  await t.drain();
}, 120_000);
afterAll(() => t?.close());

describe('WeCom Moments (朋友圈)', () => {
  it('posts a Moment for the chosen staff, polls the result to its moment_id, and reports who could not post', async () => {
    // 周八 left the company after the last staff sync: WeCom reports them as an invalid sender.
    expect((await sim('/staff/zhouba/leave', {})).status).toBe(200);
    const added = vi.spyOn(WeComClient.prototype, 'addMomentTask');
    try {
      const created = await admin('POST', '/wecom/moments', {
        text: '新品上市,到店试戴', attachments: [{ type: 'link', title: '新品', url: 'https://shop.example.com/new' }], userids: ['zhangsan', 'zhouba'],
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject({ status: 'creating', momentId: null });
      await t.drain();

      const done = await admin('GET', `/wecom/moments/${created.body.id}`);
      expect(done.body).toMatchObject({ status: 'done', momentId: expect.stringMatching(/^mom/), invalidUserids: ['zhouba'], error: null });
      // On 张三's phone, not yet published: WeCom says so per member (get_moment_task).
      expect(done.body.staff).toEqual([
        { userid: 'zhangsan', name: '张三', status: 'unpublished' },
        { userid: 'zhouba', name: '周八', status: 'invalid' },
      ]);
      expect((await sim(`/moments/${done.body.momentId}/publish`, { userid: 'zhouba' })).status).toBe(400);
      expect((await sim(`/moments/${done.body.momentId}/publish`, { userid: 'zhangsan' })).status).toBe(200);
      // The scheduled check asks WeCom again (every 10 minutes for a week); the console's refresh asks now.
      await t.platform.jobs.send('wecom.moment-published', {});
      await t.drain();
      const published = await admin('GET', `/wecom/moments/${created.body.id}`);
      expect(published.body.staff[0]).toEqual({ userid: 'zhangsan', name: '张三', status: 'published' });
      expect(published.body).toMatchObject({ publishedCount: 1, publishedCheckedAt: expect.any(String) });
      expect((await admin('POST', `/wecom/moments/${created.body.id}/refresh`)).body.staff[0].status).toBe('published');
      expect((await admin('GET', '/wecom/moments')).body.items).toEqual([expect.objectContaining({ id: created.body.id, status: 'done' })]);

      // The creation job delivered again posts nothing more.
      await t.platform.jobs.send('wecom.moment-create', { shopId: shop.shopId, momentId: created.body.id });
      await t.drain();
      expect(added).toHaveBeenCalledTimes(1);
    } finally {
      added.mockRestore();
    }
  });

  it('a run that asked WeCom and died before keeping the job id is marked uncertain, never posted twice', async () => {
    const added = vi.spyOn(WeComClient.prototype, 'addMomentTask');
    try {
      const created = await admin('POST', '/wecom/moments', { text: '只发一次', departmentIds: [2] });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      // As if an earlier attempt of the job had claimed it and the process was killed during the call.
      await t.platform.db.execute(sql`UPDATE wecom_moments SET requested_at = now() WHERE id = ${created.body.id}`);
      await t.drain();
      expect(added).not.toHaveBeenCalled();
      const m = await admin('GET', `/wecom/moments/${created.body.id}`);
      expect(m.body.status).toBe('failed');
      expect(m.body.error).toContain('uncertain');
    } finally {
      added.mockRestore();
    }
  });

  it('refuses unknown staff and tags, and a post with neither text nor attachment', async () => {
    expect((await admin('POST', '/wecom/moments', { text: 'x', userids: ['nobody'] })).body.error.details.field).toBe('userids.0');
    expect((await admin('POST', '/wecom/moments', { text: 'x', tagIds: ['etNOPE'] })).body.error.details.field).toBe('tagIds.0');
    const empty = await admin('POST', '/wecom/moments', { userids: ['zhangsan'] });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details.field).toBe('text');
  });
});
