import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('configuration', () => {
  it('gives sane defaults and a development secret outside production', () => {
    const cfg = loadConfig({});
    expect(cfg).toMatchObject({ NODE_ENV: 'development', PORT: 3000, SANDBOX: true, JOBS_POLL_MS: 250 });
    expect(cfg.SESSION_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(cfg.DATABASE_URL).toBeUndefined();
  });

  it('coerces numbers and booleans and ignores empty values', () => {
    const cfg = loadConfig({ PORT: '8080', SANDBOX: 'no', SEED_DEMO: '1', DATABASE_URL: '', REDIS_URL: 'rediss://cache:6380' });
    expect(cfg).toMatchObject({ PORT: 8080, SANDBOX: false, SEED_DEMO: true, REDIS_URL: 'rediss://cache:6380' });
    expect(cfg.DATABASE_URL).toBeUndefined();
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://cache' }, 'REDIS_URL'],
    [{ SESSION_SECRET: 'too-short' }, 'SESSION_SECRET'],
    [{ NODE_ENV: 'production' }, 'SESSION_SECRET'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ SANDBOX: 'maybe' }, 'SANDBOX'],
    [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
  ])('refuses %j naming %s', (env, variable) => {
    const err = configError(env);
    expect(err.message).toContain(variable);
  });

  it('names every bad variable at once', () => {
    const err = configError({ PORT: 'abc', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    for (const v of ['PORT', 'DATABASE_URL', 'LOG_LEVEL']) expect(err.message).toContain(v);
  });

  it('accepts production with a long enough secret', () => {
    const secret = 'x'.repeat(32);
    expect(loadConfig({ NODE_ENV: 'production', SESSION_SECRET: secret }).SESSION_SECRET).toBe(secret);
  });

  it('turns the simulators and the demo shop off in production unless asked for', () => {
    const secret = 'x'.repeat(32);
    expect(loadConfig({ NODE_ENV: 'production', SESSION_SECRET: secret })).toMatchObject({ SANDBOX: false, SEED_DEMO: false, TRUST_PROXY: [] });
    expect(loadConfig({ NODE_ENV: 'production', SESSION_SECRET: secret, SANDBOX: 'true', SEED_DEMO: 'true' })).toMatchObject({ SANDBOX: true, SEED_DEMO: true });
    expect(loadConfig({})).toMatchObject({ SANDBOX: true, SEED_DEMO: true });
  });

  it.each([
    [{ SANDBOX: 'true', WECHATPAY_BASE_URL: 'https://api.mch.weixin.qq.com' }, 'SANDBOX'],
    [{ SEED_DEMO: 'true', SMS_BASE_URL: 'https://sms.tencentcloudapi.com' }, 'SEED_DEMO'],
    [{ SANDBOX: 'yes', WECHAT_OAUTH_BASE_URL: 'https://api.weixin.qq.com' }, 'SANDBOX'],
  ])('refuses production with %j while vendor URLs are live, naming %s', (env, variable) => {
    const err = configError({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32), ...env });
    expect(err.message).toContain(variable);
    expect(err.message).toContain('production APIs');
  });

  it('refuses the benchmark clock (MESSAGING_CLOCK_NOON_FOR_BENCH) in production and accepts it elsewhere', () => {
    const err = configError({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32), MESSAGING_CLOCK_NOON_FOR_BENCH: 'true' });
    expect(err.message).toContain('MESSAGING_CLOCK_NOON_FOR_BENCH');
    expect(loadConfig({ MESSAGING_CLOCK_NOON_FOR_BENCH: 'true' }).MESSAGING_CLOCK_NOON_FOR_BENCH).toBe(true);
    expect(loadConfig({}).MESSAGING_CLOCK_NOON_FOR_BENCH).toBe(false);
  });

  it('reads TRUST_PROXY as addresses, CIDRs and keywords, and refuses anything else', () => {
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,loopback, ::1, fd00::/8' }).TRUST_PROXY).toEqual(['10.0.0.0/8', '127.0.0.1', 'loopback', '::1', 'fd00::/8']);
    for (const bad of ['true', '10.0.0.0/33', 'proxy.local', '1.2.3.4/8/1']) expect(configError({ TRUST_PROXY: bad }).message).toContain('TRUST_PROXY');
    expect(configError({ METRICS_LISTEN: '9464' }).message).toContain('METRICS_LISTEN');
    expect(configError({ METRICS_TOKEN: 'short' }).message).toContain('METRICS_TOKEN');
  });

  it('the server refuses to start in production with the simulators on and WeChat Pay live (exit 78)', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      SESSION_SECRET: 'x'.repeat(40),
      SANDBOX: 'true',
      WECHATPAY_BASE_URL: 'https://api.mch.weixin.qq.com',
    };
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    const child = spawn('npx', ['tsx', 'apps/server/src/main.ts'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(78);
    expect(out).toContain('SANDBOX: must be off');
  });

  it('the server process exits with 78 and names the variable when PORT=abc', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: 'abc' };
    // It must fail before touching any database.
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    const child = spawn('npx', ['tsx', 'apps/server/src/main.ts'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(78);
    expect(out).toContain('PORT');
    expect(out).not.toContain('Siyu is running');
  });
});
