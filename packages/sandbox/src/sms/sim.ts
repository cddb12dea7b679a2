import type { FastifyInstance, FastifyReply } from 'fastify';
import { messageView, SimInputError, type FaultKind, type SmsCore, type SmsSimSettings, type Vendor } from './core.js';
import { cstTime, escapeHtml, normalizePhone } from './phone.js';

/**
 * The sandbox's own endpoints, not part of either vendor's API (paths relative to the plugin, e.g.
 * `/sandbox/sms`). Bad input answers 400 `{ error }`.
 *
 *   GET    /messages?phone=&vendor=        messages, newest first, with vendor, templateId, kind, status
 *   GET    /replies?phone=                 replies from phones
 *   GET    /inbox?phone=                   the inbox page; POST /inbox/reply is its reply box (form)
 *   POST   /__sim/reply                    {phone, text, signName?, vendor?}: a customer replies (R/TD/T/退订 opt out)
 *   POST   /__sim/numbers/:phone/fail      {reason?, code?}: receipts for that number report failure (空号, 停机 …)
 *   DELETE /__sim/numbers/:phone/fail      the number receives again
 *   GET    /__sim/blacklist                opt-out lists per vendor and sign; DELETE with {phone, signName, vendor}
 *   GET|POST /__sim/settings               limits, receiptDelayMs, failRate, callback retries … (SmsSimSettings)
 *   POST   /__sim/reset                    settings to defaults, no faults, no failing numbers
 *   GET|POST|DELETE /__sim/faults          {vendor, action?, kind: timeout|http500|error, code?, message?, count?}
 */
const VENDORS: Vendor[] = ['tencent', 'aliyun'];
const FAULT_KINDS: FaultKind[] = ['timeout', 'http500', 'error'];

type Body = Record<string, unknown> & { __invalidJson?: boolean };

function bodyOf(raw: unknown): Body {
  const body = (raw ?? {}) as Body;
  if (body.__invalidJson) throw new SimInputError('body is not valid JSON');
  if (typeof body !== 'object' || Array.isArray(body)) throw new SimInputError('body must be a JSON object');
  return body;
}

function vendorOf(v: unknown, required: boolean): Vendor | undefined {
  if (v === undefined || v === null || v === '') {
    if (required) throw new SimInputError(`vendor must be one of ${VENDORS.join(', ')}`);
    return undefined;
  }
  if (!VENDORS.includes(v as Vendor)) throw new SimInputError(`vendor must be one of ${VENDORS.join(', ')}`);
  return v as Vendor;
}

const nonNegative = (name: string, v: unknown) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new SimInputError(`${name} must be a number ≥ 0`);
  return v;
};

/** The settings a `POST /__sim/settings` body asks to change (limits take null to switch them off). */
export function parseSettings(body: Body): Partial<SmsSimSettings> {
  const out: Partial<SmsSimSettings> = {};
  for (const k of ['thirtySecondLimit', 'hourlyLimit', 'dailyLimit', 'dailyQuota'] as const) {
    if (body[k] === undefined) continue;
    out[k] = body[k] === null ? null : Math.floor(nonNegative(k, body[k]));
  }
  for (const k of ['receiptDelayMs', 'callbackTimeoutMs', 'timeoutFaultMs'] as const) {
    if (body[k] !== undefined) out[k] = nonNegative(k, body[k]);
  }
  if (body.failRate !== undefined) {
    const r = nonNegative('failRate', body.failRate);
    if (r > 1) throw new SimInputError('failRate must be between 0 and 1');
    out.failRate = r;
  }
  if (body.callbackRetryDelaysMs !== undefined) {
    if (!Array.isArray(body.callbackRetryDelaysMs)) throw new SimInputError('callbackRetryDelaysMs must be an array of numbers');
    out.callbackRetryDelaysMs = body.callbackRetryDelaysMs.map((d, i) => nonNegative(`callbackRetryDelaysMs[${i}]`, d));
  }
  if (body.approvedSigns !== undefined) {
    if (body.approvedSigns !== null && (!Array.isArray(body.approvedSigns) || body.approvedSigns.some((x) => typeof x !== 'string'))) {
      throw new SimInputError('approvedSigns must be an array of strings or null');
    }
    out.approvedSigns = body.approvedSigns as string[] | null;
  }
  const known = new Set(['thirtySecondLimit', 'hourlyLimit', 'dailyLimit', 'dailyQuota', 'receiptDelayMs', 'callbackTimeoutMs', 'timeoutFaultMs', 'failRate', 'callbackRetryDelaysMs', 'approvedSigns']);
  const unknown = Object.keys(body).find((k) => !known.has(k));
  if (unknown) throw new SimInputError(`unknown setting ${unknown}`);
  return out;
}

