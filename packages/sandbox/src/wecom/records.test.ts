import { afterEach, describe, expect, it } from 'vitest';
import { MemorySandboxStore } from '../store.js';
import { RECORD_KIND } from './records.js';
import { KIND, newCorp, type CorpState } from './state.js';
import { startSandbox, type Sandbox } from './test-support.js';

const open: Sandbox[] = [];
afterEach(async () => {
  for (const sb of open.splice(0)) await sb.close();
});
const start = async (store: MemorySandboxStore) => {
  const sb = await startSandbox({}, store);
  open.push(sb);
  return sb;
};

/** A corp, a contact way of zhangsan's and `n` customers who scanned it. */
async function grown(sb: Sandbox, n: number) {
  const corp = await sb.newCorp();
  const token = await sb.token(corp);
  const way = await sb.post('/cgi-bin/externalcontact/add_contact_way', { type: 1, scene: 2, state: 'rec', user: ['zhangsan'] }, { access_token: token });
  const scans: Array<{ ext: string; code: string }> = [];
  for (let i = 0; i < n; i++) {
    const ext = (await sb.sim(`/corps/${corp}/customers`, { name: `客${i}` })).body.external_userid as string;
    const scan = (await sb.sim(`/corps/${corp}/scan`, { config_id: way.config_id, external_userid: ext })).body;
    scans.push({ ext, code: scan.welcome_code });
  }
  return { corp, token, scans };
}

describe('storage of a corp', () => {
  it('keeps customers, relations, codes and welcomes as records of their own, and the corp record without them', async () => {
    const store = new MemorySandboxStore();
    const sb = await start(store);
    const { corp, token, scans } = await grown(sb, 3);
    expect(await sb.post('/cgi-bin/externalcontact/send_welcome_msg', { welcome_code: scans[0]!.code, text: { content: '你好' } }, { access_token: token })).toMatchObject({ errcode: 0 });
    const stored = (await store.get<Record<string, unknown>>(KIND.corp, corp))!;
    for (const big of ['customers', 'relations', 'welcomeCodes', 'welcomeMessages', 'received', 'appMessages']) expect(stored).not.toHaveProperty(big);
    expect(stored.contactWays).toHaveLength(1);
    expect(await store.list(RECORD_KIND.customers, { ref: corp })).toHaveLength(3);
    expect(await store.list(RECORD_KIND.relations, { ref: corp })).toHaveLength(3);
    expect(await store.list(RECORD_KIND.welcomeCodes, { ref: corp })).toHaveLength(3);
    expect(await store.list(RECORD_KIND.welcomeMessages, { ref: corp })).toEqual([expect.objectContaining({ external_userid: scans[0]!.ext, text: '你好' })]);
  });

  it('after a restart: the same corp from its records (order kept, a used code still used), and a refused change left no trace', async () => {
    const store = new MemorySandboxStore();
    const first = await start(store);
    const { corp, token, scans } = await grown(first, 4);
    await first.post('/cgi-bin/externalcontact/send_welcome_msg', { welcome_code: scans[1]!.code, text: { content: '欢迎' } }, { access_token: token });
    await first.post('/cgi-bin/externalcontact/remark', { userid: 'zhangsan', external_userid: scans[2]!.ext, remark: '老客' }, { access_token: token });
    // The remark is valid, the description is not: the call is refused whole.
    const refused = await first.post('/cgi-bin/externalcontact/remark', { userid: 'zhangsan', external_userid: scans[2]!.ext, remark: '改了', description: 'x'.repeat(151) }, { access_token: token });
    expect(refused).toMatchObject({ errcode: 40058 });
    const before = (await first.sim(`/corps/${corp}/relations`, undefined, 'GET')).body;
    expect(before.map((r: { external_userid: string }) => r.external_userid)).toEqual(scans.map((x) => x.ext));
    expect(before[2]).toMatchObject({ remark: '老客' });
    await first.close();
    open.splice(open.indexOf(first), 1);

    const second = await start(store);
    expect((await second.sim(`/corps/${corp}/relations`, undefined, 'GET')).body).toEqual(before);
    expect((await second.sim(`/corps/${corp}`, undefined, 'GET')).body).toMatchObject({ customers: 4, relations: 4 });
    const t2 = await second.token(corp);
    expect(await second.post('/cgi-bin/externalcontact/send_welcome_msg', { welcome_code: scans[1]!.code, text: { content: '再来' } }, { access_token: t2 })).toMatchObject({ errcode: 41051 });
    expect(await second.post('/cgi-bin/externalcontact/send_welcome_msg', { welcome_code: scans[3]!.code, text: { content: '欢迎' } }, { access_token: t2 })).toMatchObject({ errcode: 0 });
    expect((await second.sim(`/corps/${corp}/welcome-messages`, undefined, 'GET')).body.map((w: { external_userid: string }) => w.external_userid)).toEqual([scans[1]!.ext, scans[3]!.ext]);
  });

  it('one welcome per code when the same code is sent many times at once', async () => {
    const sb = await start(new MemorySandboxStore());
    const { corp, token, scans } = await grown(sb, 1);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => sb.post('/cgi-bin/externalcontact/send_welcome_msg', { welcome_code: scans[0]!.code, text: { content: '欢迎' } }, { access_token: token })),
    );
    expect(answers.filter((a) => a.errcode === 0)).toHaveLength(1);
    expect(answers.filter((a) => a.errcode === 41051)).toHaveLength(19);
    expect((await sb.sim(`/corps/${corp}/welcome-messages`, undefined, 'GET')).body).toHaveLength(1);
  });

  it('splits a corp stored whole (before its collections were records) on first use', async () => {
    const store = new MemorySandboxStore();
    // The old shape: welcome codes were a list.
    const whole = newCorp('wwlegacy00000001') as Omit<CorpState, 'welcomeCodes'> & { welcomeCodes: unknown };
    whole.customers = { wmold1: { external_userid: 'wmold1', name: '老客户', type: 1, gender: 0, avatar: 'https://wx.qlogo.cn/x/0' } };
    whole.relations = [{ userid: 'lisi', external_userid: 'wmold1', remark: '', description: '', createtime: 1, tags: [], remark_mobiles: [], add_way: 1, oper_userid: 'wmold1' }];
    whole.welcomeCodes = [{ code: 'oldcode', userid: 'lisi', external_userid: 'wmold1', issuedAt: 1, used: true }];
    await store.put(KIND.corp, whole.corpId, whole);
    const sb = await start(store);
    const token = await sb.token(whole.corpId);
    expect((await sb.get('/cgi-bin/externalcontact/list', { access_token: token, userid: 'lisi' })).external_userid).toEqual(['wmold1']);
    expect(await store.get(KIND.corp, whole.corpId)).not.toHaveProperty('customers');
    expect(await store.list(RECORD_KIND.relations, { ref: whole.corpId })).toHaveLength(1);
  });
});
