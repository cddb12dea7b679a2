import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WECHAT_MP_SANDBOX } from './index.js';
import { startSandbox, type Sandbox } from './test-support.js';

const OA = WECHAT_MP_SANDBOX.officialAccount;
const MINI = WECHAT_MP_SANDBOX.miniProgram;

let sb: Sandbox;
let token: string;
beforeAll(async () => {
  sb = await startSandbox();
  token = await sb.token(MINI.appid, MINI.secret);
});
afterAll(() => sb.close());

async function code(body: unknown, accessToken = token) {
  const res = await fetch(`${sb.base}/wxa/getwxacodeunlimit?access_token=${encodeURIComponent(accessToken)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const type = res.headers.get('content-type') ?? '';
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, type, bytes, json: type.includes('json') ? JSON.parse(bytes.toString()) : undefined };
}

/** Width of a PNG from its IHDR chunk. */
const pngWidth = (b: Buffer) => b.readUInt32BE(16);

describe('小程序码 getwxacodeunlimit', () => {
  it('draws a PNG for a valid scene and published page, at the asked width within 280–1280', async () => {
    const r = await code({ scene: 'p=AbC123&k=g', page: 'pages/share/index', width: 430 });
    expect(r.status).toBe(200);
    expect(r.type).toBe('image/png');
    expect(r.bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(pngWidth(r.bytes)).toBe(430);
    expect(pngWidth((await code({ scene: 'x', page: 'pages/index/index', width: 100 })).bytes)).toBe(280);
    expect(pngWidth((await code({ scene: 'x', page: 'pages/index/index', width: 5000 })).bytes)).toBe(1280);
    // Every allowed character, 32 of them.
    expect((await code({ scene: "09AZaz!#$&'()*+,/:;=?@-._~ABCDEF", page: 'pages/index/index' })).type).toBe('image/png');
  });

  it('refuses a bad scene with 40169 and a bad or unpublished page with 41030', async () => {
    for (const scene of ['', 'a'.repeat(33), 'a%20b', '中文', 'a b', 12]) {
      expect((await code({ scene, page: 'pages/index/index' })).json, String(scene)).toMatchObject({ errcode: 40169 });
    }
    for (const page of ['/pages/index/index', 'pages/index/index?x=1', 'pages/unknown/index']) {
      expect((await code({ scene: 'a', page })).json, page).toMatchObject({ errcode: 41030 });
    }
    // check_path false: an unreleased page is fine, a malformed one still is not.
    expect((await code({ scene: 'a', page: 'pages/unknown/index', check_path: false })).type).toBe('image/png');
    expect((await code({ scene: 'a', page: '/pages/unknown/index', check_path: false })).json).toMatchObject({ errcode: 41030 });
    expect((await code({ scene: 'a', page: 'pages/index/index', env_version: 'beta' })).json).toMatchObject({ errcode: 40097 });
  });

  it('is a mini-program API: an official account token gets 48001, a bad token 40001', async () => {
    const oa = await sb.token(OA.appid, OA.secret);
    expect((await code({ scene: 'a', page: 'pages/index/index' }, oa)).json).toMatchObject({ errcode: 48001 });
    expect((await code({ scene: 'a', page: 'pages/index/index' }, 'nope')).json).toMatchObject({ errcode: 40001 });
  });

  it('takes faults like every API', async () => {
    await sb.sim('/faults', { api: '/wxa/getwxacodeunlimit', kind: 'errcode', errcode: 45009, errmsg: 'reach max api daily quota limit', count: 1 });
    expect((await code({ scene: 'a', page: 'pages/index/index' })).json).toMatchObject({ errcode: 45009 });
    expect((await code({ scene: 'a', page: 'pages/index/index' })).type).toBe('image/png');
  });
});
