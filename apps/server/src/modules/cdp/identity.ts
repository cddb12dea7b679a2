import { randomUUID } from 'node:crypto';
import type { Db } from '../../platform/db/index.js';
import { rows, sql } from '../../platform/db/index.js';

/**
 * One person per customer. Anonymous ids (device, openid) become part of an identified person (user id,
 * customer, unionid, phone) when someone signs in; an identified person never absorbs another identified
 * person because of an event — only the mall's own customer merge does that. Every change here runs in the
 * loader, one page of the inbox at a time, so identity writes never race each other.
 */

export type IdKind = 'anonymous' | 'user' | 'openid' | 'unionid' | 'phone';
const IDENTIFIED: Record<IdKind, boolean> = { anonymous: false, openid: false, user: true, unionid: true, phone: true };
export const isIdentifiedKind = (k: IdKind) => IDENTIFIED[k];

export interface PersonRef {
  personId: string;
  identified: boolean;
}

export interface Merge {
  from: string;
  to: string;
}

export interface Warning {
  code: 'IDENTIFIED_CONFLICT' | 'ALIAS_CONFLICT';
  detail: Record<string, unknown>;
}

const key = (kind: IdKind, value: string) => `${kind}:${value}`;

/** A page's view of identities: read once, then kept current as the page's calls change them. */
export class IdentityPage {
  private known = new Map<string, PersonRef>();
  readonly merges: Merge[] = [];
  readonly warnings: Warning[] = [];
  /** New user ids that look like customer ids: the loader links the ones that are customers. */
  readonly newUsers = new Map<string, string>();

  constructor(
    private tx: Db,
    readonly shopId: string,
  ) {}

  async preload(ids: { kind: IdKind; value: string }[]) {
    const want = ids.filter((i) => !this.known.has(key(i.kind, i.value)));
    if (want.length === 0) return;
    const found = await rows<{ kind: IdKind; value: string; person_id: string; identified: boolean }>(
      this.tx,
      sql`SELECT i.kind, i.value, i.person_id, p.identified FROM cdp_identities i JOIN cdp_persons p ON p.id = i.person_id
          WHERE i.shop_id = ${this.shopId} AND (i.kind, i.value) IN (SELECT * FROM unnest(${`{${want.map((w) => quote(w.kind)).join(',')}}`}::text[], ${`{${want.map((w) => quote(w.value)).join(',')}}`}::text[]))`,
    );
    for (const f of found) this.known.set(key(f.kind, f.value), { personId: f.person_id, identified: f.identified });
  }

  /** Creates persons for ids nobody has seen, all in two statements. */
  async createMissing(ids: { kind: IdKind; value: string }[]) {
    const fresh = new Map<string, { kind: IdKind; value: string; personId: string }>();
    for (const i of ids) {
      const k = key(i.kind, i.value);
      if (this.known.has(k) || fresh.has(k)) continue;
      fresh.set(k, { ...i, personId: randomUUID() });
    }
    if (fresh.size === 0) return;
    const list = [...fresh.values()];
    await this.tx.execute(sql`
      INSERT INTO cdp_persons (id, shop_id, identified)
      SELECT id, ${this.shopId}::uuid, ident FROM unnest(${pgArray(list.map((l) => l.personId))}::uuid[], ${pgArray(list.map((l) => String(IDENTIFIED[l.kind])))}::boolean[]) AS t(id, ident)`);
    await this.tx.execute(sql`
      INSERT INTO cdp_identities (shop_id, kind, value, person_id, identified)
      SELECT ${this.shopId}::uuid, k, v, p, i FROM unnest(${pgArray(list.map((l) => l.kind))}::text[], ${pgArray(list.map((l) => l.value))}::text[],
        ${pgArray(list.map((l) => l.personId))}::uuid[], ${pgArray(list.map((l) => String(IDENTIFIED[l.kind])))}::boolean[]) AS t(k, v, p, i)`);
    for (const l of list) {
      this.known.set(key(l.kind, l.value), { personId: l.personId, identified: IDENTIFIED[l.kind] });
      if (l.kind === 'user' && UUID.test(l.value)) this.newUsers.set(l.value, l.personId);
    }
  }

  get(kind: IdKind, value: string): PersonRef | undefined {
    return this.known.get(key(kind, value));
  }

