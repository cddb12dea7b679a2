import { TRANSACTIONAL_TOPICS, type Topic } from '@siyu/contracts';
import { api, tokenStore } from './api';
import { shopSlug } from './shop';

/**
 * 消息订阅 on the storefront: the customer's message preferences, and asking for mini-program one-time
 * subscriptions (订阅消息) at the moments a message will follow — after paying an order, after setting a
 * flash-sale reminder, after paying a pre-sale deposit.
 *
 * Contract with the mini-program shell (the storefront runs inside its <web-view>):
 *   The storefront calls wx.miniProgram.navigateTo({ url }) with
 *     url = /pages/subscribe/index?tmplIds=<id1,id2,…>&back=<encodeURIComponent(storefront URL)>
 *   - tmplIds: the mini-program template ids (at most 3, WeChat's limit per request), in topic order.
 *   - back:    the absolute storefront URL to show again afterwards. It already carries
 *              `sy_subscribe=<topic1,topic2,…>` (same order as tmplIds), so the storefront needs no state.
 *   The shell page shows a button (wx.requestSubscribeMessage only works from a tap), calls
 *   wx.requestSubscribeMessage({ tmplIds }) and wx.login(), then opens `back` in its web-view again
 *   (navigateBack and set the web-view's src, or redirectTo its web-view page) with, appended to the query:
 *     sy_results=<r1,r2,…>   WeChat's answer per tmplId, in the same order: accept | reject | ban
 *                            ('filter' and anything else are sent as reject)
 *     sy_code=<code>         wx.login's code, so the server learns the customer's mini-program openid
 *   or, when the request failed as a whole (subscriptions switched off, user closed the page):
 *     sy_error=<errCode>
 *   The storefront (SubscribeReturn, mounted once in App) then POSTs /messages/subscriptions
 *   { topics, results, code } and removes the sy_* parameters from the address.
 *
 * Everywhere else (H5 / PC / the sandbox) a sheet imitating WeChat's is shown instead, and the code sent is
 * `h5:<customer id>`, which the server accepts only while its sandbox is on.
 *
 * Nothing here may break the flow that asked: every failure is swallowed with a console warning.
 */

export type ContactChannel = 'mini_subscribe' | 'oa_template' | 'sms';
export const CONTACT_CHANNELS: readonly ContactChannel[] = ['mini_subscribe', 'oa_template', 'sms'];

export interface Subscription {
  topic: Topic;
  /** One-time subscribe messages the shop may still send on this topic. */
  left: number;
}

export interface MessagePreferences {
  refusedTopics: Topic[];
  refusedChannels: ContactChannel[];
  smsMarketing: boolean;
  /** Follows the shop's official account (公众号). */
  following: boolean;
  subscriptions: Subscription[];
}

export type PreferencesInput = Pick<MessagePreferences, 'refusedTopics' | 'refusedChannels' | 'smsMarketing'>;

export interface SubscribeTemplate {
  topic: Topic;
  templateId: string;
  title: string;
}

export interface SubscribeConfig {
  miniAppId: string | null;
  templates: SubscribeTemplate[];
}

export type SubscribeAnswer = 'accept' | 'reject' | 'ban';



export const loadPreferences = () => api<MessagePreferences>('GET', '/messages/preferences');
export const savePreferences = (body: PreferencesInput) => api<MessagePreferences>('PUT', '/messages/preferences', { body });

let configLoad: Promise<SubscribeConfig> | null = null;
/** The shop's mini-program templates per topic; loaded once per page load (a failure is retried next time). */
export function loadSubscribeConfig(): Promise<SubscribeConfig> {
  if (!configLoad) {
    configLoad = api<SubscribeConfig>('GET', '/messages/subscribe-config').catch((err) => {
      configLoad = null;
      throw err;
    });
  }
  return configLoad;
}

export async function postGrants(topics: Topic[], results: SubscribeAnswer[], code: string): Promise<Subscription[]> {
  const r = await api<{ granted: Subscription[] }>('POST', '/messages/subscriptions', { body: { topics, results, code } });
  remember(r.granted.filter((g) => g.left > 0).map((g) => g.topic));
  return r.granted;
}

// ── Not asking twice in one session ────────────────────────────────────────────────────────────────

const askedKey = `siyu:shop:${shopSlug}:subscribe-asked`;
/** Per signed-in token: topics granted (left > 0) or already asked for in this browser session. */
let askedMemory: Record<string, Topic[]> = {};

function askedStore(): Record<string, Topic[]> {
  try {
    return { ...askedMemory, ...(JSON.parse(sessionStorage.getItem(askedKey) ?? '{}') as Record<string, Topic[]>) };
  } catch {
    return askedMemory;
  }
}