export function simRoutes(app: FastifyInstance, core: SmsCore) {
  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof SimInputError) return reply.status(400).send({ error: err.message });
    throw err;
  });

  // ── Inbox ──────────────────────────────────────────────────────────────────────────────────────────

  app.get('/messages', { schema: { hide: true } }, async (req) => {
    const { phone, vendor } = req.query as { phone?: string; vendor?: string };
    const now = Date.now();
    const items = (await core.messages(phone)).map((m) => messageView(m, now)).filter((m) => !vendor || m.vendor === vendor);
    return { items };
  });

  app.get('/replies', { schema: { hide: true } }, async (req) => {
    const { phone } = req.query as { phone?: string };
    return { items: (await core.replies(phone)).map(({ push, ...r }) => ({ ...r, pushed: push.acknowledged })) };
  });

  app.get('/inbox', { schema: { hide: true } }, async (req, reply) => inboxPage(core, (req.query as { phone?: string }).phone, reply));

  // The reply box of the inbox page: a form post, answered with a redirect back to the page.
  app.post('/inbox/reply', { schema: { hide: true } }, async (req, reply) => {
    const b = bodyOf(req.body);
    const phone = String(b.phone ?? '');
    await core.reply({ phone, text: String(b.text ?? ''), signName: b.signName ? String(b.signName) : undefined, vendor: vendorOf(b.vendor, false) });
    const back = typeof b.filter === 'string' && b.filter ? `?phone=${encodeURIComponent(b.filter)}` : '';
    return reply.redirect(`../inbox${back}`, 303);
  });

  // ── The customer's phone ───────────────────────────────────────────────────────────────────────────

  app.post('/__sim/reply', { schema: { hide: true } }, async (req) => {
    const b = bodyOf(req.body);
    if (typeof b.phone !== 'string' || typeof b.text !== 'string') throw new SimInputError('phone and text are required strings');
    if (b.signName !== undefined && typeof b.signName !== 'string') throw new SimInputError('signName must be a string');
    const r = await core.reply({ phone: b.phone, text: b.text, signName: b.signName as string | undefined, vendor: vendorOf(b.vendor, false) });
    const { push, ...view } = r;
    void push;
    return view;
  });

  app.post('/__sim/numbers/:phone/fail', { schema: { hide: true } }, async (req) => {
    const phone = normalizePhone((req.params as { phone: string }).phone);
    if (!phone) throw new SimInputError('phone is not a mainland China mobile number');
    const b = bodyOf(req.body);
    const reason = typeof b.reason === 'string' && b.reason.trim() ? b.reason.trim() : '空号';
    const code = typeof b.code === 'string' && b.code.trim() ? b.code.trim() : 'UNDELIV';
    await core.setFailing(phone, { reason, code });
    return { phone, reason, code };
  });

  app.delete('/__sim/numbers/:phone/fail', { schema: { hide: true } }, async (req) => {
    const phone = normalizePhone((req.params as { phone: string }).phone);
    if (!phone) throw new SimInputError('phone is not a mainland China mobile number');
    await core.setFailing(phone, null);
    return { phone };
  });

  app.get('/__sim/blacklist', { schema: { hide: true } }, async () => ({ items: await core.optOutLists() }));

  app.delete('/__sim/blacklist', { schema: { hide: true } }, async (req) => {
    const b = { ...(req.query as Record<string, unknown>), ...(req.body && typeof req.body === 'object' ? bodyOf(req.body) : {}) };
    const phone = normalizePhone(String(b.phone ?? ''));
    if (!phone || typeof b.signName !== 'string') throw new SimInputError('phone and signName are required');
    await core.setOptOut(vendorOf(b.vendor, true)!, b.signName, phone, null);
    return { phone, signName: b.signName, vendor: b.vendor };
  });

  // ── The simulation ─────────────────────────────────────────────────────────────────────────────────

  app.get('/__sim/settings', { schema: { hide: true } }, async () => core.settings());

  app.post('/__sim/settings', { schema: { hide: true } }, async (req) => core.changeSettings(parseSettings(bodyOf(req.body))));

  /** Settings to the defaults, no faults, no failing numbers. */
  app.post('/__sim/reset', { schema: { hide: true } }, async () => {
    await core.reset();
    return { settings: await core.settings() };
  });

  app.get('/__sim/faults', { schema: { hide: true } }, async () => ({ faults: (await core.state()).faults }));

  app.post('/__sim/faults', { schema: { hide: true } }, async (req) => {
    const b = bodyOf(req.body);
    const vendor = vendorOf(b.vendor, true)!;
    if (!FAULT_KINDS.includes(b.kind as FaultKind)) throw new SimInputError(`kind must be one of ${FAULT_KINDS.join(', ')}`);
    if (b.action !== undefined && b.action !== null && typeof b.action !== 'string') throw new SimInputError('action must be a string');
    if (b.code !== undefined && b.code !== null && typeof b.code !== 'string') throw new SimInputError('code must be a string');
    if (b.message !== undefined && b.message !== null && typeof b.message !== 'string') throw new SimInputError('message must be a string');
    const count = b.count === undefined ? 1 : Math.floor(nonNegative('count', b.count));
    if (count < 1) throw new SimInputError('count must be at least 1');
    const faults = await core.addFault({
      vendor,
      action: (b.action as string | undefined) || null,
      kind: b.kind as FaultKind,
      code: (b.code as string | undefined) || null,
      message: (b.message as string | undefined) || null,
      remaining: count,
    });
    return { faults };
  });

  app.delete('/__sim/faults', { schema: { hide: true } }, async () => {
    await core.clearFaults();
    return { faults: [] };
  });
}