  private async attach(kind: IdKind, value: string, person: PersonRef) {
    await this.tx.execute(sql`
      INSERT INTO cdp_identities (shop_id, kind, value, person_id, identified) VALUES (${this.shopId}, ${kind}, ${value}, ${person.personId}, ${IDENTIFIED[kind]})
      ON CONFLICT (shop_id, kind, value) DO UPDATE SET person_id = EXCLUDED.person_id`);
    if (IDENTIFIED[kind] && !person.identified) {
      await this.tx.execute(sql`UPDATE cdp_persons SET identified = true, updated_at = now() WHERE id = ${person.personId}`);
      this.relabel(person.personId, true);
    }
    this.known.set(key(kind, value), { personId: person.personId, identified: person.identified || IDENTIFIED[kind] });
    if (kind === 'user' && UUID.test(value)) this.newUsers.set(value, person.personId);
  }

  private relabel(personId: string, identified: boolean) {
    for (const [k, v] of this.known) if (v.personId === personId) this.known.set(k, { personId, identified });
  }

  /** Moves everything of `from` to `to`: identities, traits the target lacks, the customer link. */
  async merge(from: string, to: string) {
    if (from === to) return;
    await this.tx.execute(sql`UPDATE cdp_identities SET person_id = ${to} WHERE person_id = ${from}`);
    const [src] = await rows<{ traits: Record<string, unknown>; customer_id: string | null; identified: boolean }>(
      this.tx,
      sql`SELECT traits, customer_id, identified FROM cdp_persons WHERE id = ${from}`,
    );
    await this.tx.execute(sql`UPDATE cdp_persons SET merged_into = ${to}, customer_id = NULL, updated_at = now() WHERE id = ${from}`);
    await this.tx.execute(sql`
      UPDATE cdp_persons SET traits = ${JSON.stringify(src?.traits ?? {})}::jsonb || traits,
        identified = identified OR ${src?.identified ?? false},
        customer_id = coalesce(customer_id, ${src?.customer_id ?? null}::uuid), updated_at = now()
      WHERE id = ${to}`);
    // Earlier merges into `from` now point at `to` as well.
    await this.tx.execute(sql`UPDATE cdp_persons SET merged_into = ${to} WHERE merged_into = ${from}`);
    const identified = (src?.identified ?? false) || [...this.known.values()].some((v) => v.personId === to && v.identified);
    for (const [k, v] of this.known) if (v.personId === from || v.personId === to) this.known.set(k, { personId: to, identified });
    this.merges.push({ from, to });
  }

  /**
   * identify(anonymousId, userId): the anonymous id joins the user's person. If the anonymous id already
   * belongs to someone identified as another user, nothing is merged (a shared phone, a reused device)
   * and a warning is kept.
   */
  async identify(anonymousId: string | undefined, userId: string | undefined, traits: Record<string, unknown> | undefined) {
    let person: PersonRef | undefined;
    if (userId) person = this.get('user', userId);
    const anon = anonymousId ? this.get('anonymous', anonymousId) : undefined;
    if (userId && !person) {
      if (anon && !anon.identified) {
        await this.attach('user', userId, anon);
        person = this.get('user', userId)!;
      } else {
        await this.createMissing([{ kind: 'user', value: userId }]);
        person = this.get('user', userId)!;
        if (anonymousId && !anon) await this.attach('anonymous', anonymousId, person);
        else if (anon) this.warnings.push({ code: 'IDENTIFIED_CONFLICT', detail: { anonymousId, userId, personId: anon.personId } });
      }
    } else if (person && anonymousId) {
      if (!anon) await this.attach('anonymous', anonymousId, person);
      else if (anon.personId !== person.personId) {
        if (!anon.identified) await this.merge(anon.personId, person.personId);
        else this.warnings.push({ code: 'IDENTIFIED_CONFLICT', detail: { anonymousId, userId, personId: anon.personId } });
      }
    } else if (!person && anonymousId) {
      if (!anon) await this.createMissing([{ kind: 'anonymous', value: anonymousId }]);
      person = this.get('anonymous', anonymousId);
    }
    if (!person) return;
    person = this.get(userId ? 'user' : 'anonymous', (userId ?? anonymousId)!) ?? person;
    if (traits) {
      // Traits that are identities link them (an identified one never moves from another person).
      for (const kind of ['phone', 'unionid', 'openid'] as const) {
        const v = traits[kind];
        if (typeof v !== 'string' && typeof v !== 'number') continue;
        const value = String(v).trim();
        if (!value || value.length > 200) continue;
        await this.preload([{ kind, value }]);
        const other = this.get(kind, value);
        if (!other) await this.attach(kind, value, person);
        else if (other.personId !== person.personId) {
          if (!other.identified) await this.merge(other.personId, person.personId);
          else if (!person.identified) await this.merge(person.personId, other.personId);
          else this.warnings.push({ code: 'IDENTIFIED_CONFLICT', detail: { kind, value, personId: other.personId, userId } });
        }
        person = this.get(kind, value) ?? person;
      }
      await this.setTraits(person.personId, traits);
    }
  }

