/**
 * The WeCom simulator alone, as the bench runs it (a `serve` process on its own PGlite): what one new
 * customer costs it — __sim/customers, __sim/scan, then send_welcome_msg with the code — at each of the
 * corp sizes given, one call at a time. Between the sizes the corp grows through the same calls (customer +
 * scan, 4 in flight), which are not timed.
 *
 *   npx tsx bench/wecom-callbacks/sim-scale.ts [--at 300,3000] [--samples 100] [--seed 0] [--out FILE]
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runMain } from '../lib/cleanup.js';
import { openPglite } from '../lib/database.js';
import { json } from '../lib/http.js';
import { startServer } from '../lib/server.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const sizes = arg('at', '300,3000').split(',').map(Number);
const samples = Number(arg('samples', '100'));
const out = arg('out', '');
/** Customers put into the stored corp before the first size is measured (0: every customer through the API). */
const seed = Number(arg('seed', '0'));

/** utime + stime of a process, ms (Linux). */
const cpuMs = (pid: number) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
};

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 100) / 100;
};

runMain(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sim-scale-'));
  const env = { NODE_ENV: 'production', SESSION_SECRET: 'sim-scale-session-secret-not-for-real-use', SEED_DEMO: 'false', LOG_LEVEL: 'warn', SANDBOX: 'true', DATA_DIR: dataDir };
  let sim = await startServer('serve', env);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  // A kept-alive socket the server closed while it sat idle (between the phases) fails at once: sent again.
  const call = async (method: string, p: string, body?: unknown) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await json(agent, sim.url, method, `/sandbox/wecom${p}`, body);
      } catch (err) {
        if (attempt >= 2 || !/socket hang up|ECONNRESET/.test(String((err as Error).message))) throw err;
      }
    }
  };
  const corp = (await call('POST', '/__sim/corps', {})).corpId as string;
  let token = (await call('GET', `/cgi-bin/gettoken?corpid=${corp}&corpsecret=sandbox-contact-secret`)).access_token as string;
  const way = await call('POST', `/cgi-bin/externalcontact/add_contact_way?access_token=${token}`, { type: 2, scene: 2, user: ['zhangsan', 'lisi', 'wangwu'], state: 'scale' });
  const simPath = `/__sim/corps/${corp}`;
  let n = 0;
  if (seed > 0) {
    // Growing a corp through the old simulator takes longer than the sizes are worth: the customers, their
    // relations, used welcome codes and welcome messages go into the stored corp as the simulator would have
    // left them (in the whole-corp shape, which the new simulator splits into records on first use).
    await sim.stop();
    const db = await openPglite(dataDir);
    const [row] = await db.query<{ value: Record<string, any> }>(`SELECT value FROM sandbox_records WHERE kind = 'wecom.corp' AND key = $1`, [corp]);
    const c = row!.value;
    const now = Date.now() - 3_600_000;
    const staff = ['zhangsan', 'lisi', 'wangwu'];
    c.customers = c.customers ?? {};
    c.relations = c.relations ?? [];
    c.welcomeCodes = Array.isArray(c.welcomeCodes) ? c.welcomeCodes : Object.values(c.welcomeCodes ?? {});
    c.welcomeMessages = c.welcomeMessages ?? [];
    c.received = c.received ?? {};
    c.appMessages = c.appMessages ?? [];
    for (let i = 0; i < seed; i++) {
      const ext = `wmseed${String(i).padStart(24, '0')}`;
      const userid = staff[i % staff.length]!;
      c.customers[ext] = { external_userid: ext, name: `种子客户${i}`, type: 1, gender: 0, avatar: `https://wx.qlogo.cn/mmhead/${ext}/0` };
      c.relations.push({ userid, external_userid: ext, remark: '', description: '', createtime: Math.floor(now / 1000), tags: [], remark_mobiles: [], add_way: 1, state: 'scale', oper_userid: ext });
      const code = `seedcode${String(i).padStart(35, '0')}`;
      c.welcomeCodes.push({ code, userid, external_userid: ext, issuedAt: now, used: true });
      c.welcomeMessages.push({ external_userid: ext, userid, text: '欢迎', attachments: [], sent_at: now + 500 });
    }
    c.contactWays[0].next = seed;
    await db.query(`UPDATE sandbox_records SET value = $2::jsonb WHERE kind = 'wecom.corp' AND key = $1`, [corp, JSON.stringify(c)]);
    await db.close();
    sim = await startServer('serve', env);
    n = seed;
    token = (await call('GET', `/cgi-bin/gettoken?corpid=${corp}&corpsecret=sandbox-contact-secret`)).access_token as string;
  }
  const grow = async (to: number) => {
    const lane = async () => {
      while (n < to) {
        n++;
        if (n % 500 === 0) console.log(`  ${n} customers, ${Math.round(process.uptime())} s`);
        const { external_userid } = await call('POST', `${simPath}/customers`, { name: `客户${n}` });
        await call('POST', `${simPath}/scan`, { config_id: way.config_id, external_userid });
      }
    };
    await Promise.all([lane(), lane(), lane(), lane()]);
  };
  const crashed = sim;
  crashed.child.once('exit', (code, signal) => code !== 0 && console.error(`simulator exited (${code ?? signal}):\n  ${crashed.output.slice(-20).join('\n  ')}`));
  const results: Record<string, unknown> = {};
  for (const size of sizes) {
    const t0 = performance.now();
    await grow(size - samples);
    const growS = (performance.now() - t0) / 1000;
    const startN = n;
    const cpu0 = cpuMs(sim.child.pid!);
    const customer: number[] = [];
    const scan: number[] = [];
    const welcome: number[] = [];
    for (let i = 0; i < samples; i++) {
      n++;
      let t = performance.now();
      const { external_userid } = await call('POST', `${simPath}/customers`, { name: `客户${n}` });
      customer.push(performance.now() - t);
      t = performance.now();
      const scanned = await call('POST', `${simPath}/scan`, { config_id: way.config_id, external_userid });
      scan.push(performance.now() - t);
      t = performance.now();
      const sent = await call('POST', `/cgi-bin/externalcontact/send_welcome_msg?access_token=${token}`, { welcome_code: scanned.welcome_code, text: { content: '欢迎' } });
      if (sent.errcode !== 0) throw new Error(JSON.stringify(sent));
      welcome.push(performance.now() - t);
    }
    const row = {
      customersAtStart: startN,
      customersAtEnd: n,
      /** The simulator process's CPU (all threads, PGlite included) per customer + scan + send_welcome_msg: holds up on a busy machine where the times do not. */
      simCpuMsPerIteration: Math.round(((cpuMs(sim.child.pid!) - cpu0) / samples) * 100) / 100,
      growSeconds: Math.round(growS * 10) / 10,
      customerMs: { p50: pct(customer, 50), p90: pct(customer, 90) },
      scanMs: { p50: pct(scan, 50), p90: pct(scan, 90) },
      sendWelcomeMs: { p50: pct(welcome, 50), p90: pct(welcome, 90) },
      scanPlusWelcomeMeanMs: Math.round(((scan.reduce((a, b) => a + b, 0) + welcome.reduce((a, b) => a + b, 0)) / samples) * 100) / 100,
    };
    results[String(size)] = row;
    console.log(size, JSON.stringify(row));
  }
  await sim.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (out) fs.writeFileSync(out, `${JSON.stringify({ samples, results }, null, 2)}\n`);
});
