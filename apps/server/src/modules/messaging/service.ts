import { pgArray } from '../../platform/db/prepared.js';
import {
  CHANNELS,
  DEFAULT_CONTACT_BUDGET,
  isTransactional,
  maskPhone,
  renderTemplateText,
  TOPIC_VARIABLES,
  type Channel,
  type ContactBudget,
  type MessageTemplateBody,
  type Topic,
} from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import { rows, sql, type Db } from '../../platform/db/index.js';
import { badRequest, notFound } from '../../platform/errors.js';
import type { CustomersService } from '../customers/service.js';
import type { ChannelAccounts } from './accounts.js';
import { shopDay } from './budget.js';
import { miniCodeToSession } from './clients/mp-client.js';
import type { TemplateRow } from './dispatcher.js';

/** The order messages go on when the caller does not say: free channels first, SMS last. */
export const DEFAULT_CHAIN: Channel[] = ['mini_subscribe', 'oa_template', 'sms'];

export interface SendInput {
  shopId: string;
  customerId: string;
  topic: Topic;
  /** Unique per message within the shop: a retried caller finds its first delivery. */
  key: string;
  vars: Record<string, string>;
  channels?: Channel[];
  broadcastId?: string;
  notBefore?: Date;
  /** Chosen by the caller when the message must name itself (a tracked link carries the delivery id). */
  deliveryId?: string;
}

const templateView = (t: TemplateRow & { created_at?: Date }) => ({
  id: t.id,
  name: t.name,
  topic: t.topic,
  channel: t.channel,
  vendorTemplateId: t.vendor_template_id,
  fields: t.fields,
  content: t.content,
  link: t.link,
  enabled: t.enabled,
  createdAt: t.created_at,
});

/**
 * The one way any module reaches a customer. `send` only records the message (in the caller's
 * transaction, under an idempotency key); the dispatcher decides the channel, checks the contact budget
 * and sends. Here too: templates, the budget's settings, customers' preferences and one-time subscriptions.
 */
export class MessagingService {
  constructor(
    private p: Platform,
    private accounts: ChannelAccounts,
    private customers: CustomersService,
  ) {}

  /** Queues messages; a key seen before is skipped, so redelivered events and retried jobs write nothing twice. */
  async send(tx: Db, inputs: SendInput[]): Promise<number> {
    return (await this.queue(tx, inputs)).size;
  }

  /** `send`, answering the keys queued now (the others were seen before). */
  async queue(tx: Db, inputs: SendInput[]): Promise<Set<string>> {
    if (!inputs.length) return new Set();
    const res = await rows<{ key: string }>(tx, sql`
      INSERT INTO deliveries (id, shop_id, customer_id, idempotency_key, topic, transactional, channels, broadcast_id, vars, not_before)
      SELECT coalesce(id, gen_random_uuid()), s, c, k, t, tr, string_to_array(ch, ','), b, v::jsonb, coalesce(nb, now())
      FROM unnest(${pgArray(inputs.map((i) => i.shopId))}::uuid[], ${pgArray(inputs.map((i) => i.customerId))}::uuid[], ${pgArray(inputs.map((i) => i.key))}::text[],
        ${pgArray(inputs.map((i) => i.topic))}::text[], ${pgArray(inputs.map((i) => isTransactional(i.topic)))}::boolean[], ${pgArray(inputs.map((i) => (i.channels ?? DEFAULT_CHAIN).join(',')))}::text[],
        ${pgArray(inputs.map((i) => i.broadcastId ?? null))}::uuid[], ${pgArray(inputs.map((i) => JSON.stringify(i.vars)))}::text[], ${pgArray(inputs.map((i) => i.notBefore?.toISOString() ?? null))}::timestamptz[],
        ${pgArray(inputs.map((i) => i.deliveryId ?? null))}::uuid[])
        AS x(s, c, k, t, tr, ch, b, v, nb, id)
      ON CONFLICT (shop_id, idempotency_key) DO NOTHING
      RETURNING idempotency_key AS key`);
    return new Set(res.map((r) => r.key));
  }

  // ── Budget ───────────────────────────────────────────────────────────────────────────────────────

