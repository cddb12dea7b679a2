import { describe, expect, it } from 'vitest';
import { assignVariant } from './assign.js';
import { createFlags, type FlagFetch } from './flags.js';
import { SafeStorage } from './storage.js';

const answer = (body: unknown, ok = true) => Promise.resolve({ ok, json: () => Promise.resolve(body) });
const variants = [
  { key: 'control', weight: 50, payload: { buttonText: '立即购买' } },
  { key: 'urgent', weight: 50, payload: { buttonText: '马上抢' } },
];
const config = (extra: Partial<{ assigned: Record<string, string> }> = {}) => ({
  experiments: [
    { key: 'buy_button', status: 'running', salt: 's1', trafficPercent: 100, variants, shippedVariant: null },
    { key: 'old_banner', status: 'stopped', salt: 's2', trafficPercent: 100, variants, shippedVariant: 'urgent' },
  ],
  assigned: {},
  ...extra,
});

describe('feature flags evaluated on the server', () => {
  it('asks once per identity with the device and token, and shares the answer', async () => {
    const calls: { url: string; auth?: string }[] = [];
    const fetch: FlagFetch = (url, init) => {
      calls.push({ url, auth: init.headers.Authorization });
      return answer({ flags: { buy_button: { variant: 'urgent', payload: { buttonText: '马上抢' }, inExperiment: true } } });
    };
    let token: string | null = null;
    const flags = createFlags({ url: '/api/store/s/flags', device: () => 'dev 1', token: () => token, fetch, evaluate: 'server' });
    const [a, b] = await Promise.all([flags.get('buy_button'), flags.get('buy_button')]);
    expect(a).toEqual({ variant: 'urgent', payload: { buttonText: '马上抢' }, inExperiment: true });
    expect(b).toEqual(a);
    expect(await flags.get('missing')).toBeNull();
    expect(calls).toEqual([{ url: '/api/store/s/flags?device=dev%201', auth: undefined }]);
    token = 'tok';
    await flags.get('buy_button');
    expect(calls.at(-1)).toEqual({ url: '/api/store/s/flags?device=dev%201', auth: 'Bearer tok' });
    flags.reset();
    await flags.get('buy_button');
    expect(calls).toHaveLength(3);
  });
});

describe('feature flags evaluated in the SDK', () => {
  it('draws the variant the server would, from one config request, and reports each exposure once in one batch', async () => {
    const calls: { url: string; method?: string; body?: string }[] = [];
    const fetch: FlagFetch = (url, init) => {
      calls.push({ url, method: init.method, body: init.body });
      return url.endsWith('/config') ? answer(config()) : answer({ accepted: 1, refused: 0 });
    };
    for (const device of ['dev-1', 'dev-2', 'dev-3', 'dev-4']) {
      calls.length = 0;
      const flags = createFlags({ url: '/api/store/s/flags', device: () => device, fetch, exposureDelayMs: 5 });
      const expected = assignVariant('s1', 100, variants, `a:${device}`)!;
      const [a, b] = await Promise.all([flags.get('buy_button'), flags.get('buy_button')]);
      expect(a).toEqual({ variant: expected, payload: variants.find((v) => v.key === expected)!.payload, inExperiment: true });
      expect(b).toEqual(a);
      // A stopped experiment shows the shipped variant to everyone and is no exposure.
      expect(await flags.get('old_banner')).toEqual({ variant: 'urgent', payload: { buttonText: '马上抢' }, inExperiment: false });
      expect(await flags.get('missing')).toBeNull();
      await flags.flush();
      expect(calls.filter((c) => c.url.endsWith('/config'))).toHaveLength(1);
      const posted = calls.filter((c) => c.url.endsWith('/exposures'));
      expect(posted).toHaveLength(1);
      expect(JSON.parse(posted[0]!.body!)).toEqual({ device, exposures: [{ key: 'buy_button', variant: expected }] });
    }
  });

  it('waits for a device id that is still loading instead of showing the control to nobody', async () => {
    let release!: (id: string) => void;
    const device = new Promise<string>((r) => (release = r));
    const posted: string[] = [];
    const fetch: FlagFetch = (url, init) => {
      if (url.endsWith('/exposures')) posted.push(init.body!);
      return answer(url.endsWith('/config') ? config() : {});
    };
    const flags = createFlags({ url: '/f', device: () => device, fetch, exposureDelayMs: 1 });
    const pending = flags.get('buy_button');
    release('late-device');
    const expected = assignVariant('s1', 100, variants, 'a:late-device')!;
    expect(await pending).toMatchObject({ variant: expected, inExperiment: true });
    await flags.flush();
    expect(JSON.parse(posted[0]!)).toEqual({ device: 'late-device', exposures: [{ key: 'buy_button', variant: expected }] });
  });

  it('keeps a signed-in customer on the variant they already have', async () => {
    const device = 'dev-x';
    const other = assignVariant('s1', 100, variants, `a:${device}`) === 'urgent' ? 'control' : 'urgent';
    const fetch: FlagFetch = (url, init) => (url.endsWith('/config') ? answer(init.headers.Authorization ? config({ assigned: { buy_button: other } }) : config()) : answer({}));
    let token: string | null = null;
    const flags = createFlags({ url: '/f', device: () => device, token: () => token, fetch });
    expect((await flags.get('buy_button'))!.variant).not.toBe(other);
    token = 'tok';
    expect((await flags.get('buy_button'))!.variant).toBe(other);
  });

  it('answers the next visit from the stored config before any request, then refreshes it', async () => {
    const memory = new Map<string, string>();
    const storage = new SafeStorage({ getItem: (k) => memory.get(k) ?? null, setItem: (k, v) => void memory.set(k, v), removeItem: (k) => void memory.delete(k) });
    await createFlags({ url: '/f', device: () => 'd', storage, fetch: (url) => (url.endsWith('/config') ? answer(config()) : answer({})) }).get('buy_button');
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const next = createFlags({ url: '/f', device: () => 'd', storage, fetch: (url) => slow.then(() => answer(url.endsWith('/config') ? { experiments: [], assigned: {} } : {})) });
    expect((await next.get('buy_button'))!.inExperiment).toBe(true);
    release();
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => setTimeout(r, 0));
    // The refreshed config (the experiment was deleted) applies from then on.
    expect(await next.get('buy_button')).toBeNull();
  });

  it('falls back to no flags when the server fails or is unreachable', async () => {
    expect(await createFlags({ url: '/f', device: () => null, fetch: () => answer({}, false) }).get('x')).toBeNull();
    expect(await createFlags({ url: '/f', device: () => null, fetch: () => Promise.reject(new Error('offline')) }).get('x')).toBeNull();
    expect(await createFlags({ url: '/f', device: () => null, evaluate: 'server', fetch: () => Promise.reject(new Error('offline')) }).get('x')).toBeNull();
  });
});
