import type { Platform } from '../../platform/context.js';
import { rows, sql, type Db } from '../../platform/db/index.js';
import { pgArray, uuidArray } from '../../platform/db/prepared.js';

/**
 * Tells the rest of Siyu who owns a customer on WeCom: `wecom.owners_changed` {customerId, owners} with the
 * whole set of staff (user ids) that have a live relation with the customer now, after any change to a
 * relation or to which customer a contact is. The whole set, not a delta, so a redelivered or reordered
 * event leaves the reader right (the segments' "WeCom owner" condition reads it).
 */
export async function announceOwners(p: Platform, tx: Db, shopId: string, of: { externalUserIds?: string[]; customerIds?: string[] }) {
  const byContact = of.externalUserIds?.length
    ? await rows<{ customer_id: string }>(tx, sql`
        SELECT DISTINCT customer_id FROM wecom_contacts WHERE shop_id = ${shopId} AND external_userid = ANY(${pgArray(of.externalUserIds)}::text[]) AND customer_id IS NOT NULL`)
    : [];
  const customers = [...new Set([...byContact.map((r) => r.customer_id), ...(of.customerIds ?? [])])];
  if (!customers.length) return;
  await tx.execute(sql`
    INSERT INTO outbox_events (shop_id, type, payload)
    SELECT ${shopId}, 'wecom.owners_changed', jsonb_build_object('customerId', c, 'owners', coalesce((
      SELECT jsonb_agg(DISTINCT r.staff_userid) FROM wecom_contacts k JOIN wecom_relations r ON r.shop_id = k.shop_id AND r.external_userid = k.external_userid
      WHERE k.shop_id = ${shopId} AND k.customer_id = c AND r.status = 'active'), '[]'::jsonb))
    FROM unnest(${uuidArray(customers)}::uuid[]) AS c`);
}
