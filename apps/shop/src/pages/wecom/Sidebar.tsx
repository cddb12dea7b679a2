import { Button, DotLoading, Input, SearchBar, Selector, Tabs, Tag, TextArea, Toast } from 'antd-mobile';
import { WECOM_STAGE_LABELS, WECOM_STAGES, ORDER_STATUSES, orderStatusLabel, type WecomStage } from '@siyu/contracts';
import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, errorMessage, uuid } from '../../lib/api';
import { yuan } from '../../lib/format';
import { useDocumentTitle } from '../../lib/hooks';
import { shopSlug, storefrontUrl } from '../../lib/shop';
import { currentContact, inWecom, sendChatMessage, setUp, type ChatMessage, type JssdkSignatures } from './jssdk';
import './sidebar.css';

/**
 * 客户侧边栏: the page WeCom opens in a chat's toolbar. The member signs in through WeCom's OAuth2 (silent
 * inside WeCom); the customer is the chat's external contact (JS-SDK). In the sandbox, where there is no
 * WeCom client, the contact comes from `?external_userid=` (also how a reminder's link opens a customer).
 */

type Wx = Awaited<ReturnType<typeof setUp>>;

const TOKEN_KEY = `siyu:wecom-sidebar:${shopSlug}`;
const HEADER = 'x-wecom-sidebar-token';

interface Followup { id: string; author: string; text: string; stageBefore: string; stageAfter: string; stageChanged: boolean; at: string }
interface Reminder { id: string; title: string; text: string; rendered: string; dueAt: string; todo: string | null; name: string | null; externalUserid: string | null; sentAt: string | null }
interface View {
  contact: { externalUserid: string; name: string; avatar: string | null };
  relation: { id: string; stage: WecomStage; remark: string; addedAt: string; tags: { id: string; name: string }[] };
  customer: null | {
    id: string; nickname: string | null; phone: string | null; points: number; level: { name: string } | null;
    orders: { total: number; items: { id: string; orderNo: string; status: (typeof ORDER_STATUSES)[number]; fulfilment: 'express' | 'pickup'; payableFen: number; createdAt: string; items: { title: string; quantity: number }[] }[] };
    coupons: { unused: number; items: { id: string; name?: string; title?: string }[] };
    tags: { id: string; name: string }[];
    healthConsent: boolean;
    fields: { key: string; label: string; value: string; health: boolean }[];
  };
  followups: Followup[];
  reminders: Reminder[];
}
interface Todos { open: Reminder[]; snoozed: Reminder[]; done: Reminder[] }

const when = (s: string) => new Date(s).toLocaleString('zh-CN', { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });

function useSession() {
  const [token, setToken] = useState<string | null>(() => sessionStorage.getItem(TOKEN_KEY));
  const [error, setError] = useState<string | null>(null);
  const [sandbox, setSandbox] = useState(false);
  useEffect(() => {
    const url = new URL(window.location.href);
    const code = url.searchParams.get('code');
    (async () => {
      try {
        const back = new URL(url);
        back.searchParams.delete('code');
        back.searchParams.delete('state');
        const auth = await api<{ url: string; sandbox: boolean }>('GET', '/wecom/sidebar/authorize', { query: { redirect: back.toString() } });
        setSandbox(auth.sandbox);
        if (code) {
          const s = await api<{ token: string }>('POST', '/wecom/sidebar/session', { body: { code } });
          sessionStorage.setItem(TOKEN_KEY, s.token);
          window.history.replaceState(null, '', back.toString());
          setToken(s.token);
        } else if (!token) {
          window.location.replace(auth.url);
        }
      } catch (err) {
        setError(errorMessage(err));
      }
    })();
    // The session is settled once per page load.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const drop = useCallback(() => {
    sessionStorage.removeItem(TOKEN_KEY);
    setToken(null);
  }, []);
  return { token, error, sandbox, drop };
}

