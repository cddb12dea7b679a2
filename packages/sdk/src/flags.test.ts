import { describe, expect, it } from 'vitest';
import { createFlags, type FlagFetch } from './flags.js';

const answer = (flags: unknown, ok = true) => Promise.resolve({ ok, json: () => Promise.resolve({ flags }) });

describe('feature flags', () => {
  it('asks once per identity with the device and token, and shares the answer', async () => {
    const calls: { url: string; auth?: string }[] = [];
    const fetch: FlagFetch = (url, init) => {
      calls.push({ url, auth: init.headers.Authorization });
      return answer({ buy_button: { variant: 'urgent', payload: { buttonText: '马上抢' }, inExperiment: true } });
    };
    let token: string | null = null;
    const flags = createFlags({ url: '/api/store/s/flags', device: () => 'dev 1', token: () => token, fetch });
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

  it('falls back to no flags when the server fails or is unreachable', async () => {
    expect(await createFlags({ url: '/f', device: () => null, fetch: () => answer({}, false) }).get('x')).toBeNull();
    expect(await createFlags({ url: '/f', device: () => null, fetch: () => Promise.reject(new Error('offline')) }).get('x')).toBeNull();
  });
});