/** Who is asking: the token's tail is enough to keep one customer's answers from another's in the same tab. */
const who = () => (tokenStore.get() ?? '').slice(-16);

function alreadyAsked(): Set<Topic> {
  return new Set(askedStore()[who()] ?? []);
}

function remember(topics: Topic[]) {
  if (!topics.length) return;
  const all = askedStore();
  const key = who();
  all[key] = [...new Set([...(all[key] ?? []), ...topics])];
  askedMemory = all;
  try {
    sessionStorage.setItem(askedKey, JSON.stringify(all));
  } catch {
    /* private mode: remembered for this page load only */
  }
}

// ── The mini-program shell ─────────────────────────────────────────────────────────────────────────

interface MiniProgramApi {
  navigateTo(opts: { url: string; success?: () => void; fail?: (e: { errMsg?: string }) => void }): void;
}
interface WxWindow {
  __wxjs_environment?: string;
  wx?: { miniProgram?: MiniProgramApi };
  WeixinJSBridge?: { invoke(name: string, args: unknown, cb?: (res: { err_msg?: string }) => void): void };
}
const wxWindow = () => window as unknown as WxWindow;

/** Inside a mini-program <web-view> (WeChat sets the variable once its bridge is ready; the UA says so from the start). */
export function inMiniProgram(): boolean {
  return wxWindow().__wxjs_environment === 'miniprogram' || /miniProgram/i.test(navigator.userAgent);
}

export const SHELL_SUBSCRIBE_PAGE = '/pages/subscribe/index';
export const RETURN_PARAMS = { topics: 'sy_subscribe', results: 'sy_results', code: 'sy_code', error: 'sy_error' } as const;

function waitForBridge(ms: number): Promise<NonNullable<WxWindow['WeixinJSBridge']> | null> {
  const now = wxWindow().WeixinJSBridge;
  if (now) return Promise.resolve(now);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      document.removeEventListener('WeixinJSBridgeReady', done);
      resolve(wxWindow().WeixinJSBridge ?? null);
    };
    const timer = setTimeout(done, ms);
    document.addEventListener('WeixinJSBridgeReady', done);
  });
}

/**
 * wx.miniProgram.navigateTo when the page has the JS-SDK; else the bridge call the SDK itself makes
 * (the storefront's CSP allows only its own scripts, so the SDK cannot be loaded from res.wx.qq.com).
 */
async function navigateShell(url: string): Promise<void> {
  const mp = wxWindow().wx?.miniProgram;
  if (mp?.navigateTo) {
    return new Promise((resolve, reject) => mp.navigateTo({ url, success: resolve, fail: (e) => reject(new Error(e?.errMsg ?? 'navigateTo failed')) }));
  }
  const bridge = await waitForBridge(3000);
  if (!bridge) throw new Error('no mini-program bridge in this web-view');
  return new Promise((resolve, reject) =>
    bridge.invoke('invokeMiniProgramAPI', { name: 'navigateTo', arg: { url } }, (res) => {
      if (res?.err_msg && !/:ok$/.test(res.err_msg)) reject(new Error(res.err_msg));
      else resolve();
    }),
  );
}

/** The shell's page URL for these templates, returning to the current storefront page. */
export function shellUrl(topics: Topic[], tmplIds: string[], here: URL = new URL(window.location.href)): string {
  const back = new URL(here.href);
  for (const p of Object.values(RETURN_PARAMS)) back.searchParams.delete(p);
  back.searchParams.set(RETURN_PARAMS.topics, topics.join(','));
  return `${SHELL_SUBSCRIBE_PAGE}?tmplIds=${encodeURIComponent(tmplIds.join(','))}&back=${encodeURIComponent(back.href)}`;
}

export interface ShellReturn {
  topics: Topic[];
  results: SubscribeAnswer[];
  code: string | null;
  error: string | null;
}

/** What the shell appended to the storefront's address on the way back, if anything. */
export function readShellReturn(search: string): ShellReturn | null {
  const q = new URLSearchParams(search);
  const raw = q.get(RETURN_PARAMS.topics);
  if (raw === null || (!q.has(RETURN_PARAMS.results) && !q.has(RETURN_PARAMS.error))) return null;
  const topics = raw.split(',').filter(Boolean) as Topic[];
  const results = (q.get(RETURN_PARAMS.results) ?? '')
    .split(',')
    .filter(Boolean)
    .map((r): SubscribeAnswer => (r === 'accept' || r === 'ban' ? r : 'reject'));
  return { topics, results, code: q.get(RETURN_PARAMS.code), error: q.get(RETURN_PARAMS.error) };
}

