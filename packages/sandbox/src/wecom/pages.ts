import type { FastifyInstance, FastifyReply } from 'fastify';
import QRCode from 'qrcode';
import { createCustomer, scanContactWay } from './contacts.js';
import type { WecomCore } from './core.js';
import { NoCorp, WxError } from './errors.js';
import { scanJoinWay } from './join-ways.js';
import { confirmTask } from './mass.js';
import { DEFAULT_CORP_ID, WECOM_SANDBOX, staffOf, type CorpState } from './state.js';

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const enc = encodeURIComponent;

/** Beijing time as the WeCom app shows it: 12月4日 10:30. */
const when = (ms: number) => {
  const d = new Date(ms + 8 * 3_600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
};

const CSS = `body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#e5e5e5;color:#111}
main{max-width:760px;margin:1.5rem auto;padding:0 1rem;background:#fff}a{color:#2b6fd6}
.phone{max-width:390px;margin:0 auto;min-height:100vh;background:#f2f3f5;padding:0 0 1rem}
header{background:#fff;border-bottom:1px solid #ddd;padding:.7rem 1rem;text-align:center;position:sticky;top:0}
header h1{font-size:1.05rem;margin:0}header p{margin:.2rem 0 0;font-size:.75rem;color:#555}
section{margin:.8rem .75rem}section h2{font-size:.85rem;color:#555;font-weight:600;margin:.2rem 0 .4rem}
.card{background:#fff;border-radius:8px;padding:.7rem .9rem;margin:.45rem 0}.card p{margin:.2rem 0;white-space:pre-wrap;word-break:break-word}
.meta{font-size:.75rem;color:#555}.empty{color:#555;font-size:.85rem}
button{font:inherit;background:#2b6fd6;color:#fff;border:0;border-radius:4px;padding:.4rem .9rem;cursor:pointer}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:.4rem;text-align:left}
input{font:inherit;padding:.35rem .5rem}.error{color:#b00020}footer{font-size:.75rem;text-align:center;color:#555}`;

const page = (title: string, body: string, head = '') =>
  `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">${head}<title>${esc(title)} · Siyu 沙箱</title><style>${CSS}</style></head><body>${body}</body></html>`;

const html = (reply: FastifyReply, s: string) => reply.type('text/html; charset=utf-8').send(s);

function errorPage(reply: FastifyReply, err: unknown, back: string) {
  if (!(err instanceof WxError) && !(err instanceof NoCorp)) throw err;
  const msg = err instanceof WxError ? `${err.message}(错误码 ${err.errcode})` : '企业不存在';
  return html(reply.code(err instanceof NoCorp ? 404 : 400), page('操作失败', `<main><h1>操作失败</h1><p class="error">${esc(msg)}</p><p><a href="${esc(back)}">返回</a></p></main>`));
}

/** The staff phone (企业微信 app of one member), the contact-way QR landing page, and the index. */
export function pages(app: FastifyInstance, core: WecomCore, baseUrl: () => string) {
  app.get('/', { schema: { hide: true } }, async (_req, reply) => {
    const corps = await core.corps();
    const rows = corps
      .map((s) => `<tr><td><code>${esc(s.corpId)}</code></td><td>${esc(s.name)}</td><td>${esc(s.callbackUrl ?? '未设置')}</td><td>${s.staff.map((x) => `<a href="phone?corp=${enc(s.corpId)}&amp;userid=${enc(x.userid)}">${esc(x.name)}</a>`).join(' · ')}</td></tr>`)
      .join('');
    return html(
      reply,
      page(
        '企业微信',
        `<main><h1>企业微信 WeCom 沙箱</h1>
<p>按企业微信公开协议模拟的服务端 API(通讯录、客户联系、联系我、欢迎语、客户标签、群发、在职/离职继承、客户群、朋友圈、应用消息)与加密回调。把 <code>https://qyapi.weixin.qq.com</code> 换成本沙箱地址即可。</p>
<p>默认企业:CorpID <code>${esc(DEFAULT_CORP_ID)}</code>,客户联系 Secret <code>${esc(WECOM_SANDBOX.contactSecret)}</code>,应用 AgentId <code>${WECOM_SANDBOX.agentId}</code> / Secret <code>${esc(WECOM_SANDBOX.agentSecret)}</code>,回调 Token <code>${esc(WECOM_SANDBOX.token)}</code>,EncodingAESKey <code>${esc(WECOM_SANDBOX.encodingAesKey)}</code>。</p>
<h2>企业与员工手机视图</h2><table><thead><tr><th scope="col">CorpID</th><th scope="col">名称</th><th scope="col">回调地址</th><th scope="col">员工(打开手机视图)</th></tr></thead><tbody>${rows}</tbody></table>
<p>模拟钩子(JSON)在 <code>__sim/corps/:corpId/…</code> 下,例如 <a href="__sim/corps/${enc(DEFAULT_CORP_ID)}">默认企业</a>。</p></main>`,
      ),
    );
  });

  app.get('/phone', { schema: { hide: true } }, async (req, reply) => {
    const q = req.query as { corp?: string; userid?: string; refresh?: string };
    const corpId = q.corp || DEFAULT_CORP_ID;
    let s: CorpState;
    let now: number;
    try {
      // Read through a change, so transfers whose 24 h have passed show as done.
      [s, now] = await core.mutate(corpId, (st, ctx) => [st, ctx.now] as const);
    } catch (err) {
      return errorPage(reply, err, './');
    }
    const st = staffOf(s, q.userid);
    if (!st) return html(reply.code(404), page('员工手机', `<main><h1>员工手机</h1><p class="error">该企业没有这个员工</p><p><a href="./">返回沙箱</a></p></main>`));
    const pending = s.massTasks.flatMap((t) => t.tasks.filter((x) => x.userid === st.userid && x.status === 0).map((x) => ({ t, x })));
    const tasks = pending.length
      ? pending
          .map(
            ({ t, x }) => `<div class="card"><p>${esc(t.text?.content ?? '')}</p>${t.attachments.length ? `<p class="meta">附件 ${t.attachments.length} 个</p>` : ''}
<p class="meta">发送给 ${x.results.length} 位${t.chat_type === 'group' ? '客户群' : '客户'} · 创建于 ${esc(when(t.create_time * 1000))}</p>
<form method="post" action="phone/confirm"><input type="hidden" name="corp" value="${esc(corpId)}"><input type="hidden" name="userid" value="${esc(st.userid)}"><input type="hidden" name="msgid" value="${esc(t.msgid)}"><button>确认发送</button></form></div>`,
          )
          .join('')
      : '<p class="empty">没有待发送的群发任务</p>';
    const messages = s.appMessages.filter((m) => m.touser === st.userid).slice(-50).reverse();
    const inbox = messages.length
      ? messages
          .map((m) => `<div class="card">${m.title ? `<p><strong>${esc(m.title)}</strong></p>` : ''}<p>${esc(m.content)}</p>${m.url ? `<p><a href="${esc(m.url)}" rel="noreferrer">详情</a></p>` : ''}<p class="meta">${esc(when(m.sent_at))}</p></div>`)
          .join('')
      : '<p class="empty">没有应用消息</p>';
    const rels = s.relations.filter((r) => r.userid === st.userid);
    const customers = rels.length
      ? `<div class="card"><table><tbody>${rels.map((r) => `<tr><td>${esc(s.customers[r.external_userid]?.name)}</td><td class="meta">${esc(r.remark || '')}</td><td class="meta">${esc(r.state ? `渠道 ${r.state}` : '')}</td></tr>`).join('')}</tbody></table></div>`
      : '<p class="empty">还没有客户</p>';
    const refresh = q.refresh !== '0';
    const self = `phone?corp=${enc(corpId)}&userid=${enc(st.userid)}`;
    return html(
      reply,
      page(
        `${st.name} · 员工手机`,
        `<div class="phone"><header><h1>企业微信 · ${esc(st.name)}</h1><p>${esc(s.name)} · ${st.status === 5 ? '已离职' : esc(st.position)} · ${esc(when(now))}</p></header>
<section aria-labelledby="h-tasks"><h2 id="h-tasks">待发送的群发(${pending.length})</h2>${tasks}</section>
<section aria-labelledby="h-msgs"><h2 id="h-msgs">应用消息(提醒)</h2>${inbox}</section>
<section aria-labelledby="h-cust"><h2 id="h-cust">我的客户(${rels.length})</h2>${customers}</section>
<footer>${refresh ? `每 5 秒自动刷新 · <a href="${esc(self)}&amp;refresh=0">停止刷新</a>` : `<a href="${esc(self)}">开启自动刷新</a>`} · <a href="./">沙箱首页</a></footer></div>`,
        refresh ? '<meta http-equiv="refresh" content="5">' : '',
      ),
    );
  });

  app.post('/phone/confirm', { schema: { hide: true } }, async (req, reply) => {
    const b = (req.body ?? {}) as Record<string, string | undefined>;
    const back = `../phone?corp=${enc(b.corp ?? '')}&userid=${enc(b.userid ?? '')}`;
    try {
      await core.mutate(b.corp ?? '', (s, ctx) => confirmTask(s, ctx, b.msgid ?? '', b.userid ?? ''));
    } catch (err) {
      return errorPage(reply, err, back);
    }
    return reply.redirect(back, 303);
  });

  /** The contact way's qr_code: a PNG of the scan page's URL, so a phone (or a test) can follow it. */
  app.get('/contact/:configId/qr.png', { schema: { hide: true } }, async (req, reply) => {
    const { configId } = req.params as { configId: string };
    const known = (await core.corps()).some((s) => s.contactWays.some((w) => w.config_id === configId));
    if (!known) return reply.code(404).type('text/plain; charset=utf-8').send('qr code not found');
    const png = await QRCode.toBuffer(`${baseUrl()}/contact/${enc(configId)}`, { type: 'png', width: 430, margin: 2, errorCorrectionLevel: 'M' });
    return reply.type('image/png').header('cache-control', 'max-age=60').send(png);
  });

  /** What a WeChat user sees after scanning the code; here, a form to pick who scans. */
  app.get('/contact/:configId', { schema: { hide: true } }, async (req, reply) => {
    const { configId } = req.params as { configId: string };
    const corp = (await core.corps()).find((s) => s.contactWays.some((w) => w.config_id === configId));
    const way = corp?.contactWays.find((w) => w.config_id === configId);
    if (!corp || !way) return html(reply.code(404), page('二维码已失效', '<main><h1>二维码已失效或不存在</h1><p><a href="../">返回沙箱</a></p></main>'));
    return html(
      reply,
      page(
        '添加企业微信',
        `<main><h1>扫码添加「${esc(corp.name)}」的企业微信</h1><p>渠道参数 state:<code>${esc(way.state || '(无)')}</code> · 成员:${esc(way.user.map((u) => staffOf(corp, u)?.name ?? u).join('、'))}</p>
<form method="post" action="${esc(enc(configId))}"><label for="scan-name">以哪个微信用户扫码(昵称)</label> <input id="scan-name" name="name" required maxlength="64" value="王小美"> <button>扫码添加</button></form></main>`,
      ),
    );
  });

  app.post('/contact/:configId', { schema: { hide: true } }, async (req, reply) => {
    const { configId } = req.params as { configId: string };
    const name = String(((req.body ?? {}) as { name?: string }).name ?? '').trim();
    const corp = (await core.corps()).find((s) => s.contactWays.some((w) => w.config_id === configId));
    if (!corp) return errorPage(reply, new NoCorp(''), '../');
    let userid = '';
    try {
      await core.mutate(corp.corpId, (s, ctx) => {
        userid = scanContactWay(s, ctx, configId, createCustomer(s, { name }).external_userid).userid;
      });
    } catch (err) {
      return errorPage(reply, err, enc(configId));
    }
    return reply.redirect(`../phone?corp=${enc(corp.corpId)}&userid=${enc(userid)}`, 303);
  });

  /** A join way's qr_code (群活码): a PNG of its scan page's URL. */
  const byJoinWay = async (configId: string) => {
    const corp = (await core.corps()).find((s) => (s.groupJoinWays ?? []).some((w) => w.config_id === configId));
    return { corp, way: corp?.groupJoinWays?.find((w) => w.config_id === configId) };
  };
  app.get('/join/:configId/qr.png', { schema: { hide: true } }, async (req, reply) => {
    const { configId } = req.params as { configId: string };
    if (!(await byJoinWay(configId)).way) return reply.code(404).type('text/plain; charset=utf-8').send('qr code not found');
    const png = await QRCode.toBuffer(`${baseUrl()}/join/${enc(configId)}`, { type: 'png', width: 430, margin: 2, errorCorrectionLevel: 'M' });
    return reply.type('image/png').header('cache-control', 'max-age=60').send(png);
  });
  app.get('/join/:configId', { schema: { hide: true } }, async (req, reply) => {
    const { configId } = req.params as { configId: string };
    const { corp, way } = await byJoinWay(configId);
    if (!corp || !way) return html(reply.code(404), page('二维码已失效', '<main><h1>二维码已失效或不存在</h1><p><a href="../">返回沙箱</a></p></main>'));
    const names = way.chat_id_list.map((id) => corp.groupChats.find((c) => c.chat_id === id)?.name || id);
    return html(reply, page('加入群聊', `<main><h1>扫码加入「${esc(names.join('、'))}」</h1><p>渠道参数 state:<code>${esc(way.state || '(无)')}</code></p>
<form method="post" action="${esc(enc(configId))}"><label for="scan-name">以哪个微信用户扫码(昵称)</label> <input id="scan-name" name="name" required maxlength="64" value="王小美"> <button>加入群聊</button></form></main>`));
  });
  app.post('/join/:configId', { schema: { hide: true } }, async (req, reply) => {
    const { configId } = req.params as { configId: string };
    const name = String(((req.body ?? {}) as { name?: string }).name ?? '').trim();
    const { corp } = await byJoinWay(configId);
    if (!corp) return errorPage(reply, new NoCorp(''), '../');
    let chatName = '';
    try {
      await core.mutate(corp.corpId, (s, ctx) => {
        const { chat_id } = scanJoinWay(s, ctx, configId, { external_userid: createCustomer(s, { name }).external_userid });
        chatName = s.groupChats.find((c) => c.chat_id === chat_id)?.name ?? chat_id;
      });
    } catch (err) {
      return errorPage(reply, err, enc(configId));
    }
    return html(reply, page('已加入群聊', `<main><h1>已加入群聊「${esc(chatName)}」</h1></main>`));
  });
}
