import { openidOf } from '../wechat-oauth/index.js';
import { accountOf, templateOf } from './accounts.js';
import type { PushOutcome, XmlValue } from './callback.js';
import { xmlInner } from './callback.js';
import type { MpCore } from './core.js';
import { clickKeys } from './menu.js';
import { codeOfTicket, qrCodeId, sceneOf, ticketOf, type QrCode } from './qr.js';
import { KIND, grantKey, newTextMsgId, userKey, type Grant, type MpMessage, type MpUser } from './state.js';

/** A simulated user's action refused (HTTP 400/404 from the hooks, a message on the demo pages). */
export class SimError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ActionResult {
  appid: string;
  key: string;
  openid: string;
  unionid: string;
  /** The event or message pushed to the merchant's server, if any. */
  event?: string;
  msgId?: string;
  push?: PushOutcome;
  [extra: string]: unknown;
}

const SUBSCRIBE_SCENES = [
  'ADD_SCENE_SEARCH',
  'ADD_SCENE_ACCOUNT_MIGRATION',
  'ADD_SCENE_PROFILE_CARD',
  'ADD_SCENE_QR_CODE',
  'ADD_SCENE_PROFILE_LINK',
  'ADD_SCENE_PROFILE_ITEM',
  'ADD_SCENE_PAID',
  'ADD_SCENE_WECHAT_ADVERTISEMENT',
  'ADD_SCENE_REPRINT',
  'ADD_SCENE_LIVESTREAM',
  'ADD_SCENE_CHANNELS',
  'ADD_SCENE_WXA',
  'ADD_SCENE_OTHERS',
];

const checkKey = (key: string) => {
  if (!key || key.length > 64) throw new SimError(400, 'user key must be 1 to 64 characters');
};

function oaAccount(appid: unknown) {
  const a = accountOf(typeof appid === 'string' ? appid : undefined);
  if (!a) throw new SimError(404, `unknown appid ${String(appid)}`);
  if (a.kind !== 'oa') throw new SimError(400, `${a.appid} is a mini-program, not an official account`);
  return a;
}

/** What a simulated WeChat user does; each returns who they are and how the merchant's server answered. */
export class UserActions {
  constructor(
    private readonly core: MpCore,
    private readonly baseUrl: () => string,
  ) {}

  private result(appid: string, u: MpUser, extra: Partial<ActionResult> = {}): ActionResult {
    return { appid, key: u.key, openid: u.openid, unionid: u.unionid, ...extra };
  }

  private async qrOf(appid: string, ticket: string): Promise<QrCode> {
    const code = codeOfTicket(ticket);
    const qr = code ? await this.core.store.get<QrCode>(KIND.qr, code) : undefined;
    if (!qr || qr.appid !== appid) throw new SimError(404, 'ticket invalid');
    if (qr.expiresAt && qr.expiresAt < Date.now()) throw new SimError(400, 'qrcode expired');
    return qr;
  }

  /** A permanent code for a scene (as the merchant would have made it), so the event has a real Ticket. */
  private async qrForScene(appid: string, scene: string): Promise<QrCode> {
    const numeric = /^\d+$/.test(scene) && Number(scene) >= 1 && Number(scene) <= 100_000;
    const actionName: QrCode['actionName'] = numeric ? 'QR_LIMIT_SCENE' : 'QR_LIMIT_STR_SCENE';
    if (!numeric && [...scene].length > 64) throw new SimError(400, 'scene must be at most 64 characters');
    const code = qrCodeId(appid, actionName, numeric ? Number(scene) : scene);
    const existing = await this.core.store.get<QrCode>(KIND.qr, code);
    if (existing) return existing;
    const qr: QrCode = {
      code,
      appid,
      ticket: ticketOf(code),
      actionName,
      ...(numeric ? { sceneId: Number(scene) } : { sceneStr: scene }),
      url: `${this.baseUrl()}/q/${code}`,
      createdAt: new Date().toISOString(),
    };
    await this.core.store.put<QrCode>(KIND.qr, code, qr, { ref: appid });
    return qr;
  }

