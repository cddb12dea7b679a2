import type { FastifyInstance, FastifyReply } from 'fastify';
import { openidOf } from '../wechat-oauth/index.js';
import { ACCOUNTS, accountOf, templatesOf } from './accounts.js';
import { SimError, type UserActions } from './actions.js';
import type { MpCore } from './core.js';
import { clickButtons } from './menu.js';
import { sceneOf, type QrCode } from './qr.js';
import { KIND, type MpMessage, type MpUser } from './state.js';

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const enc = encodeURIComponent;

/** Beijing time as WeChat shows it: 11月11日 10:30. */
const when = (iso: string) => {
  const d = new Date(new Date(iso).getTime() + 8 * 3_600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
};

const BASE_CSS = `body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#111;background:#fff}
a{color:#576b95}main{max-width:760px;margin:1.5rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:.45rem;text-align:left;vertical-align:top}th{color:#555;font-weight:600}
code{font-size:.9em;word-break:break-all}label{display:inline-block;margin:.3rem .8rem .3rem 0}
input,select,button{font:inherit;padding:.35rem .5rem}button{background:#057a3d;color:#fff;border:0;border-radius:4px;padding:.4rem 1rem;cursor:pointer}
button.secondary{background:#f2f2f2;color:#111;border:1px solid #ccc}.error{color:#b00020}fieldset{border:1px solid #ddd;border-radius:8px;margin:1rem 0}`;

function page(title: string, body: string, extraHead = '', css = BASE_CSS) {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">${extraHead}
<title>${esc(title)} · Siyu 沙箱</title><style>${css}</style></head><body>${body}</body></html>`;
}

const PHONE_CSS = `body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#d9d9d9;color:#111}
.phone{max-width:390px;margin:0 auto;min-height:100vh;background:#ededed;display:flex;flex-direction:column}
header{background:#ededed;border-bottom:1px solid #d5d5d5;padding:.7rem 1rem;text-align:center;position:sticky;top:0}
header h1{font-size:1.05rem;margin:0;font-weight:600}header p{margin:.2rem 0 0;font-size:.75rem;color:#555}
main{flex:1;padding:.6rem .75rem 1rem}.empty{color:#555;text-align:center;margin:3rem 0;font-size:.9rem}
.time{text-align:center;font-size:.75rem;color:#555;margin:.9rem 0 .4rem}
.card{background:#fff;border-radius:8px;padding:.9rem 1rem .2rem;box-shadow:0 1px 1px rgba(0,0,0,.04)}
.card h2{font-size:1rem;margin:0 0 .15rem;font-weight:600}.card .sub{font-size:.75rem;color:#555;margin:0 0 .6rem}
.card dl{margin:0 0 .7rem;font-size:.9rem;line-height:1.6}.card dl div{display:flex}.card dt{color:#555;flex:0 0 6.2em}.card dd{margin:0;word-break:break-all}
.card .more{display:flex;justify-content:space-between;border-top:1px solid #eee;padding:.65rem 0;color:#111;text-decoration:none;font-size:.9rem}
.tag{display:inline-block;font-size:.7rem;padding:0 .35rem;border-radius:3px;margin-left:.4rem;vertical-align:middle}
.tag.pending{background:#fff3cd;color:#6b4e00}.tag.failed{background:#fde2e1;color:#8a1c14}
.bubble{max-width:78%;padding:.55rem .75rem;border-radius:6px;font-size:.95rem;line-height:1.45;white-space:pre-wrap;word-break:break-word}
.row{display:flex;margin:.2rem 0}.row.me{justify-content:flex-end}.bubble.oa{background:#fff}.bubble.me{background:#95ec69}
.news{background:#fff;border-radius:6px;padding:.6rem .75rem;max-width:78%}.news a{display:block;color:#111;text-decoration:none;margin:.2rem 0}
form.compose{display:flex;gap:.4rem;padding:.6rem .75rem;background:#f7f7f7;border-top:1px solid #d5d5d5}
form.compose input{flex:1;font:inherit;padding:.45rem;border:1px solid #ccc;border-radius:4px}
form.compose button,.actions button{font:inherit;background:#057a3d;color:#fff;border:0;border-radius:4px;padding:.4rem .8rem}
.actions{display:flex;gap:.4rem;justify-content:center;padding:.5rem;flex-wrap:wrap}.actions button.secondary{background:#fff;color:#111;border:1px solid #ccc}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}footer{font-size:.75rem;text-align:center;padding:.4rem;color:#555}`;

function card(m: MpMessage) {
  const status =
    m.status === 'pending' ? '<span class="tag pending">发送中</span>' : m.status.startsWith('failed') ? `<span class="tag failed">未送达(${esc(m.status)})</span>` : '';
  const lines = (m.lines ?? []).map((l) => `<div><dt>${esc(l.label)}</dt><dd>${esc(l.value)}</dd></div>`).join('');
  const href = m.url ?? m.page;
  const more = m.miniprogram
    ? `<p class="more"><span>进入小程序查看</span><span aria-hidden="true">›</span></p>`
    : href && /^https?:\/\//.test(href)
      ? `<a class="more" href="${esc(href)}" rel="noreferrer"><span>详情</span><span aria-hidden="true">›</span></a>`
      : '';
  const kind = m.type === 'template' ? '模板消息' : '订阅通知';
  return `<article class="card" aria-labelledby="t-${esc(m.id)}"><h2 id="t-${esc(m.id)}">${esc(m.title)}${status}</h2><p class="sub">${kind}</p><dl>${lines}</dl>${more}</article>`;
}

function reply(m: MpMessage) {
  const r = m.reply;
  if (r?.msgType === 'news' && r.articles?.length) {
    return `<div class="row"><div class="news">${r.articles.map((a) => (a.url ? `<a href="${esc(a.url)}" rel="noreferrer"><strong>${esc(a.title)}</strong><br><small>${esc(a.description)}</small></a>` : `<p><strong>${esc(a.title)}</strong></p>`)).join('')}</div></div>`;
  }
  const text = r?.msgType === 'text' ? r.content : `[${r?.msgType ?? '消息'}]`;
  return `<div class="row"><div class="bubble oa">${esc(text)}</div></div>`;
}

function bubble(m: MpMessage) {
  if (m.type === 'user_text') return `<div class="row me"><div class="bubble me"><span class="sr-only">我:</span>${esc(m.content)}</div></div>`;
  if (m.type === 'reply') return reply(m);
  return card(m);
}

/**
 * HTML for people: the index (accounts, templates, a form to act as a customer) and a phone view of what
 * one user sees (service notifications and the OA chat), refreshed every 3 s.
 */
export function pages(app: FastifyInstance, core: MpCore, actions: UserActions, baseUrl: () => string) {
  const html = (reply: FastifyReply, body: string) => reply.type('text/html; charset=utf-8').send(body);

  const errorPage = (reply: FastifyReply, err: unknown, back: string) => {
    if (!(err instanceof SimError)) throw err;
    reply.code(err.status);
    return html(reply, page('操作失败', `<main><h1>操作失败</h1><p class="error" role="alert">${esc(err.message)}</p><p><a href="${esc(back)}">返回</a></p></main>`));
  };

  app.get('/', { schema: { hide: true } }, async (_req, reply) => {
    const oas = ACCOUNTS.filter((a) => a.kind === 'oa');
    const rows = [];
    for (const a of ACCOUNTS) {
      const s = await core.account(a.appid);
      rows.push(
        `<tr><td>${esc(a.name)}<br><small>${a.kind === 'oa' ? '服务号' : '小程序'}</small></td><td><code>${esc(a.appid)}</code></td><td><code>${esc(a.secret)}</code></td><td><code>${esc(a.ghId)}</code></td>` +
          `<td>${s.server ? `<code>${esc(s.server.url)}</code>` : '未配置'}</td><td><a href="__sim/accounts/${enc(a.appid)}">状态 JSON</a></td></tr>`,
      );
    }
    const templates = ACCOUNTS.map((a) => {
      const list = [...(a.kind === 'oa' ? templatesOf(a.appid, 'template') : []), ...templatesOf(a.appid, 'subscribe')];
      const items = list
        .map((t) => `<tr><td>${esc(t.title)}<br><small>${t.type === 'template' ? '模板消息' : '一次性订阅'}</small></td><td><code>${esc(t.id)}</code></td><td>${t.keywords.map((k) => `<code>${esc(k.key)}</code> ${esc(k.label)}`).join('<br>')}</td></tr>`)
        .join('');
      return `<details><summary>${esc(a.name)} <code>${esc(a.appid)}</code> 的模板(${list.length})</summary><table><thead><tr><th scope="col">标题</th><th scope="col">模板 ID</th><th scope="col">关键词</th></tr></thead><tbody>${items}</tbody></table></details>`;
    }).join('');
    const qrs = (await core.store.list<QrCode>(KIND.qr, { limit: 12 })).filter((q) => !q.expiresAt || q.expiresAt > Date.now());
    const qrList = qrs.length
      ? `<ul>${qrs.map((q) => `<li><a href="q/${enc(q.code)}">${esc(accountOf(q.appid)?.name)} · 场景 <code>${esc(sceneOf(q))}</code></a>${q.expiresAt ? ` · ${esc(when(new Date(q.expiresAt).toISOString()))} 过期` : ' · 永久'}</li>`).join('')}</ul>`
      : '<p>还没有二维码。商户调用 <code>/cgi-bin/qrcode/create</code> 后会显示在这里。</p>';
    const options = oas.map((a) => `<option value="${esc(a.appid)}">${esc(a.name)} (${esc(a.appid)})</option>`).join('');
    return html(
      reply,
      page(
        '微信公众号 / 小程序沙箱',
        `<main><h1>微信公众号 / 小程序沙箱</h1>
<p>按微信公开协议模拟公众号(模板消息、订阅通知、带参数二维码、用户管理、自定义菜单、服务器配置消息推送)和小程序(登录、订阅消息)。把服务端的 <code>https://api.weixin.qq.com</code> 换成 <code>${esc(baseUrl())}</code> 即可。</p>
<h2>测试账号</h2><table><thead><tr><th scope="col">名称</th><th scope="col">AppID</th><th scope="col">AppSecret</th><th scope="col">原始 ID</th><th scope="col">服务器地址</th><th scope="col">详情</th></tr></thead><tbody>${rows.join('')}</tbody></table>
<h2>模板</h2>${templates}
<h2>模拟顾客</h2>
<form method="post" action="demo"><fieldset><legend>以一个微信用户的身份操作</legend>
<label for="demo-appid">公众号</label><select id="demo-appid" name="appid">${options}</select>
<label for="demo-key">用户标识</label><input id="demo-key" name="key" required maxlength="64" placeholder="例如 zhangsan" value="zhangsan">
<br><label for="demo-ticket">二维码 ticket(可选)</label><input id="demo-ticket" name="ticket" size="40" placeholder="扫码关注时填写">
<br><button name="action" value="follow">关注公众号</button> <button class="secondary" name="action" value="unfollow">取消关注</button>
<br><label for="demo-content">消息内容</label><input id="demo-content" name="content" maxlength="200" placeholder="你好">
<button name="action" value="text">发送消息</button> <button class="secondary" name="action" value="phone">打开手机视图</button>
</fieldset></form>
<h2>最近的二维码</h2>${qrList}
<h2>接口</h2><p>模拟钩子在 <code>__sim/</code> 下(JSON):<a href="__sim/accounts">账号</a> · <a href="__sim/settings">设置</a> · <a href="__sim/faults">故障注入</a>。</p></main>`,
      ),
    );
  });

  // Browsers post the forms urlencoded; parsed only inside this plugin.
  app.post('/demo', { schema: { hide: true } }, async (req, reply) => {
    const b = (req.body ?? {}) as Record<string, string | undefined>;
    const key = (b.key ?? '').trim();
    const appid = b.appid ?? '';
    const back = b.back === 'phone' ? `phone?appid=${enc(appid)}&key=${enc(key)}` : './';
    try {
      if (!key) throw new SimError(400, '请填写用户标识');
      if (b.action === 'follow') await actions.follow(appid, key, { ticket: b.ticket?.trim() || undefined });
      else if (b.action === 'unfollow') await actions.unfollow(appid, key);
      else if (b.action === 'text') await actions.text(appid, key, b.content ?? '');
      else if (b.action?.startsWith('click:')) await actions.click(appid, key, b.action.slice('click:'.length));
      else if (b.action !== 'phone') throw new SimError(400, '未知的操作');
    } catch (err) {
      return errorPage(reply, err, back);
    }
    return reply.redirect(`phone?appid=${enc(appid)}&key=${enc(key)}`, 303);
  });

  app.get('/phone', { schema: { hide: true } }, async (req, reply) => {
    const q = req.query as { appid?: string; key?: string; openid?: string; refresh?: string };
    const account = accountOf(q.appid);
    if (!account) return reply.code(404).type('text/html; charset=utf-8').send(page('手机视图', '<main><h1>手机视图</h1><p class="error">未知的 appid</p><p><a href="./">返回沙箱</a></p></main>'));
    const openid = q.openid || (q.key ? openidOf(account.appid, q.key) : '');
    const user: MpUser | undefined = openid ? await core.getUser(account.appid, openid) : undefined;
    const key = q.key ?? user?.key ?? '';
    const list = openid ? await core.messages(account.appid, openid, 50) : [];
    const refresh = q.refresh !== '0';
    const self = `phone?appid=${enc(account.appid)}&${q.openid ? `openid=${enc(q.openid)}` : `key=${enc(key)}`}`;
    const heading = account.kind === 'oa' ? account.name : '服务通知';
    const following = account.kind === 'oa' ? (user?.subscribe ? '已关注' : '未关注') : '小程序';
    const menu = account.kind === 'oa' && user?.subscribe ? clickButtons((await core.account(account.appid)).menu?.button) : [];
    const hidden = `<input type="hidden" name="appid" value="${esc(account.appid)}"><input type="hidden" name="key" value="${esc(key)}"><input type="hidden" name="back" value="phone">`;
    const controls =
      account.kind === 'oa' && key
        ? `<form class="actions" method="post" action="demo">${hidden}${user?.subscribe ? '<button class="secondary" name="action" value="unfollow">取消关注</button>' : '<button name="action" value="follow">关注公众号</button>'}${menu
            .map((b) => `<button class="secondary" name="action" value="click:${esc(b.key)}">菜单:${esc(b.name)}</button>`)
            .join('')}</form>${
            user?.subscribe
              ? `<form class="compose" method="post" action="demo">${hidden}<input type="hidden" name="action" value="text"><label class="sr-only" for="compose">消息内容</label><input id="compose" name="content" maxlength="200" required placeholder="发消息"><button>发送</button></form>`
              : ''
          }`
        : '';
    const body = list.length
      ? list.map((m) => `<p class="time">${esc(when(m.createdAt))}</p>${bubble(m)}`).join('')
      : `<p class="empty">${openid ? '还没有消息' : '请在地址中指定 key 或 openid'}</p>`;
    return reply.type('text/html; charset=utf-8').send(
      page(
        `${heading} · 手机视图`,
        `<div class="phone"><header><h1>${esc(heading)}</h1><p>${esc(key || openid)} · ${following}</p></header>
<main aria-live="polite" aria-label="消息(最新的在最上面)">${body}</main>${controls ? `<section aria-label="以该用户身份操作">${controls}</section>` : ''}
<footer>${refresh ? `每 3 秒自动刷新 · <a href="${esc(self)}&amp;refresh=0">停止刷新</a>` : `<a href="${esc(self)}">开启自动刷新</a>`} · <a href="./">沙箱首页</a></footer></div>`,
        refresh ? '<meta http-equiv="refresh" content="3">' : '',
        PHONE_CSS,
      ),
    );
  });

  /** The QR code's url: what a phone opens when it scans it; here a page to pick who scans. */
  app.get('/q/:code', { schema: { hide: true } }, async (req, reply) => {
    const { code } = req.params as { code: string };
    const qr = await core.store.get<QrCode>(KIND.qr, code);
    if (!qr || (qr.expiresAt && qr.expiresAt < Date.now())) return html(reply.code(404), page('二维码已过期', '<main><h1>二维码已过期或不存在</h1><p><a href="../">返回沙箱</a></p></main>'));
    const a = accountOf(qr.appid)!;
    return html(
      reply,
      page(
        `扫码关注 ${a.name}`,
        `<main><h1>扫码关注「${esc(a.name)}」</h1><p>二维码场景值:<code>${esc(sceneOf(qr))}</code>(${esc(qr.actionName)})</p>
<p><img src="../cgi-bin/showqrcode?ticket=${enc(qr.ticket)}" width="215" height="215" alt="${esc(a.name)} 的带参数二维码,场景 ${esc(sceneOf(qr))}"></p>
<form method="post" action="${esc(enc(code))}"><label for="scan-key">以哪个微信用户扫码</label> <input id="scan-key" name="key" required maxlength="64" value="zhangsan"> <button>扫码</button></form>
<p>未关注的用户会关注公众号(subscribe 事件带 qrscene_),已关注的用户推送 SCAN 事件。</p></main>`,
      ),
    );
  });

  app.post('/q/:code', { schema: { hide: true } }, async (req, reply) => {
    const { code } = req.params as { code: string };
    const key = String(((req.body ?? {}) as { key?: string }).key ?? '').trim();
    const qr = await core.store.get<QrCode>(KIND.qr, code);
    try {
      if (!qr) throw new SimError(404, '二维码不存在');
      if (!key) throw new SimError(400, '请填写用户标识');
      await actions.scan(qr.appid, key, qr.ticket);
    } catch (err) {
      return errorPage(reply, err, enc(code));
    }
    return reply.redirect(`../phone?appid=${enc(qr.appid)}&key=${enc(key)}`, 303);
  });
}