export default function Sidebar() {
  useDocumentTitle('客户侧边栏');
  const { token, error: authError, sandbox, drop } = useSession();
  const params = new URLSearchParams(window.location.search);
  const [external, setExternal] = useState<string | null>(null);
  const [view, setView] = useState<View | null>(null);
  const [todos, setTodos] = useState<Todos | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [wx, setWx] = useState<Awaited<ReturnType<typeof setUp>> | null>(null);

  const call = useCallback(
    async <T,>(method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, body?: unknown, query?: Record<string, string>) => {
      try {
        return await api<T>(method, `/wecom/sidebar${path}`, { body, query, headers: { [HEADER]: token ?? '' } });
      } catch (err) {
        // The session ended (12 h): WeCom's OAuth runs again silently.
        if (err instanceof ApiError && err.code === 'WECOM_SIDEBAR_SESSION') {
          drop();
          window.location.reload();
        }
        throw err;
      }
    },
    [token, drop],
  );

  // Which customer: the chat's contact inside WeCom; the URL's in the sandbox or from a reminder's link.
  useEffect(() => {
    if (!token) return;
    const fromUrl = params.get('external_userid');
    if (inWecom) {
      setUp(() => call<JssdkSignatures>('GET', '/jssdk', undefined, { url: window.location.href.split('#')[0]! }))
        .then(async (w) => {
          setWx(w);
          setExternal(await currentContact(w).catch(() => fromUrl));
        })
        .catch((err: Error) => (fromUrl ? setExternal(fromUrl) : setError(err.message)));
    } else if (fromUrl && (sandbox || params.get('todo'))) {
      setExternal(fromUrl);
    } else if (!fromUrl) {
      setExternal('');
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [token, sandbox]);

  const load = useCallback(async () => {
    if (!token) return;
    try {
      setTodos(await call<Todos>('GET', '/todos'));
      if (external) setView(await call<View>('GET', `/customers/${encodeURIComponent(external)}`));
      setError(null);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 404 ? '这位客户不是你的客户,或已不再由你跟进' : errorMessage(err));
    }
  }, [token, external, call]);
  useEffect(() => void load(), [load]);

  const problem = authError ?? error;
  if (!token && !problem) return <Busy text="正在通过企业微信登录" />;
  return (
    <div className="wecom-sidebar" data-testid="wecom-sidebar">
      {problem && <p className="ws-error" role="alert">{problem}</p>}
      {view && <Header view={view} />}
      {token && (
        <Tabs defaultActiveKey={params.get('todo') ? 'todos' : 'customer'}>
          <Tabs.Tab title="客户" key="customer">
            {external === '' && <p className="ws-muted">请从与客户的聊天中打开侧边栏{sandbox ? '(沙箱:在地址后加 ?external_userid=…)' : ''}</p>}
            {external && !view && !problem && <Busy text="加载客户信息" />}
            {view && <Customer view={view} call={call} reload={load} wx={wx} />}
          </Tabs.Tab>
          <Tabs.Tab title="跟进" key="followups">
            {view ? <Followups view={view} call={call} reload={load} /> : <p className="ws-muted">打开一位客户后可记录跟进</p>}
          </Tabs.Tab>
          <Tabs.Tab title={`待办${todos?.open.length ? `(${todos.open.length})` : ''}`} key="todos">
            {todos ? <TodoList todos={todos} call={call} reload={load} /> : <Busy text="加载待办" />}
          </Tabs.Tab>
          <Tabs.Tab title="发送" key="send">
            {view ? <Send view={view} call={call} reload={load} wx={wx} /> : <p className="ws-muted">打开一位客户后可发券、发商品</p>}
          </Tabs.Tab>
        </Tabs>
      )}
    </div>
  );
}

type Call = <T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, body?: unknown, query?: Record<string, string>) => Promise<T>;

function Busy({ text }: { text: string }) {
  return (
    <div className="ws-busy" aria-busy="true">
      <DotLoading color="primary" /> <span>{text}</span>
    </div>
  );
}

function Header({ view }: { view: View }) {
  return (
    <header className="ws-head">
      {/* WeChat avatars live on wx.qlogo.cn, which the storefront's CSP does not load: the initial stands in. */}
      <span className="ws-avatar" aria-hidden="true">{view.contact.name.slice(0, 1)}</span>
      <div>
        <h1>{view.relation.remark || view.contact.name}</h1>
        <p>
          <Tag color="primary" fill="outline">{WECOM_STAGE_LABELS[view.relation.stage]?.zh ?? view.relation.stage}</Tag>{' '}
          {view.customer?.level && <Tag color="warning" fill="outline">{view.customer.level.name}</Tag>}{' '}
          {!view.customer && <Tag fill="outline">未注册商城</Tag>}
        </p>
      </div>
    </header>
  );
}