  async budget(shopId: string, db: Db = this.p.db): Promise<ContactBudget> {
    const [r] = await rows<{ budget: ContactBudget }>(db, sql`SELECT budget FROM contact_budgets WHERE shop_id = ${shopId}`);
    return r?.budget ?? DEFAULT_CONTACT_BUDGET;
  }

  async setBudget(tx: Db, shopId: string, budget: ContactBudget) {
    const before = await this.budget(shopId, tx);
    const quietAllDay = budget.quietStart !== budget.quietEnd && (budget.quietEnd - budget.quietStart + 1440) % 1440 > 1380;
    if (quietAllDay) throw badRequest('VALIDATION_FAILED', 'Quiet hours leave less than an hour a day to send', { field: 'quietEnd' });
    await tx.execute(sql`
      INSERT INTO contact_budgets (shop_id, budget) VALUES (${shopId}, ${JSON.stringify(budget)}::jsonb)
      ON CONFLICT (shop_id) DO UPDATE SET budget = excluded.budget, updated_at = now()`);
    return { before, after: budget };
  }

  // ── Templates ────────────────────────────────────────────────────────────────────────────────────

  async templates(shopId: string) {
    const list = await rows<TemplateRow & { created_at: Date }>(this.p.db, sql`SELECT * FROM message_templates WHERE shop_id = ${shopId} ORDER BY topic, channel, created_at`);
    return { items: list.map(templateView) };
  }

  async template(shopId: string, id: string, db: Db = this.p.db) {
    const [t] = await rows<TemplateRow & { created_at: Date }>(db, sql`SELECT * FROM message_templates WHERE shop_id = ${shopId} AND id = ${id}`);
    if (!t) throw notFound('Template', { field: 'id' });
    return t;
  }

  private checkVariables(input: MessageTemplateBody) {
    const known = TOPIC_VARIABLES[input.topic];
    const texts = [...input.fields.map((f, i) => ({ text: f.value, field: `fields.${i}.value` })), ...(input.link ? [{ text: input.link, field: 'link' }] : [])];
    for (const { text, field } of texts) {
      for (const m of text.matchAll(/\{\{\s*([a-zA-Z][a-zA-Z0-9_]*)\s*\}\}/g)) {
        const name = m[1]!;
        if (!(name in known) && !['orderId', 'customerName'].includes(name)) {
          throw badRequest('TEMPLATE_VARIABLE_UNKNOWN', `{{${name}}} is not a variable of this topic`, { field, variable: name, known: Object.keys(known) });
        }
      }
    }
  }

  async createTemplate(tx: Db, shopId: string, input: MessageTemplateBody) {
    this.checkVariables(input);
    const [t] = await rows<TemplateRow & { created_at: Date }>(tx, sql`
      INSERT INTO message_templates (shop_id, name, topic, channel, vendor_template_id, fields, content, link, enabled)
      VALUES (${shopId}, ${input.name}, ${input.topic}, ${input.channel}, ${input.vendorTemplateId}, ${JSON.stringify(input.fields)}::jsonb, ${input.content}, ${input.link}, ${input.enabled})
      RETURNING *`);
    return templateView(t!);
  }

  async updateTemplate(tx: Db, shopId: string, id: string, input: MessageTemplateBody) {
    this.checkVariables(input);
    const before = templateView(await this.template(shopId, id, tx));
    const [t] = await rows<TemplateRow & { created_at: Date }>(tx, sql`
      UPDATE message_templates SET name = ${input.name}, topic = ${input.topic}, channel = ${input.channel}, vendor_template_id = ${input.vendorTemplateId},
        fields = ${JSON.stringify(input.fields)}::jsonb, content = ${input.content}, link = ${input.link}, enabled = ${input.enabled}, updated_at = now()
      WHERE shop_id = ${shopId} AND id = ${id} RETURNING *`);
    return { before, after: templateView(t!) };
  }

  async removeTemplate(tx: Db, shopId: string, id: string) {
    const before = templateView(await this.template(shopId, id, tx));
    await tx.execute(sql`DELETE FROM message_templates WHERE shop_id = ${shopId} AND id = ${id}`);
    return before;
  }

