import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { WecomCustomerFieldBody, WecomFollowupBody, WecomRelationTagsBody, WecomReminderBody, WecomSidebarCouponBody } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import { rows, sql, type Db } from '../../platform/db/index.js';
import { notFound, unauthorized, unprocessable } from '../../platform/errors.js';
import type { TenancyService } from '../../platform/tenancy/service.js';
import type { CatalogService } from '../catalog/service.js';
import type { CustomersService } from '../customers/service.js';
import type { LevelService } from '../loyalty/level-service.js';
import type { PointsService } from '../loyalty/points-service.js';
import type { OrderService } from '../orders/service.js';
import type { CouponService } from '../promotions/coupon-service.js';
import type { TagService } from '../tags/tag-service.js';
import { WeComApiError } from './client/wecom-client.js';
import { onVendor, vendorRefusal, type WecomCorps } from './corps.js';
import type { WecomFollowups } from './followups.js';
import type { WecomRelations } from './relations.js';
import type { WecomReminders } from './reminders.js';

/** A sidebar session lasts a working day; WeCom re-runs OAuth silently when it has ended. */
const SESSION_MS = 12 * 3600_000;

/** The JS-SDK signature as WeCom publishes it: sha1 of the four fields in this order, the URL without its #fragment. */
export const jsapiSignature = (ticket: string, nonceStr: string, timestamp: number, url: string) =>
  createHash('sha1').update(`jsapi_ticket=${ticket}&noncestr=${nonceStr}&timestamp=${timestamp}&url=${url.split('#')[0]}`).digest('hex');

export interface SidebarStaff {
  shopId: string;
  userid: string;
}

type Deps = {
  customers: CustomersService; orders: OrderService; coupons: CouponService; points: PointsService; levels: LevelService;
  tags: TagService; catalog: CatalogService; tenancy: TenancyService;
};

/**
 * The customer 360 sidebar (侧边栏) in WeCom's chat toolbar. The member is known from WeCom's OAuth2
 * (the app's getuserinfo), kept in a signed session; the customer is the external contact the JS-SDK
 * names. Everything is answered only for a contact the member serves now (an active relation): anyone
 * else gets 404, as if the contact did not exist.
 */
export class WecomSidebar {
  constructor(
    private p: Platform,
    private corps: WecomCorps,
    private relations: WecomRelations,
    private followups: WecomFollowups,
    private reminders: WecomReminders,
    private d: Deps,
  ) {}

  // ── Who is asking ────────────────────────────────────────────────────────────────────────────────

  private mac(payload: string) {
    return createHmac('sha256', `wecom-sidebar:${this.p.config.SESSION_SECRET}`).update(payload).digest('base64url');
  }

  /** Where the page sends the member for OAuth2 (WeCom answers at once inside its app, no prompt with snsapi_base). */
  async authorizeUrl(shopId: string, redirect: string) {
    const corp = await this.corps.requireCorp(shopId);
    if (corp.agentId === null) throw unprocessable('WECOM_AGENT_MISSING', "Set the app's AgentId and secret first", { field: 'agentId' });
    const base = this.p.config.WECOM_BASE_URL ?? (this.p.config.SANDBOX ? this.corps.baseUrl() : 'https://open.weixin.qq.com');
    const q = new URLSearchParams({ appid: corp.corpId, redirect_uri: redirect, response_type: 'code', scope: 'snsapi_base', state: 'sidebar', agentid: String(corp.agentId) });
    // `sandbox`: no WeCom client around the page, so it may take the contact from its URL instead of the JS-SDK.
    return { url: `${base.replace(/\/+$/, '')}/connect/oauth2/authorize?${q}#wechat_redirect`, sandbox: this.p.config.SANDBOX };
  }

  /** The OAuth2 code → the member (getuserinfo with the app's token) → a signed session for this shop. */
  async signIn(shopId: string, code: string) {
    const corp = await this.corps.requireCorp(shopId);
    let userid: string | null;
    try {
      ({ userid } = await this.corps.client(corp, 'agent').userOfCode(code));
    } catch (err) {
      if (!(err instanceof WeComApiError)) throw err;
      if (err.errcode === 40029 || err.errcode === 42003) throw unauthorized('WECOM_CODE_INVALID', 'The sign-in code is invalid or has expired');
      throw vendorRefusal(err, 'code');
    }
    if (!userid) throw unauthorized('WECOM_NOT_A_MEMBER', 'Only members of the corp can open the sidebar');
    const exp = this.p.now().getTime() + SESSION_MS;
    const payload = Buffer.from(JSON.stringify({ s: shopId, u: userid, e: exp })).toString('base64url');
    const [staff] = await rows<{ name: string }>(this.p.db, sql`SELECT name FROM wecom_staff WHERE shop_id = ${shopId} AND userid = ${userid}`);
    return { token: `${payload}.${this.mac(payload)}`, userid, name: staff?.name ?? userid, expiresAt: new Date(exp) };
  }

