import { createHash } from 'node:crypto';
import type { Platform } from '../../platform/context.js';
import { rows, sql } from '../../platform/db/index.js';
import type { ChannelCodes } from './channel-codes.js';
import { CallbackCryptoError, openCallback, openEcho, type CallbackQuery } from './client/crypto.js';
import { WeComApiError } from './client/wecom-client.js';
import type { WecomCorp, WecomCorps } from './corps.js';
import type { WecomGroups } from './groups.js';
import type { WecomRelations } from './relations.js';
import type { WecomStaff } from './staff.js';

/** The job that works a stored callback: ahead of ordinary work, so relations follow WeCom closely. */
export const CALLBACK_QUEUE = 'wecom.callback';
/**
 * The welcome of a new contact, a job of its own ahead of every other: its code lives 20 s, and under a
 * burst of adds the welcomes (one call each) must not wait behind the contacts' syncs (several calls and
 * writes each). The bench at 10,000 adds: with both in one job, 5,877 of 10,000 were welcomed in time.
 */
export const WELCOME_QUEUE = 'wecom.welcome';
/** WeCom's welcome code is good for 20 s from the add; one we received longer ago is not tried. */
const WELCOME_CODE_MS = 20_000;

type CallbackRow = { id: string; shop_id: string; corp_ref: string; event: string; change_type: string | null; fields: Record<string, string>; received_at: Date | string; welcome_sent_at: Date | null; welcome_error: string | null; processed_at: Date | null };

const isAdd = (changeType: string | null | undefined) => changeType === 'add_external_contact' || changeType === 'add_half_external_contact';

/**
 * WeCom's pushes. The request only verifies, decrypts, stores the event once (its decrypted XML's hash
 * is unique, so WeCom's retries of an event are no-ops) and queues its jobs, then answers: WeCom waits
 * 5 s at most. For a new contact the welcome message is a job of its own that goes before all others,
 * because its code expires 20 s after the add; the callback's job fetches, tags and links the contact.
 */
export class WecomCallbacks {
  constructor(
    private p: Platform,
    private corps: WecomCorps,
    private relations: WecomRelations,
    private staff: WecomStaff,
    private codes: ChannelCodes,
    private groups: WecomGroups,
  ) {}

  private keys(c: WecomCorp) {
    return { token: c.callbackToken, encodingAesKey: c.encodingAesKey, corpId: c.corpId };
  }

  /** GET: the URL check made when the merchant saves the callback URL in WeCom's console. */
  async verifyUrl(corpRef: string, q: CallbackQuery): Promise<string | null> {
    const c = await this.corps.corpByRef(corpRef);
    if (!c) return null;
    try {
      return openEcho(this.keys(c), q);
    } catch (err) {
      if (err instanceof CallbackCryptoError) return null;
      throw err;
    }
  }

  /** POST: 200 "success" once stored (or already stored); 401 when the signature or key does not fit. */
  async receive(corpRef: string, q: CallbackQuery, body: string): Promise<{ status: number; body: string }> {
    const c = await this.corps.corpByRef(corpRef);
    if (!c) return { status: 404, body: '' };
    let opened: ReturnType<typeof openCallback>;
    try {
      opened = openCallback(this.keys(c), q, body);
    } catch (err) {
      if (err instanceof CallbackCryptoError) {
        this.p.log.warn({ corpRef, reason: err.message }, 'WeCom callback refused');
        return { status: 401, body: '' };
      }
      throw err;
    }
    const f = opened.fields;
    const dedupe = createHash('sha256').update(opened.xml).digest('hex');
    await this.p.database.transaction(async (tx) => {
      const [row] = await rows<{ id: string }>(tx, sql`
        INSERT INTO wecom_callbacks (shop_id, corp_ref, dedupe_key, event, change_type, fields, xml)
        VALUES (${c.shopId}, ${c.id}, ${dedupe}, ${f.Event ?? f.MsgType ?? ''}, ${f.ChangeType ?? null}, ${JSON.stringify(f)}::jsonb, ${opened.xml})
        ON CONFLICT (corp_ref, dedupe_key) DO NOTHING RETURNING id`);
      if (!row) return;
      await this.p.jobs.send(CALLBACK_QUEUE, { id: row.id }, { tx, singletonKey: row.id });
      if (isAdd(f.ChangeType) && f.WelcomeCode) await this.p.jobs.send(WELCOME_QUEUE, { id: row.id }, { tx, singletonKey: `welcome:${row.id}` });
    });
    return { status: 200, body: 'success' };
  }

