import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The sandbox package exports only the whole sandbox; the mini-program simulator is imported by path.
import { MemorySandboxStore } from '../../../../../../packages/sandbox/src/store.js';
import { mountForTest, type PluginHarness } from '../../../../../../packages/sandbox/src/test-harness.js';
import { WECHAT_MP_SANDBOX, wechatMpSandbox } from '../../../../../../packages/sandbox/src/wechat-mp/index.js';
import { MpApiError, MpClient, type TokenSource } from './mp-client.js';

const MINI = WECHAT_MP_SANDBOX.miniProgram;

let sb: PluginHarness;
beforeAll(async () => {
  const store = new MemorySandboxStore();
  sb = await mountForTest(wechatMpSandbox, '/sandbox/mp', store, (baseUrl) => ({ baseUrl, store, pollMs: 100 }));
});
afterAll(() => sb.close());

/** Hands out `first` once, then real tokens from the sandbox; records the stale tokens it was told about. */
function tokens(first?: string): TokenSource & { stale: string[] } {
  let initial = first;
  const stale: string[] = [];
  return {
    stale,
    async token(s?: string) {
      if (s) stale.push(s);
      if (initial) {
        const t = initial;
        initial = undefined;
        return t;
      }
      const r = await sb.get('/cgi-bin/token', { grant_type: 'client_credential', appid: MINI.appid, secret: MINI.secret });
      return r.access_token as string;
    },
  };
}

const client = (t = tokens()) => new MpClient({ baseUrl: sb.base, appId: MINI.appid, appSecret: MINI.secret }, t);

async function mpError(p: Promise<unknown>): Promise<MpApiError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(MpApiError);
  return err as MpApiError;
}

describe('MpClient.wxaCodeUnlimited', () => {
  it('returns the code image for a scene and page', async () => {
    const png = await client().wxaCodeUnlimited({ scene: 'g=Ab12&p=Xy9', page: 'pages/share/index', width: 600 });
    expect(png.subarray(0, 4).toString('hex')).toBe('89504e47');
    expect(png.readUInt32BE(16)).toBe(600);
    const unreleased = await client().wxaCodeUnlimited({ scene: 'a', page: 'pages/not-yet/index', checkPath: false, envVersion: 'trial' });
    expect(unreleased.subarray(0, 4).toString('hex')).toBe('89504e47');
  });

  it('throws WeChat’s errcode for a bad scene (40169) or page (41030)', async () => {
    expect((await mpError(client().wxaCodeUnlimited({ scene: 'x'.repeat(33), page: 'pages/index/index' }))).errcode).toBe(40169);
    expect((await mpError(client().wxaCodeUnlimited({ scene: 'a%b', page: 'pages/index/index' }))).errcode).toBe(40169);
    expect((await mpError(client().wxaCodeUnlimited({ scene: 'a', page: '/pages/index/index' }))).errcode).toBe(41030);
    expect((await mpError(client().wxaCodeUnlimited({ scene: 'a', page: 'pages/not-yet/index' }))).errcode).toBe(41030);
  });

  it('gets a fresh token once when WeChat calls the token stale', async () => {
    const t = tokens('stale-token');
    const png = await client(t).wxaCodeUnlimited({ scene: 'a', page: 'pages/index/index' });
    expect(png.subarray(0, 4).toString('hex')).toBe('89504e47');
    expect(t.stale).toEqual(['stale-token']);
  });
});