// The address still carries the topics while SubscribeReturn reports them: a page asking again on the way
// back (a result page re-rendered) must not send the customer straight back to the shell.
{
  const back = readShellReturn(window.location.search);
  if (back) remember(back.topics);
}

/** Reports the shell's answer (SubscribeReturn calls this once with the address it came back to). */
export async function reportShellReturn(back: ShellReturn): Promise<Subscription[] | null> {
  remember(back.topics);
  if (back.error || !back.code || !back.topics.length || back.results.length !== back.topics.length) {
    if (back.error) console.warn('[subscribe] the mini-program could not ask:', back.error);
    return null;
  }
  return postGrants(back.topics, back.results, back.code);
}

// ── Asking ─────────────────────────────────────────────────────────────────────────────────────────

export interface AskOptions {
  /** The signed-in customer's id (for the sandbox's `h5:` code); looked up when not given. */
  customerId?: string;
  /** The name on the sheet ("… 申请向你发送以下消息"); looked up when not given. */
  shopName?: string;
  /** Asked by the customer (消息设置): ask even for topics asked for earlier in this session. */
  force?: boolean;
}

export type AskOutcome =
  | { kind: 'skipped' }
  | { kind: 'shell' }
  | { kind: 'answered'; granted: Subscription[] }
  | { kind: 'cancelled' }
  | { kind: 'failed' };

let asking = false;
let shopNameLoad: Promise<string> | null = null;
const shopName = () => (shopNameLoad ??= api<{ name?: string }>('GET', '/shop').then((s) => s?.name || '思域好物', () => '思域好物'));

/** Topics worth asking for: templated, not refused, none left, not asked for this session. At most 3. */
export function topicsToAsk(topics: Topic[], config: SubscribeConfig, prefs: Pick<MessagePreferences, 'refusedTopics' | 'refusedChannels' | 'subscriptions'> | null, skip: Set<Topic>): SubscribeTemplate[] {
  const out: SubscribeTemplate[] = [];
  for (const topic of new Set(topics)) {
    if (skip.has(topic)) continue;
    const t = config.templates.find((x) => x.topic === topic);
    if (!t) continue;
    if (prefs) {
      if (prefs.refusedTopics.includes(topic)) continue;
      // A refused channel still carries transactional messages (the server says so too).
      if (prefs.refusedChannels.includes('mini_subscribe') && !TRANSACTIONAL_TOPICS.includes(topic)) continue;
      if ((prefs.subscriptions.find((s) => s.topic === topic)?.left ?? 0) > 0) continue;
    }
    out.push(t);
  }
  return out.slice(0, 3);
}

/**
 * Asks the customer for one-time subscriptions to these topics, where the shop has a template for them and
 * none is left. Never throws; resolves when the customer has answered (or was sent to the shell).
 */
export async function askSubscribe(topics: Topic[], opts: AskOptions = {}): Promise<AskOutcome> {
  if (asking || !tokenStore.get() || !topics.length) return { kind: 'skipped' };
  asking = true;
  try {
    const skip = opts.force ? new Set<Topic>() : alreadyAsked();
    if (topics.every((t) => skip.has(t))) return { kind: 'skipped' };
    const config = await loadSubscribeConfig();
    if (!topicsToAsk(topics, config, null, skip).length) return { kind: 'skipped' };
    const prefs = await loadPreferences();
    remember(prefs.subscriptions.filter((s) => s.left > 0).map((s) => s.topic));
    const wanted = topicsToAsk(topics, config, prefs, skip);
    if (!wanted.length) return { kind: 'skipped' };
    const asked = wanted.map((t) => t.topic);

    if (inMiniProgram()) {
      remember(asked);
      await navigateShell(shellUrl(asked, wanted.map((t) => t.templateId)));
      return { kind: 'shell' };
    }

    const [{ showSubscribeSheet }, name, customerId] = await Promise.all([
      import('../pages/messages/SubscribeSheet'),
      opts.shopName ? Promise.resolve(opts.shopName) : shopName(),
      opts.customerId ? Promise.resolve(opts.customerId) : api<{ id: string }>('GET', '/me').then((c) => c.id),
    ]);
    const ticked = await showSubscribeSheet({ shopName: name, templates: wanted });
    remember(asked);
    if (!ticked) return { kind: 'cancelled' };
    const granted = await postGrants(
      asked,
      ticked.map((on): SubscribeAnswer => (on ? 'accept' : 'reject')),
      `h5:${customerId}`,
    );
    return { kind: 'answered', granted };
  } catch (err) {
    console.warn('[subscribe] asking for subscribe messages failed:', err);
    return { kind: 'failed' };
  } finally {
    asking = false;
  }
}