  private event(u: MpUser, event: string, extra: Array<[string, XmlValue | undefined]> = []) {
    return this.core.pushFromUser(u.appid, u.openid, [['MsgType', 'event'], ['Event', event], ...extra]);
  }

  /** 关注: optionally by scanning a QR ticket, or with a scene (ADD_SCENE_… or a QR scene value). */
  async follow(appidIn: unknown, key: string, opts: { ticket?: unknown; scene?: unknown } = {}): Promise<ActionResult> {
    const account = oaAccount(appidIn);
    const appid = account.appid;
    checkKey(key);
    let qr: QrCode | undefined;
    let scene = 'ADD_SCENE_SEARCH';
    if (typeof opts.ticket === 'string' && opts.ticket) qr = await this.qrOf(appid, opts.ticket);
    else if (typeof opts.scene === 'string' && opts.scene) {
      if (SUBSCRIBE_SCENES.includes(opts.scene)) scene = opts.scene;
      else qr = await this.qrForScene(appid, opts.scene);
    }
    let wasFollowing = false;
    const { after } = await this.core.changeUser(appid, key, (u) => {
      wasFollowing = u.subscribe === 1;
      if (wasFollowing) return undefined;
      return {
        ...u,
        subscribe: 1,
        subscribeTime: Math.floor(Date.now() / 1000),
        subscribeScene: qr ? 'ADD_SCENE_QR_CODE' : scene,
        qrScene: qr?.sceneId ?? 0,
        qrSceneStr: qr?.sceneStr ?? '',
      };
    });
    if (wasFollowing) {
      // Scanning an account's code while following it is a SCAN; following again is nothing.
      if (!qr) return this.result(appid, after, { alreadyFollowing: true });
      return this.result(appid, after, { alreadyFollowing: true, event: 'SCAN', push: await this.event(after, 'SCAN', [['EventKey', sceneOf(qr)], ['Ticket', qr.ticket]]) });
    }
    const extra: Array<[string, XmlValue | undefined]> = qr ? [['EventKey', `qrscene_${sceneOf(qr)}`], ['Ticket', qr.ticket]] : [];
    return this.result(appid, after, { event: 'subscribe', scene: after.subscribeScene, push: await this.event(after, 'subscribe', extra) });
  }

  async unfollow(appidIn: unknown, key: string): Promise<ActionResult> {
    const appid = oaAccount(appidIn).appid;
    checkKey(key);
    let was = false;
    const { after } = await this.core.changeUser(appid, key, (u) => {
      was = u.subscribe === 1;
      return was ? { ...u, subscribe: 0, subscribeTime: 0, subscribeScene: '', qrScene: 0, qrSceneStr: '' } : undefined;
    });
    if (!was) return this.result(appid, after, { notFollowing: true });
    return this.result(appid, after, { event: 'unsubscribe', push: await this.event(after, 'unsubscribe') });
  }

  /** Scans a QR ticket: SCAN when following, a subscribe with qrscene_ when not. */
  async scan(appidIn: unknown, key: string, ticket: unknown): Promise<ActionResult> {
    if (typeof ticket !== 'string' || !ticket) throw new SimError(400, 'ticket is required');
    return this.follow(appidIn, key, { ticket });
  }

  private async follower(appid: string, key: string): Promise<MpUser> {
    checkKey(key);
    const u = await this.core.getUser(appid, openidOf(appid, key));
    if (!u?.subscribe) throw new SimError(400, `${key} does not follow ${appid}: follow first`);
    return u;
  }

  async text(appidIn: unknown, key: string, content: unknown): Promise<ActionResult> {
    const appid = oaAccount(appidIn).appid;
    if (typeof content !== 'string' || !content.trim() || content.length > 2000) throw new SimError(400, 'content must be 1 to 2000 characters');
    const u = await this.follower(appid, key);
    const msgId = newTextMsgId();
    await this.core.putMessage({
      id: `u:${appid}:${msgId}`,
      appid,
      openid: u.openid,
      type: 'user_text',
      direction: 'in',
      createdAt: new Date().toISOString(),
      msgid: msgId,
      content,
      status: 'success',
    });
    const push = await this.core.pushFromUser(appid, u.openid, [['MsgType', 'text'], ['Content', content], ['MsgId', { xml: msgId }]]);
    return this.result(appid, u, { event: 'text', msgId, push });
  }