  /** The message as the customer would read it, with the topic's example values unless given. */
  async preview(shopId: string, id: string, vars: Record<string, string> = {}) {
    const t = await this.template(shopId, id);
    const values = { ...TOPIC_VARIABLES[t.topic], ...vars };
    const fields = t.fields.map((f) => ({ key: f.key, value: renderTemplateText(f.value, values) }));
    const byKey = Object.fromEntries(fields.map((f) => [f.key, f.value]));
    const text = t.content
      .replace(/\{\{\s*([A-Za-z0-9_]+)\.DATA\s*\}\}/g, (m, k: string) => byKey[k] ?? m)
      .replace(/\{(\d+)\}/g, (m, k: string) => byKey[k] ?? m)
      .replace(/\$\{([A-Za-z0-9_]+)\}/g, (m, k: string) => byKey[k] ?? m);
    return { text, fields };
  }

  // ── Preferences, consent and one-time subscriptions ──────────────────────────────────────────────

  async preferences(shopId: string, customerId: string, db: Db = this.p.db) {
    const optouts = await rows<{ channel: string; topic: string }>(db, sql`SELECT channel, topic FROM contact_optouts WHERE shop_id = ${shopId} AND customer_id = ${customerId}`);
    const [consent] = await rows<{ sms_marketing_at: Date | null }>(db, sql`SELECT sms_marketing_at FROM contact_consents WHERE shop_id = ${shopId} AND customer_id = ${customerId}`);
    const grants = await rows<{ topic: Topic; left: number }>(db, sql`SELECT topic, granted - used AS left FROM subscribe_grants WHERE shop_id = ${shopId} AND customer_id = ${customerId} ORDER BY topic`);
    const [following] = await rows<{ n: number }>(db, sql`
      SELECT count(*)::int AS n FROM mp_followers f JOIN mp_accounts a ON a.id = f.account_id AND a.kind = 'oa'
      WHERE f.shop_id = ${shopId} AND f.customer_id = ${customerId} AND f.subscribed`);
    return {
      refusedTopics: optouts.filter((o) => o.channel === '*' && o.topic !== '*').map((o) => o.topic as Topic),
      refusedChannels: optouts.filter((o) => o.topic === '*' && o.channel !== '*').map((o) => o.channel as Exclude<Channel, 'wecom'>),
      smsMarketing: !!consent?.sms_marketing_at,
      following: (following?.n ?? 0) > 0,
      subscriptions: grants.map((g) => ({ topic: g.topic, left: g.left })),
    };
  }

  async setPreferences(shopId: string, customerId: string, input: { refusedTopics: Topic[]; refusedChannels: Channel[]; smsMarketing: boolean }, source = 'customer') {
    await this.p.database.transaction(async (tx) => {
      await tx.execute(sql`DELETE FROM contact_optouts WHERE shop_id = ${shopId} AND customer_id = ${customerId} AND (channel = '*') <> (topic = '*')`);
      const pairs = [...input.refusedTopics.map((t) => ['*', t]), ...input.refusedChannels.map((c) => [c, '*'])];
      if (pairs.length) {
        await tx.execute(sql`
          INSERT INTO contact_optouts (shop_id, customer_id, channel, topic, source)
          SELECT ${shopId}, ${customerId}, ch, t, ${source} FROM unnest(${pgArray(pairs.map((x) => x[0]!))}::text[], ${pgArray(pairs.map((x) => x[1]!))}::text[]) AS u(ch, t)
          ON CONFLICT DO NOTHING`);
      }
      await tx.execute(sql`
        INSERT INTO contact_consents (shop_id, customer_id, sms_marketing_at) VALUES (${shopId}, ${customerId}, ${input.smsMarketing ? this.p.now().toISOString() : null}::timestamptz)
        ON CONFLICT (shop_id, customer_id) DO UPDATE SET
          sms_marketing_at = CASE WHEN ${input.smsMarketing} THEN coalesce(contact_consents.sms_marketing_at, excluded.sms_marketing_at) END, updated_at = now()`);
    });
    return this.preferences(shopId, customerId);
  }

