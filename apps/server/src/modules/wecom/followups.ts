import type { WecomFollowupBody } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import { rows, sql, type Db } from '../../platform/db/index.js';
import { notFound } from '../../platform/errors.js';

type FollowupRow = {
  id: string; relation_id: string; staff_userid: string | null; author_name: string; text: string;
  stage_before: string; stage_after: string; created_at: Date;
};

/** Who wrote a follow-up: the WeCom member in the sidebar, or a console user. */
export type FollowupAuthor = { staffUserid: string | null; name: string };

const view = (r: FollowupRow) => ({
  id: r.id, relationId: r.relation_id, staffUserid: r.staff_userid, author: r.author_name, text: r.text,
  stageBefore: r.stage_before, stageAfter: r.stage_after, stageChanged: r.stage_before !== r.stage_after, at: r.created_at,
});
export type FollowupView = ReturnType<typeof view>;

/**
 * Follow-up records (跟进记录) of a relation. The relation's stage is the last record's, so a stage
 * change is always written together with the record that explains it.
 */
export class WecomFollowups {
  constructor(private p: Platform) {}

  async add(shopId: string, relationId: string, input: WecomFollowupBody, by: FollowupAuthor) {
    return this.p.database.transaction(async (tx) => {
      const [rel] = await rows<{ stage: string }>(tx, sql`SELECT stage FROM wecom_relations WHERE shop_id = ${shopId} AND id = ${relationId} FOR UPDATE`);
      if (!rel) throw notFound('Relation', { field: 'id' });
      const after = input.stage ?? rel.stage;
      if (after !== rel.stage) {
        await tx.execute(sql`UPDATE wecom_relations SET stage = ${after}, updated_at = now() WHERE shop_id = ${shopId} AND id = ${relationId}`);
      }
      const [r] = await rows<FollowupRow>(tx, sql`
        INSERT INTO wecom_followups (shop_id, relation_id, staff_userid, author_name, text, stage_before, stage_after, created_at)
        VALUES (${shopId}, ${relationId}, ${by.staffUserid}, ${by.name}, ${input.text}, ${rel.stage}, ${after}, ${this.p.now().toISOString()}::timestamptz)
        RETURNING *`);
      return view(r!);
    });
  }

  async list(shopId: string, relationId: string, db: Db = this.p.db) {
    const [rel] = await rows<{ stage: string }>(db, sql`SELECT stage FROM wecom_relations WHERE shop_id = ${shopId} AND id = ${relationId}`);
    if (!rel) throw notFound('Relation', { field: 'id' });
    const list = await rows<FollowupRow>(db, sql`SELECT * FROM wecom_followups WHERE shop_id = ${shopId} AND relation_id = ${relationId} ORDER BY created_at DESC, id LIMIT 200`);
    return { stage: rel.stage, items: list.map(view) };
  }

  /** Every follow-up about one contact, whichever staff member's relation it was written on (the sidebar shows the whole story). */
  async ofContact(shopId: string, externalUserid: string, db: Db = this.p.db) {
    const list = await rows<FollowupRow>(db, sql`
      SELECT f.* FROM wecom_followups f JOIN wecom_relations r ON r.id = f.relation_id
      WHERE f.shop_id = ${shopId} AND r.external_userid = ${externalUserid} ORDER BY f.created_at DESC, f.id LIMIT 100`);
    return list.map(view);
  }
}
