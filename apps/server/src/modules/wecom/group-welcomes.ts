import type { WecomGroupWelcomeBody } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import { rows, sql } from '../../platform/db/index.js';
import { notFound } from '../../platform/errors.js';
import { WeComApiError, type GroupWelcomeInput } from './client/wecom-client.js';
import { vendorRefusal, type WecomCorps } from './corps.js';
import { iso } from './groups.js';
import { toWecomAttachments } from './mass-content.js';

type WelcomeRow = { id: string; shop_id: string; name: string; template_id: string; text: string; attachment: WecomGroupWelcomeBody['attachment']; notify_staff: boolean; created_at: Date; updated_at: Date };

/**
 * Group welcome templates (入群欢迎语). WeCom only lets a chat's owner switch a template on for a chat, on
 * their phone; the merchant makes the templates here (notifying staff that one is there to choose), and
 * WeCom sends the chosen one to everyone who joins after.
 */
export class GroupWelcomes {
  constructor(
    private p: Platform,
    private corps: WecomCorps,
  ) {}

  private input(b: WecomGroupWelcomeBody): GroupWelcomeInput {
    return { text: b.text, attachment: b.attachment ? toWecomAttachments([b.attachment])[0]! : null, notify: b.notifyStaff };
  }

  private view(r: WelcomeRow) {
    return { id: r.id, name: r.name, templateId: r.template_id, text: r.text, attachment: r.attachment, notifyStaff: r.notify_staff, createdAt: iso(r.created_at), updatedAt: iso(r.updated_at) };
  }

  private async row(shopId: string, id: string) {
    const [r] = await rows<WelcomeRow>(this.p.db, sql`SELECT * FROM wecom_group_welcomes WHERE shop_id = ${shopId} AND id = ${id}`);
    if (!r) throw notFound('Group welcome', { field: 'id' });
    return r;
  }

  async list(shopId: string) {
    return { items: (await rows<WelcomeRow>(this.p.db, sql`SELECT * FROM wecom_group_welcomes WHERE shop_id = ${shopId} ORDER BY created_at DESC`)).map((r) => this.view(r)) };
  }

  async get(shopId: string, id: string) {
    return this.view(await this.row(shopId, id));
  }

  async create(shopId: string, b: WecomGroupWelcomeBody) {
    const corp = await this.corps.requireCorp(shopId);
    let templateId: string;
    try {
      ({ templateId } = await this.corps.client(corp).addGroupWelcomeTemplate(this.input(b)));
    } catch (err) {
      if (err instanceof WeComApiError) throw vendorRefusal(err, 'text');
      throw err;
    }
    const [r] = await this.p.database.transaction((tx) => rows<WelcomeRow>(tx, sql`
      INSERT INTO wecom_group_welcomes (shop_id, name, template_id, text, attachment, notify_staff)
      VALUES (${shopId}, ${b.name}, ${templateId}, ${b.text}, ${b.attachment ? JSON.stringify(b.attachment) : null}::jsonb, ${b.notifyStaff}) RETURNING *`));
    return this.view(r!);
  }

  async update(shopId: string, id: string, b: WecomGroupWelcomeBody) {
    const before = await this.row(shopId, id);
    const corp = await this.corps.requireCorp(shopId);
    try {
      await this.corps.client(corp).editGroupWelcomeTemplate(before.template_id, this.input(b));
    } catch (err) {
      if (err instanceof WeComApiError) throw vendorRefusal(err, 'text');
      throw err;
    }
    const [r] = await this.p.database.transaction((tx) => rows<WelcomeRow>(tx, sql`
      UPDATE wecom_group_welcomes SET name = ${b.name}, text = ${b.text}, attachment = ${b.attachment ? JSON.stringify(b.attachment) : null}::jsonb, notify_staff = ${b.notifyStaff}, updated_at = now()
      WHERE shop_id = ${shopId} AND id = ${id} RETURNING *`));
    return { before: this.view(before), after: this.view(r!) };
  }

  async remove(shopId: string, id: string) {
    const before = await this.row(shopId, id);
    const corp = await this.corps.requireCorp(shopId);
    try {
      await this.corps.client(corp).delGroupWelcomeTemplate(before.template_id);
    } catch (err) {
      // Gone in WeCom already (deleted in its console) is what we wanted.
      if (!(err instanceof WeComApiError && err.errcode === 40058)) {
        if (err instanceof WeComApiError) throw vendorRefusal(err, 'id');
        throw err;
      }
    }
    await this.p.database.transaction((tx) => tx.execute(sql`DELETE FROM wecom_group_welcomes WHERE shop_id = ${shopId} AND id = ${id}`));
    return this.view(before);
  }
}