  async click(appidIn: unknown, key: string, menuKey: unknown): Promise<ActionResult> {
    const appid = oaAccount(appidIn).appid;
    const u = await this.follower(appid, key);
    const keys = clickKeys((await this.core.account(appid)).menu?.button);
    if (typeof menuKey !== 'string' || !keys.includes(menuKey)) throw new SimError(400, `the menu has no click button with key ${String(menuKey)} (keys: ${keys.join(', ') || 'no menu'})`);
    return this.result(appid, u, { event: 'CLICK', push: await this.event(u, 'CLICK', [['EventKey', menuKey]]) });
  }

  /** 拒收: the user refuses this template from now on (43101); messages still in flight fail as user block. */
  async blockTemplate(appidIn: unknown, key: string, templateId: unknown, block = true): Promise<ActionResult> {
    const appid = oaAccount(appidIn).appid;
    checkKey(key);
    if (typeof templateId !== 'string' || !templateOf(appid, templateId, 'template')) throw new SimError(400, `not a template of ${appid}: ${String(templateId)}`);
    const { after } = await this.core.changeUser(appid, key, (u) => {
      const has = u.blocked.includes(templateId);
      if (block === has) return undefined;
      return { ...u, blocked: block ? [...u.blocked, templateId] : u.blocked.filter((t) => t !== templateId) };
    });
    if (block) {
      const pending = (await this.core.store.list<MpMessage>(KIND.message, { ref: userKey(appid, after.openid), limit: 100 })).filter(
        (m) => m.type === 'template' && m.templateId === templateId && m.status === 'pending',
      );
      for (const m of pending) {
        await this.core.store.update<MpMessage>(KIND.message, m.id, (cur) => (cur && cur.status === 'pending' ? { value: { ...cur, blockedAfterSend: true } } : undefined));
      }
    }
    return this.result(appid, after, { blocked: after.blocked });
  }

  /** wx.requestSubscribeMessage (or the OA's 订阅通知 popup) accepted: one grant per template each time. */
  async subscribe(appidIn: unknown, key: string, templateIds: unknown): Promise<ActionResult> {
    const account = accountOf(typeof appidIn === 'string' ? appidIn : undefined);
    if (!account) throw new SimError(404, `unknown appid ${String(appidIn)}`);
    checkKey(key);
    const appid = account.appid;
    if (!Array.isArray(templateIds) || templateIds.length === 0 || templateIds.length > 3) throw new SimError(400, 'templateIds must list 1 to 3 subscription template ids');
    for (const id of templateIds) if (typeof id !== 'string' || !templateOf(appid, id, 'subscribe')) throw new SimError(400, `not a subscription template of ${appid}: ${String(id)}`);
    const { after: u } = await this.core.changeUser(appid, key, () => undefined);
    const grants: Record<string, number> = {};
    for (const id of templateIds as string[]) {
      const saved = await this.core.store.update<Grant>(KIND.grant, grantKey(appid, u.openid, id), (cur) => ({ value: { templateId: id, n: (cur?.n ?? 0) + 1 }, ref: userKey(appid, u.openid) }));
      grants[id] = saved?.n ?? 1;
    }
    const list = (templateIds as string[])
      .map((id) => `<List>${xmlInner([['TemplateId', id], ['SubscribeStatusString', 'accept'], ['PopupScene', account.kind === 'oa' ? '2' : '0']])}</List>`)
      .join('');
    const push = await this.core.pushFromUser(appid, u.openid, [['MsgType', 'event'], ['Event', 'subscribe_msg_popup_event'], ['SubscribeMsgPopupEvent', { xml: list }]]);
    return this.result(appid, u, { event: 'subscribe_msg_popup_event', grants, push });
  }

  /** Unused one-time grants of a user, by template id. */
  async grants(appid: string, openid: string): Promise<Record<string, number>> {
    const list = await this.core.store.list<Grant>(KIND.grant, { ref: userKey(appid, openid), limit: 1000 });
    return Object.fromEntries(list.filter((g) => g.n > 0).map((g) => [g.templateId, g.n]));
  }

}