function Customer({ view, call, reload, wx }: { view: View; call: Call; reload: () => Promise<void>; wx: Wx | null }) {
  const c = view.customer;
  const [tags, setTags] = useState<{ id: string; groupName: string; name: string }[]>([]);
  useEffect(() => void call<{ items: typeof tags }>('GET', '/tags').then((r) => setTags(r.items)).catch(() => undefined), [call]);
  const mine = new Set(view.relation.tags.map((t) => t.id));
  const toggle = async (id: string) => {
    try {
      await call('POST', `/customers/${encodeURIComponent(view.contact.externalUserid)}/tags`, mine.has(id) ? { remove: [id] } : { add: [id] });
      await reload();
    } catch (err) {
      Toast.show({ content: errorMessage(err) });
    }
  };
  return (
    <div className="ws-body">
      {c && (
        <section className="ws-card" aria-label="会员">
          <dl className="ws-stats">
            <div><dt>积分</dt><dd>{c.points}</dd></div>
            <div><dt>可用券</dt><dd>{c.coupons.unused}</dd></div>
            <div><dt>订单</dt><dd>{c.orders.total}</dd></div>
          </dl>
          {c.tags.length > 0 && <p className="ws-tags">{c.tags.map((t) => <Tag key={t.id} fill="outline">{t.name}</Tag>)}</p>}
        </section>
      )}
      <section className="ws-card" aria-labelledby="ws-h-tags">
        <h2 id="ws-h-tags">企业标签</h2>
        <p className="ws-tags">
          {tags.length === 0 && <span className="ws-muted">还没有企业标签</span>}
          {tags.map((t) => (
            <button key={t.id} type="button" className={`ws-chip${mine.has(t.id) ? ' on' : ''}`} aria-pressed={mine.has(t.id)} onClick={() => void toggle(t.id)}>
              {t.groupName}·{t.name}
            </button>
          ))}
        </p>
      </section>
      {c && (
        <section className="ws-card" aria-labelledby="ws-h-orders">
          <h2 id="ws-h-orders">最近订单</h2>
          {c.orders.items.length === 0 && <p className="ws-muted">还没有订单</p>}
          <ul className="ws-list">
            {c.orders.items.map((o) => (
              <li key={o.id}>
                <span>{o.items.map((i) => `${i.title}×${i.quantity}`).join('、')}</span>
                <span className="ws-muted">{when(o.createdAt)} · {orderStatusLabel(o.status, o.fulfilment).zh} · ¥{yuan(o.payableFen)}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
      {c && <Fields view={view} call={call} reload={reload} wx={wx} />}
    </div>
  );
}

function Fields({ view, call, reload, wx }: { view: View; call: Call; reload: () => Promise<void>; wx: Wx | null }) {
  const c = view.customer!;
  const [asked, setAsked] = useState<string | null>(null);
  // The consent is the customer's own act: the member can only send them the page where they give it.
  const askConsent = async () => {
    const link = storefrontUrl('/me/health-consent');
    const card: ChatMessage = { msgtype: 'news', enterChat: true, news: { link, title: '健康信息授权', desc: '同意后店员可为您记录验光处方,随时可撤回', imgUrl: '' } };
    if (wx) await sendChatMessage(wx, card).catch((err: Error) => Toast.show({ content: err.message }));
    else setAsked(link);
  };
  const [label, setLabel] = useState('');
  const [value, setValue] = useState('');
  const [health, setHealth] = useState(false);
  const save = async () => {
    try {
      await call('PUT', `/customers/${encodeURIComponent(view.contact.externalUserid)}/fields/${health ? 'prescription' : `f_${Date.now().toString(36)}`}`, { label, value, health });
      setLabel('');
      setValue('');
      setHealth(false);
      await reload();
    } catch (err) {
      Toast.show({ content: errorMessage(err) });
    }
  };
  return (
    <section className="ws-card" aria-labelledby="ws-h-fields">
      <h2 id="ws-h-fields">客户资料</h2>
      <dl className="ws-fields">
        {c.fields.map((f) => (
          <div key={f.key}><dt>{f.label}{f.health && <Tag color="danger" fill="outline">健康信息</Tag>}</dt><dd>{f.value}</dd></div>
        ))}
      </dl>
      {!c.healthConsent && (
        <>
          <p className="ws-muted">客户未单独同意保存健康信息(如验光处方),此类信息不显示、也不能记录。</p>
          <Button size="small" onClick={() => void askConsent()}>邀请客户授权</Button>
          {asked && <p className="ws-muted">沙箱里没有企业微信客户端,将发给客户的授权链接:<a href={asked}>{asked}</a></p>}
        </>
      )}
      <div className="ws-form">
        <label htmlFor="ws-field-label" className="sr-only">资料名称</label>
        <Input placeholder="名称,如 镜架尺寸" value={label} onChange={setLabel} id="ws-field-label" />
        <label htmlFor="ws-field-value" className="sr-only">资料内容</label>
        <Input placeholder="内容" value={value} onChange={setValue} id="ws-field-value" />
        {c.healthConsent && (
          <label className="ws-check"><input type="checkbox" checked={health} onChange={(e) => setHealth(e.target.checked)} /> 验光处方(健康信息)</label>
        )}
        <Button size="small" color="primary" disabled={!label.trim() || !value.trim()} onClick={() => void save()}>保存</Button>
      </div>
    </section>
  );
}

function Followups({ view, call, reload }: { view: View; call: Call; reload: () => Promise<void> }) {
  const [text, setText] = useState('');
  const [stage, setStage] = useState<WecomStage>(view.relation.stage);
  const [remindAt, setRemindAt] = useState('');
  const [remindText, setRemindText] = useState('');
  const ext = encodeURIComponent(view.contact.externalUserid);
  const add = async () => {
    try {
      await call('POST', `/customers/${ext}/followups`, { text, ...(stage !== view.relation.stage ? { stage } : {}) });
      setText('');
      Toast.show({ content: '已记录' });
      await reload();
    } catch (err) {
      Toast.show({ content: errorMessage(err) });
    }
  };
  const remind = async () => {
    try {
      await call('POST', `/customers/${ext}/reminders`, { dueAt: new Date(remindAt).toISOString(), text: remindText });
      setRemindText('');
      Toast.show({ content: '到时会在企业微信提醒跟进的同事' });
      await reload();
    } catch (err) {
      Toast.show({ content: errorMessage(err) });
    }
  };
  return (
    <div className="ws-body">
      <section className="ws-card" aria-labelledby="ws-h-add">
        <h2 id="ws-h-add">写跟进</h2>
        <label htmlFor="ws-followup-text" className="sr-only">跟进内容</label>
        <TextArea placeholder="沟通了什么、客户的需求" value={text} onChange={setText} rows={3} maxLength={2000} id="ws-followup-text" />
        <Selector columns={3} options={WECOM_STAGES.map((s) => ({ label: WECOM_STAGE_LABELS[s].zh, value: s }))} value={[stage]} onChange={(v) => v[0] && setStage(v[0])} />
        <Button block color="primary" disabled={!text.trim()} onClick={() => void add()}>保存跟进</Button>
      </section>
      <section className="ws-card" aria-labelledby="ws-h-remind">
        <h2 id="ws-h-remind">定时提醒</h2>
        <label htmlFor="ws-remind-at" className="sr-only">提醒时间</label>
        <input type="datetime-local" className="ws-date" value={remindAt} onChange={(e) => setRemindAt(e.target.value)} id="ws-remind-at" />
        <label htmlFor="ws-remind-text" className="sr-only">提醒内容</label>
        <Input placeholder="提醒内容,可用 {{name}} 代表客户" value={remindText} onChange={setRemindText} id="ws-remind-text" />
        <Button block disabled={!remindAt || !remindText.trim()} onClick={() => void remind()}>设置提醒</Button>
        {view.reminders.length > 0 && (
          <ul className="ws-list">
            {view.reminders.map((r) => <li key={r.id}><span>{r.title}</span><span className="ws-muted">{when(r.dueAt)} · {r.rendered}</span></li>)}
          </ul>
        )}
      </section>
      <section className="ws-card" aria-labelledby="ws-h-history">
        <h2 id="ws-h-history">跟进记录</h2>
        {view.followups.length === 0 && <p className="ws-muted">还没有跟进记录</p>}
        <ol className="ws-list">
          {view.followups.map((f) => (
            <li key={f.id}>
              <span>{f.text}</span>
              <span className="ws-muted">
                {f.author} · {when(f.at)}
                {f.stageChanged && ` · ${WECOM_STAGE_LABELS[f.stageBefore as WecomStage]?.zh ?? f.stageBefore} → ${WECOM_STAGE_LABELS[f.stageAfter as WecomStage]?.zh ?? f.stageAfter}`}
              </span>
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}

function TodoList({ todos, call, reload }: { todos: Todos; call: Call; reload: () => Promise<void> }) {
  const set = async (id: string, todo: 'done' | 'open' | 'snoozed') => {
    try {
      await call('PATCH', `/todos/${id}`, todo === 'snoozed' ? { todo, snoozedUntil: new Date(Date.now() + 86_400_000).toISOString() } : { todo });
      await reload();
    } catch (err) {
      Toast.show({ content: errorMessage(err) });
    }
  };
  const item = (r: Reminder, actions: React.ReactNode) => (
    <li key={r.id}>
      <span><strong>{r.title}</strong> {r.name && <span className="ws-muted">· {r.name}</span>}</span>
      <span>{r.rendered}</span>
      <span className="ws-actions">{actions}</span>
    </li>
  );
  return (
    <div className="ws-body">
      <section className="ws-card" aria-labelledby="ws-h-open">
        <h2 id="ws-h-open">待处理({todos.open.length})</h2>
        {todos.open.length === 0 && <p className="ws-muted">没有待办</p>}
        <ul className="ws-list">
          {todos.open.map((r) => item(r, <>
            <Button size="mini" color="primary" onClick={() => void set(r.id, 'done')}>完成</Button>
            <Button size="mini" onClick={() => void set(r.id, 'snoozed')}>明天再提醒</Button>
          </>))}
        </ul>
      </section>
      {todos.snoozed.length > 0 && (
        <section className="ws-card" aria-labelledby="ws-h-snoozed">
          <h2 id="ws-h-snoozed">稍后提醒</h2>
          <ul className="ws-list">{todos.snoozed.map((r) => item(r, <Button size="mini" onClick={() => void set(r.id, 'open')}>现在处理</Button>))}</ul>
        </section>
      )}
      {todos.done.length > 0 && (
        <section className="ws-card" aria-labelledby="ws-h-done">
          <h2 id="ws-h-done">已完成</h2>
          <ul className="ws-list">{todos.done.map((r) => item(r, null))}</ul>
        </section>
      )}
    </div>
  );
}

function Send({ view, call, reload, wx }: { view: View; call: Call; reload: () => Promise<void>; wx: Awaited<ReturnType<typeof setUp>> | null }) {
  const ext = encodeURIComponent(view.contact.externalUserid);
  const [coupons, setCoupons] = useState<{ id: string; name: string }[]>([]);
  const [q, setQ] = useState('');
  const [products, setProducts] = useState<{ id: string; title: string; minPrice: number }[]>([]);
  const [last, setLast] = useState<ChatMessage | null>(null);
  useEffect(() => void call<{ items: { id: string; name: string }[] }>('GET', '/coupon-templates').then((r) => setCoupons(r.items)).catch(() => undefined), [call]);
  // Into the chat when inside WeCom; in the sandbox the card is shown instead.
  const deliver = async (m: ChatMessage) => {
    if (wx) await sendChatMessage(wx, m).catch((err: Error) => Toast.show({ content: err.message }));
    else setLast(m);
  };
  const sendCoupon = async (templateId: string) => {
    try {
      const r = await call<{ notice: string; message: ChatMessage }>('POST', `/customers/${ext}/coupons`, { templateId, idempotencyKey: uuid().replace(/-/g, '') });
      Toast.show({ content: r.notice });
      await deliver(r.message);
      await reload();
    } catch (err) {
      Toast.show({ content: errorMessage(err) });
    }
  };
  const search = async (text: string) => {
    const r = await api<{ items: { id: string; title: string; minPrice: number }[] }>('GET', '/products', { query: { q: text, pageSize: 10 } });
    setProducts(r.items);
  };
  const sendProduct = async (productId: string) => {
    try {
      await deliver(await call<ChatMessage>('POST', `/customers/${ext}/product-card`, { productId }));
    } catch (err) {
      Toast.show({ content: errorMessage(err) });
    }
  };
  return (
    <div className="ws-body">
      <section className="ws-card" aria-labelledby="ws-h-coupons">
        <h2 id="ws-h-coupons">发优惠券</h2>
        {!view.customer && <p className="ws-muted">客户还没有在商城注册,注册后才能直接发券</p>}
        {view.customer && coupons.length === 0 && <p className="ws-muted">没有进行中的优惠券</p>}
        <ul className="ws-list">
          {view.customer && coupons.map((c) => (
            <li key={c.id} className="ws-row"><span>{c.name}</span><Button size="mini" color="primary" onClick={() => void sendCoupon(c.id)}>发给客户</Button></li>
          ))}
        </ul>
      </section>
      <section className="ws-card" aria-labelledby="ws-h-products">
        <h2 id="ws-h-products">发商品</h2>
        <SearchBar placeholder="搜索商品" value={q} onChange={setQ} onSearch={(v) => void search(v)} />
        <ul className="ws-list">
          {products.map((p) => (
            <li key={p.id} className="ws-row"><span>{p.title} <span className="ws-muted">¥{yuan(p.minPrice)}</span></span><Button size="mini" onClick={() => void sendProduct(p.id)}>发送</Button></li>
          ))}
        </ul>
      </section>
      {last?.news && (
        <section className="ws-card ws-preview" aria-label="将发送的卡片">
          <p className="ws-muted">沙箱里没有企业微信客户端,以下是会发到聊天里的卡片:</p>
          <a href={last.news.link} target="_blank" rel="noreferrer"><strong>{last.news.title}</strong><span>{last.news.desc}</span></a>
        </section>
      )}
    </div>
  );
}