  /** alias(previousId, userId): the previous id is the same person as the user, unless both are identified as different people. */
  async alias(previousId: string, userId: string) {
    await this.preload([{ kind: 'user', value: previousId }, { kind: 'anonymous', value: previousId }]);
    const prev = this.get('user', previousId) ?? this.get('anonymous', previousId);
    const user = this.get('user', userId);
    if (!user) {
      if (prev && !prev.identified) await this.attach('user', userId, prev);
      else if (prev) {
        // The previous id is identified: the new id names the same person (a renamed user id).
        await this.attach('user', userId, prev);
      } else {
        await this.createMissing([{ kind: 'user', value: userId }]);
        await this.attach('anonymous', previousId, this.get('user', userId)!);
      }
      return;
    }
    if (!prev) await this.attach('anonymous', previousId, user);
    else if (prev.personId !== user.personId) {
      if (!prev.identified) await this.merge(prev.personId, user.personId);
      else this.warnings.push({ code: 'ALIAS_CONFLICT', detail: { previousId, userId } });
    }
  }

  /** The mall merged two customers: their persons become one, identified or not. */
  async mergeCustomers(fromCustomerId: string, toCustomerId: string) {
    await this.preload([{ kind: 'user', value: fromCustomerId }, { kind: 'user', value: toCustomerId }]);
    const from = this.get('user', fromCustomerId);
    let to = this.get('user', toCustomerId);
    if (!to) {
      if (!from) return;
      await this.attach('user', toCustomerId, from);
      await this.tx.execute(sql`UPDATE cdp_persons SET customer_id = ${toCustomerId} WHERE id = ${from.personId} AND customer_id IS DISTINCT FROM ${toCustomerId}::uuid`);
      return;
    }
    if (from && from.personId !== to.personId) {
      await this.merge(from.personId, to.personId);
      to = this.get('user', toCustomerId)!;
    }
    if (!from) await this.attach('user', fromCustomerId, to);
  }

  /** `$set_once` keys are written only where the person has none; everything else overwrites. */
  async setTraits(personId: string, traits: Record<string, unknown>) {
    const { $set_once: once, ...set } = traits;
    const setOnce = typeof once === 'object' && once !== null && !Array.isArray(once) ? once : {};
    if (Object.keys(set).length === 0 && Object.keys(setOnce).length === 0) return;
    await this.tx.execute(sql`
      UPDATE cdp_persons SET traits = ${JSON.stringify(setOnce)}::jsonb || traits || ${JSON.stringify(set)}::jsonb, updated_at = now()
      WHERE id = ${personId}`);
  }

  async linkCustomers(customerIds: Set<string>) {
    for (const [userId, personId] of this.newUsers) {
      if (!customerIds.has(userId)) continue;
      const person = this.get('user', userId)?.personId ?? personId;
      await this.tx.execute(sql`UPDATE cdp_persons SET customer_id = ${userId} WHERE id = ${person} AND customer_id IS NULL
        AND NOT EXISTS (SELECT 1 FROM cdp_persons o WHERE o.shop_id = ${this.shopId} AND o.customer_id = ${userId}::uuid AND o.merged_into IS NULL)`);
    }
  }

  async recordWarnings() {
    for (const w of this.warnings) {
      await this.tx.execute(sql`INSERT INTO cdp_identity_warnings (shop_id, code, detail) VALUES (${this.shopId}, ${w.code}, ${JSON.stringify(w.detail)}::jsonb)`);
    }
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An element of a PostgreSQL array literal, quoted so commas, braces, quotes and backslashes stay data. */
function quote(v: string) {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
export function pgArray(values: string[]) {
  return `{${values.map(quote).join(',')}}`;
}