  /** What the storefront passes to wx.requestSubscribeMessage: the mini-program's template per topic. */
  async subscribeConfig(shopId: string) {
    const mini = await this.accounts.account(shopId, 'mini');
    const list = await rows<{ topic: Topic; vendor_template_id: string; name: string }>(this.p.db, sql`
      SELECT DISTINCT ON (topic) topic, vendor_template_id, name FROM message_templates
      WHERE shop_id = ${shopId} AND channel = 'mini_subscribe' AND enabled ORDER BY topic, created_at`);
    return { miniAppId: mini?.appId ?? null, templates: list.map((t) => ({ topic: t.topic, templateId: t.vendor_template_id, title: t.name })) };
  }

  /**
   * Records what the customer accepted in wx.requestSubscribeMessage: each accept allows one message.
   * The login code tells us the customer's openid in the mini-program (an `h5:` code only in the sandbox).
   */
  async grant(shopId: string, customerId: string, input: { topics: Topic[]; results: ('accept' | 'reject' | 'ban')[]; code: string }) {
    const mini = await this.accounts.requireAccount(shopId, 'mini');
    const accepted = input.topics.filter((_, i) => input.results[i] === 'accept');
    let code = input.code;
    if (code.startsWith('h5:')) {
      if (!this.p.config.SANDBOX || code !== `h5:${customerId}`) throw badRequest('SUBSCRIBE_CODE_INVALID', 'The login code is not valid', { field: 'code' });
      code = await this.sandboxAccept(mini.appId, customerId, accepted, shopId);
    }
    let session: { openid: string; unionid: string | null };
    try {
      session = await miniCodeToSession({ baseUrl: () => this.accounts.mpBaseUrl(), appId: mini.appId, appSecret: mini.appSecret }, code);
    } catch (err) {
      throw badRequest('SUBSCRIBE_CODE_INVALID', `The login code was refused: ${(err as Error).message}`, { field: 'code' });
    }
    const { openid, unionid } = session;
    await this.p.database.transaction(async (tx) => {
      await tx.execute(sql`
        INSERT INTO mp_followers (shop_id, account_id, openid, unionid, customer_id, subscribed, subscribed_at)
        VALUES (${shopId}, ${mini.id}, ${openid}, ${unionid}, ${customerId}, true, now())
        ON CONFLICT (account_id, openid) DO UPDATE SET customer_id = excluded.customer_id, unionid = coalesce(excluded.unionid, mp_followers.unionid), subscribed = true`);
      if (accepted.length) {
        await tx.execute(sql`
          INSERT INTO subscribe_grants (shop_id, customer_id, topic, granted) SELECT ${shopId}, ${customerId}, t, 1 FROM unnest(${pgArray(accepted)}::text[]) t
          ON CONFLICT (shop_id, customer_id, topic) DO UPDATE SET granted = subscribe_grants.granted + 1, updated_at = now()`);
      }
    });
    const prefs = await this.preferences(shopId, customerId);
    return { granted: prefs.subscriptions };
  }