const STATUS_LABEL = { sending: '发送中', delivered: '已送达', failed: '未送达' } as const;

async function inboxPage(core: SmsCore, phone: string | undefined, reply: FastifyReply) {
  const now = Date.now();
  const list = (await core.messages(phone, 100)).map((m) => messageView(m, now));
  const optOuts = new Map<string, Set<string>>();
  for (const m of list) {
    const key = `${m.vendor}:${m.signName}`;
    if (m.kind === 'marketing' && !optOuts.has(key)) optOuts.set(key, await core.optedOut(m.vendor, m.signName));
  }
  const rowsHtml = list.length
    ? list
        .map((m) => {
          const blocked = m.kind === 'marketing' && optOuts.get(`${m.vendor}:${m.signName}`)?.has(m.phoneNumber);
          const status = m.status === 'failed' && m.report ? `${STATUS_LABEL.failed}(${escapeHtml(m.report.description)})` : STATUS_LABEL[m.status];
          return (
            `<tr><td>${escapeHtml(cstTime(m.sentAt))}<br><small>${m.vendor === 'tencent' ? '腾讯云' : '阿里云'}</small></td>` +
            `<td>${escapeHtml(m.phoneNumber.replace(/^\+86/, ''))}</td>` +
            `<td><span class="k ${m.kind}">${m.kind === 'marketing' ? '营销' : '通知'}</span> ${escapeHtml(m.templateName ?? '')}` +
            `${blocked ? ' <span class="k blocked">已退订</span>' : ''}<br>${escapeHtml(m.text)}<br><small>${status}</small></td>` +
            `<td><form method="post" action="inbox/reply"><input type="hidden" name="phone" value="${escapeHtml(m.phoneNumber)}">` +
            `<input type="hidden" name="signName" value="${escapeHtml(m.signName)}"><input type="hidden" name="vendor" value="${m.vendor}">` +
            `<input type="hidden" name="filter" value="${escapeHtml(phone ?? '')}">` +
            `<input name="text" size="6" required placeholder="R 退订" aria-label="回复内容"> <button>回复</button></form></td></tr>`
          );
        })
        .join('\n')
    : '<tr><td colspan="4" style="color:#888">暂无短信</td></tr>';
  reply.type('text/html; charset=utf-8');
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="15"><title>短信收件箱 · Siyu 沙箱</title>
<style>body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;max-width:960px;margin:1.5rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:.5rem;text-align:left;vertical-align:top}th{color:#666;font-weight:normal}
small{color:#888}.k{font-size:.75rem;padding:0 .3rem;border-radius:3px;border:1px solid}.k.notification{color:#1677ff}.k.marketing{color:#d46b08}.k.blocked{color:#cf1322}</style></head>
<body><h1>短信收件箱</h1>
<p>这里显示沙箱短信服务(模拟腾讯云短信与阿里云短信)发出的所有短信。演示时在此查看验证码;在“回复”中以用户身份回复短信,回复 R / TD / T / 退订 即退订该签名的营销短信。页面每 15 秒自动刷新。</p>
<form method="get"><input name="phone" placeholder="按手机号筛选" aria-label="手机号" value="${escapeHtml(phone ?? '')}"> <button>筛选</button></form>
<table><thead><tr><th scope="col">时间</th><th scope="col">手机号</th><th scope="col">内容</th><th scope="col">回复</th></tr></thead><tbody>
${rowsHtml}
</tbody></table></body></html>`;
}
