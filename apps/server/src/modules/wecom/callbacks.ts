import { createHash } from 'node:crypto';
import type { Platform } from '../../platform/context.js';
import { rows, sql } from '../../platform/db/index.js';
import type { ChannelCodes } from './channel-codes.js';
import { CallbackCryptoError, openCallback, openEcho, type CallbackQuery } from './client/crypto.js';
import { WeComApiError } from './client/wecom-client.js';
import type { WecomCorp, WecomCorps } from './corps.js';
import type { WecomRelations } from './relations.js';
import type { WecomStaff } from './staff.js';

/** The job that works a stored callback; high priority, because a welcome code lives only 20 s. */
export const CALLBACK_QUEUE = 'wecom.callback';

type CallbackRow = { id: string; shop_id: string; corp_ref: string; event: string; change_type: string | null; fields: Record<string, string>; welcome_sent_at: Date | null; welcome_error: string | null; processed_at: Date | null };

/**
 * WeCom's pushes. The request only verifies, decrypts, stores the event once (its decrypted XML's hash
 * is unique, so WeCom's retries of an event are no-ops) and queues its job, then answers: WeCom waits
 * 5 s at most. The job does the work: for a new contact the welcome message is sent first, because its
 * code expires 20 s after the add, and only then is the contact fetched, tagged and linked.
 */
export class WecomCallbacks {
  constructor(
    private p: Platform,
    private corps: WecomCorps,
    private relations: WecomRelations,
    private staff: WecomStaff,
    private codes: ChannelCodes,
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
      if (row) await this.p.jobs.send(CALLBACK_QUEUE, { id: row.id }, { tx, singletonKey: row.id });
    });
    return { status: 200, body: 'success' };
  }

  /** The job. Each step is safe to repeat: the welcome is marked sent before anything else can fail. */
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
        if (f.WelcomeCode && !cb.welcome_sent_at && !cb.welcome_error && code) await this.welcome(cb, f.WelcomeCode, code);
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
  private async welcome(cb: CallbackRow, welcomeCode: string, code: NonNullable<Awaited<ReturnType<ChannelCodes['byState']>>>) {
    const msg = this.codes.welcomeOf(code);
    if (!msg) return;
    const corp = await this.corps.requireCorp(cb.shop_id);
    const [before] = await rows<{ at: Date | null }>(this.p.db, sql`SELECT welcome_attempted_at AS at FROM wecom_callbacks WHERE id = ${cb.id}`);
    if (!before?.at) await this.p.db.execute(sql`UPDATE wecom_callbacks SET welcome_attempted_at = now() WHERE id = ${cb.id} AND welcome_attempted_at IS NULL`);
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
  }
}