  /**
   * The storefront on H5 (no mini-program shell) in the sandbox: what WeChat would learn from the customer's
   * tap on 允许 is told to the simulator, and a login code is taken from it, so the real protocol follows.
   */
  private async sandboxAccept(appId: string, customerId: string, topics: Topic[], shopId: string): Promise<string> {
    const base = this.accounts.mpBaseUrl();
    const key = `h5-${customerId}`;
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${base}/__sim/users/${key}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw badRequest('SUBSCRIBE_CODE_INVALID', `The sandbox refused: ${await res.text()}`, { field: 'code' });
      return (await res.json()) as Record<string, unknown>;
    };
    if (topics.length) {
      const ids = await rows<{ vendor_template_id: string }>(this.p.db, sql`
        SELECT DISTINCT ON (topic) vendor_template_id FROM message_templates WHERE shop_id = ${shopId} AND channel = 'mini_subscribe' AND enabled AND topic = ANY(${pgArray(topics)}::text[]) ORDER BY topic, created_at`);
      if (ids.length) await post('subscribe', { appid: appId, templateIds: ids.map((r) => r.vendor_template_id) });
    }
    return String((await post('jscode', { appid: appId })).code);
  }

  // ── The log ──────────────────────────────────────────────────────────────────────────────────────

  async deliveries(shopId: string, q: { page: number; pageSize: number; status?: string; channel?: string; topic?: string; customerId?: string; broadcastId?: string }) {
    const where = sql`d.shop_id = ${shopId}
      AND (${q.status ?? null}::text IS NULL OR d.status = ${q.status ?? null}) AND (${q.channel ?? null}::text IS NULL OR d.channel = ${q.channel ?? null})
      AND (${q.topic ?? null}::text IS NULL OR d.topic = ${q.topic ?? null}) AND (${q.customerId ?? null}::uuid IS NULL OR d.customer_id = ${q.customerId ?? null})
      AND (${q.broadcastId ?? null}::uuid IS NULL OR d.broadcast_id = ${q.broadcastId ?? null})`;
    const [{ n }] = (await rows<{ n: number }>(this.p.db, sql`SELECT count(*)::int AS n FROM deliveries d WHERE ${where}`)) as [{ n: number }];
    const list = await rows<DeliveryRow>(this.p.db, sql`
      SELECT d.*, t.name AS template_name FROM deliveries d LEFT JOIN message_templates t ON t.id = d.template_id
      WHERE ${where} ORDER BY d.created_at DESC, d.id LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`);
    return { items: await this.deliveryViews(shopId, list), total: n, page: q.page, pageSize: q.pageSize };
  }

  private async deliveryViews(shopId: string, list: DeliveryRow[]) {
    const names = await this.customers.summaries(shopId, [...new Set(list.map((d) => d.customer_id))]);
    return list.map((d) => ({
      id: d.id,
      customerId: d.customer_id,
      customerName: names.get(d.customer_id)?.nickname ?? names.get(d.customer_id)?.phone ?? null,
      topic: d.topic,
      transactional: d.transactional,
      channel: d.channel,
      channels: d.channels,
      status: d.status,
      reason: d.reason,
      recipient: d.recipient ? (d.channel === 'sms' ? maskPhone(d.recipient) : `${d.recipient.slice(0, 6)}…`) : null,
      templateName: d.template_name,
      broadcastId: d.broadcast_id,
      createdAt: d.created_at,
      sentAt: d.sent_at,
      deliveredAt: d.delivered_at,
    }));
  }

  /** The messages tab of a customer: the latest messages, their choices and what the budget has counted. */
  async customerMessages(shopId: string, customerId: string) {
    const list = await rows<DeliveryRow>(this.p.db, sql`
      SELECT d.*, t.name AS template_name FROM deliveries d LEFT JOIN message_templates t ON t.id = d.template_id
      WHERE d.shop_id = ${shopId} AND d.customer_id = ${customerId} ORDER BY d.created_at DESC LIMIT 100`);
    const today = shopDay(this.p.now());
    const counters = await rows<{ channel: string; today: number; week: number }>(this.p.db, sql`
      SELECT channel, coalesce(sum(n) FILTER (WHERE day = ${today}), 0)::int AS today, sum(n)::int AS week FROM contact_counters
      WHERE shop_id = ${shopId} AND customer_id = ${customerId} AND day > ${today - 7} GROUP BY channel`);
    const pick = (k: 'today' | 'week') => Object.fromEntries([['total', counters.find((c) => c.channel === '*')?.[k] ?? 0], ...CHANNELS.map((c) => [c, counters.find((x) => x.channel === c)?.[k] ?? 0])]);
    const prefs = await this.preferences(shopId, customerId);
    return { items: await this.deliveryViews(shopId, list), preferences: { refusedTopics: prefs.refusedTopics, refusedChannels: prefs.refusedChannels, smsMarketing: prefs.smsMarketing }, counters: { today: pick('today'), week: pick('week') } };
  }
}

export interface DeliveryRow {
  id: string;
  customer_id: string;
  topic: Topic;
  transactional: boolean;
  channel: Channel | null;
  channels: Channel[];
  status: string;
  reason: string | null;
  recipient: string | null;
  template_name: string | null;
  broadcast_id: string | null;
  created_at: Date;
  sent_at: Date | null;
  delivered_at: Date | null;
}