  /** The welcome job: the channel code's welcome with the event's code, once; nothing else. */
  async sendWelcome(id: string) {
    const [cb] = await rows<CallbackRow>(this.p.db, sql`SELECT * FROM wecom_callbacks WHERE id = ${id}`);
    const welcomeCode = cb?.fields.WelcomeCode;
    if (!cb || !welcomeCode || !isAdd(cb.change_type) || cb.welcome_sent_at || cb.welcome_error) return;
    const code = await this.codes.byState(cb.shop_id, cb.fields.State);
    if (!code) return;
    if (this.p.now().getTime() - new Date(cb.received_at).getTime() > WELCOME_CODE_MS) {
      // Behind a backlog: WeCom would answer 40096; the call it would cost goes to a welcome still in time.
      await this.p.database.transaction((tx) => tx.execute(sql`
        UPDATE wecom_callbacks SET welcome_error = ${'40096 welcome code older than 20 s when its turn came; not sent'} WHERE id = ${id} AND welcome_sent_at IS NULL`));
      return;
    }
    await this.welcome(cb, welcomeCode, code, 'welcome');
  }

  /** Until the other job's welcome is sent or refused (or `ms` passed: that job died, its retry will finish it). */
  private async welcomeSettled(id: string, ms: number) {
    for (let waited = 0; waited < ms; waited += 50) {
      const [r] = await rows<{ done: boolean }>(this.p.db, sql`SELECT (welcome_sent_at IS NOT NULL OR welcome_error IS NOT NULL) AS done FROM wecom_callbacks WHERE id = ${id}`);
      if (!r || r.done) return;
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  /** The job. Each step is safe to repeat; the welcome is the welcome job's (sendWelcome). */
  async process(id: string) {
    const [cb] = await rows<CallbackRow>(this.p.db, sql`SELECT * FROM wecom_callbacks WHERE id = ${id}`);
    if (!cb || cb.processed_at) return;
    const f = cb.fields;
    const shopId = cb.shop_id;
    const at = f.CreateTime ? new Date(Number(f.CreateTime) * 1000) : this.p.now();
    try {
      if (cb.event === 'change_external_contact') await this.contactChanged(cb, f, at);
      else if (cb.event === 'change_external_tag') await this.relations.syncCorpTags(shopId);
      else if (cb.event === 'change_contact') await this.staff.requestSync(shopId);
      else if (cb.event === 'change_external_chat') await this.groups.chatChanged(shopId, { ...f, ChangeType: cb.change_type ?? f.ChangeType ?? '' });
      await this.p.database.transaction((tx) => tx.execute(sql`UPDATE wecom_callbacks SET processed_at = now(), error = NULL WHERE id = ${id}`));
    } catch (err) {
      await this.p.database.transaction((tx) => tx.execute(sql`UPDATE wecom_callbacks SET error = ${(err as Error).message.slice(0, 500)} WHERE id = ${id}`));
      throw err;
    }
  }

  private async contactChanged(cb: CallbackRow, f: Record<string, string>, at: Date) {
    const shopId = cb.shop_id;
    const staffUserid = f.UserID ?? '';
    const external = f.ExternalUserID ?? '';
    switch (cb.change_type) {
      case 'add_external_contact':
      case 'add_half_external_contact': {
        const code = await this.codes.byState(shopId, f.State);
        // Send first, sync after: unless the welcome job already has it, then its outcome is awaited.
        if (f.WelcomeCode && !cb.welcome_sent_at && !cb.welcome_error && code && (await this.welcome(cb, f.WelcomeCode, code, 'callback')) === 'elsewhere') {
          await this.welcomeSettled(cb.id, 5_000);
        }
        const fetched = await this.contactIfStill(shopId, external, { eventFor: staffUserid, channelCodeId: code?.id ?? null });
        if (!fetched) return;
        const { relations, customerId } = fetched;
        const mine = relations.find((r) => r.staff_userid === staffUserid);
        if (code && mine) await this.codes.applyToNewContact(shopId, code, mine, customerId);
        return;
      }
      case 'edit_external_contact':
        await this.contactIfStill(shopId, external);
        return;
      case 'del_external_contact':
      case 'del_follow_user':
        await this.p.database.transaction((tx) =>
          this.relations.endRelation(tx, shopId, staffUserid, external, cb.change_type === 'del_external_contact' ? 'deleted_by_staff' : 'deleted_by_customer', at),
        );
        return;
      case 'transfer_fail':
        await this.p.database.transaction((tx) => this.relations.recordTransferFailed(tx, shopId, staffUserid, external, f.FailReason, at));
        return;
      default:
        return;
    }
  }

  /**
   * The contact as WeCom has it now; null when it is no longer anyone's contact (84061) or unknown (40096),
   * e.g. deleted again before the job ran: the deletion's own event says what happened.
   */
  private async contactIfStill(shopId: string, external: string, opts?: Parameters<WecomRelations['refreshContact']>[2]) {
    try {
      return await this.relations.refreshContact(shopId, external, opts);
    } catch (err) {
      if (err instanceof WeComApiError && (err.errcode === 84061 || err.errcode === 40096)) {
        this.p.log.info({ shopId, external, errcode: err.errcode }, 'WeCom contact gone before its event was worked');
        return null;
      }
      throw err;
    }
  }

  /**
   * send_welcome_msg before any other call. The code is used once: a code past its 20 s meets 40096,
   * recorded and not retried. 41051 (code used) after an earlier try of ours means that try went through
   * and only its answer was lost (a timeout), so the welcome counts as sent then; 41051 on a first try means
   * another app used it, recorded.
   */
  private async welcome(cb: CallbackRow, welcomeCode: string, code: NonNullable<Awaited<ReturnType<ChannelCodes['byState']>>>, by: 'welcome' | 'callback'): Promise<'done' | 'elsewhere'> {
    const msg = this.codes.welcomeOf(code);
    if (!msg) return 'done';
    const corp = await this.corps.requireCorp(cb.shop_id);
    // Taken by one job for good; `before` is the time of an earlier try of that same job (a retry).
    const [claim] = await this.p.database.transaction((tx) => rows<{ claim: string | null; before: Date | string | null; settled: boolean }>(tx, sql`
      WITH old AS (SELECT id, welcome_attempted_at, welcome_claim, (welcome_sent_at IS NOT NULL OR welcome_error IS NOT NULL) AS settled FROM wecom_callbacks WHERE id = ${cb.id} FOR UPDATE)
      UPDATE wecom_callbacks c SET welcome_claim = coalesce(old.welcome_claim, ${by}),
        welcome_attempted_at = CASE WHEN coalesce(old.welcome_claim, ${by}) = ${by} THEN coalesce(old.welcome_attempted_at, now()) ELSE old.welcome_attempted_at END
      FROM old WHERE c.id = old.id
      RETURNING c.welcome_claim AS claim, CASE WHEN old.welcome_claim = ${by} THEN old.welcome_attempted_at END AS before, old.settled`));
    if (!claim || claim.settled) return 'done';
    if (claim.claim !== by) return 'elsewhere';
    const before = { at: claim.before };
    let error: string | null = null;
    let sentAt: Date | null = null;
    try {
      await this.corps.client(corp).sendWelcomeMsg({ welcomeCode, text: msg.text, attachments: msg.attachments });
      sentAt = this.p.now();
    } catch (err) {
      if (!(err instanceof WeComApiError) || (err.errcode !== 41051 && err.errcode !== 40096)) throw err;
      if (err.errcode === 41051 && before?.at) sentAt = new Date(before.at);
      else error = `${err.errcode} ${err.errmsg}`;
    }
    await this.p.database.transaction((tx) =>
      tx.execute(sql`UPDATE wecom_callbacks SET welcome_sent_at = ${sentAt?.toISOString() ?? null}::timestamptz, welcome_error = ${error} WHERE id = ${cb.id}`),
    );
    cb.welcome_sent_at = sentAt;
    return 'done';
  }
}