  /** The session's member, for this shop only (a session of another shop is no session here). */
  verify(shopId: string, token: string | undefined): SidebarStaff {
    const [payload, mac] = (token ?? '').split('.');
    const fail = () => unauthorized('WECOM_SIDEBAR_SESSION', 'Open the sidebar from WeCom again');
    if (!payload || !mac) throw fail();
    const want = Buffer.from(this.mac(payload));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) throw fail();
    const s = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { s: string; u: string; e: number };
    if (s.s !== shopId || s.e < this.p.now().getTime()) throw fail();
    return { shopId, userid: s.u };
  }

  /** wx.config (the corp's jsapi_ticket) and wx.agentConfig (the app's ticket) for the page at `url`. */
  async jssdk(shopId: string, url: string) {
    const corp = await this.corps.requireCorp(shopId);
    if (corp.agentId === null || !corp.agentSecret) throw unprocessable('WECOM_AGENT_MISSING', "Set the app's AgentId and secret first", { field: 'agentId' });
    const client = this.corps.client(corp, 'agent');
    const key = (kind: string) => `${corp.corpId}:jsapi-${kind}:${createHash('sha256').update(corp.agentSecret!).digest('hex').slice(0, 16)}`;
    // Tickets are rate-limited like tokens and live as long: one per corp for every process.
    const [corpTicket, agentTicket] = await onVendor(() =>
      Promise.all([this.corps.tokens.token(key('corp'), () => client.jsapiTicket('corp')), this.corps.tokens.token(key('agent'), () => client.jsapiTicket('agent'))]),
    );
    const timestamp = Math.floor(this.p.now().getTime() / 1000);
    const sign = (ticket: string) => {
      const nonceStr = randomBytes(8).toString('hex');
      return { timestamp, nonceStr, signature: jsapiSignature(ticket, nonceStr, timestamp, url) };
    };
    return { corpId: corp.corpId, agentId: corp.agentId, url: url.split('#')[0], config: sign(corpTicket), agentConfig: sign(agentTicket), jsApiList: ['getCurExternalContact', 'sendChatMessage'] };
  }

  // ── The customer ─────────────────────────────────────────────────────────────────────────────────

  /**
   * The member's active relation with the contact, or 404 (never "forbidden": the contact is not theirs to know).
   * A member who has left keeps a session for its last hours but no customers: their relations wait for a handover.
   */
  async relationOf(who: SidebarStaff, externalUserid: string, db: Db = this.p.db) {
    const [r] = await rows<{ id: string; stage: string; remark: string; tag_ids: string[]; added_at: Date; state: string | null; contact_name: string; avatar: string | null; customer_id: string | null }>(db, sql`
      SELECT r.id, r.stage, r.remark, r.tag_ids, r.added_at, r.state, c.name AS contact_name, c.avatar, c.customer_id FROM wecom_relations r
      JOIN wecom_contacts c ON c.shop_id = r.shop_id AND c.external_userid = r.external_userid
      WHERE r.shop_id = ${who.shopId} AND r.staff_userid = ${who.userid} AND r.external_userid = ${externalUserid} AND r.status = 'active'
        AND NOT EXISTS (SELECT 1 FROM wecom_staff s WHERE s.shop_id = r.shop_id AND s.userid = r.staff_userid AND s.status = 5)`);
    if (!r) throw notFound('Customer', { field: 'externalUserid' });
    return r;
  }

  private async shopSlug(shopId: string) {
    return (await this.d.tenancy.getShop(shopId)).slug;
  }

  private abs(url: string | null | undefined) {
    if (!url) return null;
    return url.startsWith('/') ? `${this.p.publicUrl()}${url}` : url;
  }

  async healthConsent(shopId: string, customerId: string, db: Db = this.p.db) {
    const [c] = await rows<{ granted_at: Date | null; revoked_at: Date | null }>(db, sql`SELECT granted_at, revoked_at FROM wecom_health_consents WHERE shop_id = ${shopId} AND customer_id = ${customerId}`);
    return !!c?.granted_at && !c.revoked_at;
  }

  /** The customer's own choice from the storefront. */
  async setHealthConsent(shopId: string, customerId: string, granted: boolean) {
    const now = this.p.now().toISOString();
    await this.p.database.transaction((tx) =>
      tx.execute(sql`
        INSERT INTO wecom_health_consents (shop_id, customer_id, granted_at, revoked_at) VALUES (${shopId}, ${customerId}, ${granted ? now : null}::timestamptz, ${granted ? null : now}::timestamptz)
        ON CONFLICT (shop_id, customer_id) DO UPDATE SET granted_at = CASE WHEN ${granted} THEN excluded.granted_at ELSE wecom_health_consents.granted_at END,
          revoked_at = excluded.revoked_at, updated_at = now()`),
    );
    return { granted: await this.healthConsent(shopId, customerId) };
  }

  private async fields(shopId: string, customerId: string, withHealth: boolean) {
    const list = await rows<{ key: string; label: string; value: string; health: boolean; updated_by: string; updated_at: Date }>(this.p.db, sql`
      SELECT * FROM wecom_customer_fields WHERE shop_id = ${shopId} AND customer_id = ${customerId} ${withHealth ? sql`` : sql`AND NOT health`} ORDER BY health, key`);
    return list.map((f) => ({ key: f.key, label: f.label, value: f.value, health: f.health, updatedBy: f.updated_by, updatedAt: f.updated_at }));
  }

  /** Everything the member needs while chatting: the Siyu customer (when linked), the relation, the story so far. */
  async view(who: SidebarStaff, externalUserid: string) {
    const rel = await this.relationOf(who, externalUserid);
    const tagNames = new Map((await this.relations.corpTags(who.shopId)).items.map((t) => [t.id, `${t.groupName}·${t.name}`]));
    const relation = {
      id: rel.id, stage: rel.stage, remark: rel.remark, addedAt: rel.added_at, state: rel.state,
      tags: rel.tag_ids.map((id) => ({ id, name: tagNames.get(id) ?? id })),
    };
    const contact = { externalUserid, name: rel.contact_name, avatar: rel.avatar };
    const followups = await this.followups.ofContact(who.shopId, externalUserid);
    const upcoming = await this.reminders.upcoming(who.shopId, rel.customer_id, externalUserid);
    if (!rel.customer_id) return { contact, relation, customer: null, followups, reminders: upcoming };

    const id = rel.customer_id;
    const [customer, orders, points, level, coupons, tags, consent] = await Promise.all([
      this.d.customers.getCustomer(who.shopId, id),
      this.d.orders.list(who.shopId, { page: 1, pageSize: 10, customerIds: [id] } as Parameters<OrderService['list']>[1]),
      this.d.points.balance(who.shopId, id),
      this.d.levels.progress(who.shopId, id),
      this.d.coupons.mine(who.shopId, id, 'unused'),
      this.d.tags.tagsOf(who.shopId, id),
      this.healthConsent(who.shopId, id),
    ]);
    return {
      contact,
      relation,
      customer: {
        id, nickname: customer.nickname ?? null, phone: customer.phone ?? null, registeredAt: customer.registeredAt ?? null,
        points, level: level.level ? { name: level.level.name, rank: level.level.rank } : null, levelValue: level.value,
        orders: {
          total: orders.total,
          items: orders.items.map((o) => ({
            id: o.id, orderNo: o.orderNo, status: o.status, fulfilment: o.fulfilment, payableFen: o.payableFen, paidFen: o.paidFen, createdAt: o.createdAt, paidAt: o.paidAt,
            items: o.items.map((i) => ({ title: i.title, quantity: i.quantity, imageUrl: i.imageUrl })),
          })),
        },
        coupons: { unused: coupons.counts.unused, items: coupons.items.slice(0, 20) },
        tags,
        healthConsent: consent,
        // Health data is not even sent to the page without the customer's separate consent.
        fields: await this.fields(who.shopId, id, consent),
      },
      followups,
      reminders: upcoming,
    };
  }

  async todos(who: SidebarStaff) {
    return this.reminders.todos(who.shopId, who.userid);
  }

  // ── Actions ──────────────────────────────────────────────────────────────────────────────────────

  async markTags(who: SidebarStaff, externalUserid: string, body: WecomRelationTagsBody) {
    const rel = await this.relationOf(who, externalUserid);
    return onVendor(() => this.relations.markTags(who.shopId, rel.id, body), 'add');
  }

  async addFollowup(who: SidebarStaff, externalUserid: string, body: WecomFollowupBody) {
    const rel = await this.relationOf(who, externalUserid);
    const [staff] = await rows<{ name: string }>(this.p.db, sql`SELECT name FROM wecom_staff WHERE shop_id = ${who.shopId} AND userid = ${who.userid}`);
    return this.followups.add(who.shopId, rel.id, body, { staffUserid: who.userid, name: staff?.name ?? who.userid });
  }

  async addReminder(who: SidebarStaff, externalUserid: string, body: Omit<WecomReminderBody, 'customerId' | 'externalUserid'>) {
    const rel = await this.relationOf(who, externalUserid);
    return this.reminders.create(who.shopId, { ...body, externalUserid, ...(rel.customer_id ? { customerId: rel.customer_id } : {}) }, `wecom:${who.userid}`);
  }

  private async linkedCustomer(who: SidebarStaff, externalUserid: string) {
    const rel = await this.relationOf(who, externalUserid);
    if (!rel.customer_id) throw unprocessable('WECOM_CONTACT_NOT_LINKED', 'This contact is not a customer of the shop yet', { field: 'externalUserid' });
    return rel.customer_id;
  }

  async setField(who: SidebarStaff, externalUserid: string, key: string, body: WecomCustomerFieldBody) {
    const customerId = await this.linkedCustomer(who, externalUserid);
    if (body.health && !(await this.healthConsent(who.shopId, customerId))) {
      throw unprocessable('WECOM_HEALTH_CONSENT_MISSING', 'The customer has not agreed to their health data being kept', { field: 'health' });
    }
    await this.p.database.transaction((tx) =>
      tx.execute(sql`
        INSERT INTO wecom_customer_fields (shop_id, customer_id, key, label, value, health, updated_by) VALUES (${who.shopId}, ${customerId}, ${key}, ${body.label}, ${body.value}, ${body.health}, ${`wecom:${who.userid}`})
        ON CONFLICT (shop_id, customer_id, key) DO UPDATE SET label = excluded.label, value = excluded.value, health = excluded.health, updated_by = excluded.updated_by, updated_at = now()`),
    );
    return { key, ...body };
  }

  /**
   * A coupon straight into the customer's account, once per idempotency key (the coupon's claim key): a
   * second tap or a retried request answers the coupon already given. The page then tells the member and
   * can send the customer a card pointing at their coupons.
   */
  async sendCoupon(who: SidebarStaff, externalUserid: string, body: WecomSidebarCouponBody) {
    const customerId = await this.linkedCustomer(who, externalUserid);
    const claimKey = `wecom-sidebar:${body.idempotencyKey}`;
    const existing = async (db: Db) =>
      (await rows<{ id: string; template_id: string }>(db, sql`SELECT id, template_id FROM coupons WHERE shop_id = ${who.shopId} AND customer_id = ${customerId} AND claim_key = ${claimKey}`))[0];
    const issue = () =>
      this.p.database.transaction(async (tx) => {
        const had = await existing(tx);
        if (had) return { couponId: had.id, repeated: true };
        const c = await this.d.coupons.issue(tx, who.shopId, body.templateId, customerId, { source: 'issue', sourceRef: claimKey, claimKey });
        return { couponId: c.id, repeated: false };
      });
    let out: { couponId: string; repeated: boolean };
    try {
      out = await issue();
    } catch (err) {
      // Two taps at once: the claim key's unique index let one through; answer that one.
      if ((err as { code?: string }).code !== '23505' && (err as { cause?: { code?: string } }).cause?.code !== '23505') throw err;
      const had = await existing(this.p.db);
      if (!had) throw err;
      out = { couponId: had.id, repeated: true };
    }
    const slug = await this.shopSlug(who.shopId);
    const mine = await this.d.coupons.mine(who.shopId, customerId);
    const coupon = mine.items.find((c) => (c as { id: string }).id === out.couponId) ?? null;
    return {
      ...out,
      coupon,
      notice: out.repeated ? '这张券已经发过了,未重复发放' : '优惠券已发到客户账户',
      // For wx.invoke('sendChatMessage'): a card that opens the customer's coupons.
      message: { msgtype: 'news', enterChat: true, news: { link: `${this.p.publicUrl()}/s/${encodeURIComponent(slug)}/me/coupons`, title: '您有一张新的优惠券', desc: '点击查看并使用', imgUrl: '' } },
    };
  }

  /** What wx.invoke('sendChatMessage') needs for a product: a news card to the storefront's product page. */
  async productCard(who: SidebarStaff, externalUserid: string, productId: string) {
    await this.relationOf(who, externalUserid);
    const found = await this.d.catalog.storeProduct(who.shopId, productId);
    if (!found) throw notFound('Product', { field: 'productId' });
    const slug = await this.shopSlug(who.shopId);
    const p = found.product;
    const price = p.minPrice === p.maxPrice ? `¥${(p.minPrice / 100).toFixed(2)}` : `¥${(p.minPrice / 100).toFixed(2)} 起`;
    return {
      msgtype: 'news' as const,
      enterChat: true,
      news: {
        link: `${this.p.publicUrl()}/s/${encodeURIComponent(slug)}/products/${p.id}`,
        title: p.title,
        desc: [p.subtitle, price].filter(Boolean).join(' · '),
        imgUrl: this.abs((p.images as string[] | null)?.[0]) ?? '',
      },
    };
  }
}
