import type { Ctx } from './core.js';
import { WxError } from './errors.js';
import { secs } from './ids.js';
import { addRelation, customerOf, dropRelation } from './records.js';
import { TRANSFERS_PER_WINDOW, TRANSFER_DELAY_MS, TRANSFER_WINDOW_MS, relationOf, relationsOfStaff, staffOf, type CorpState, type Transfer } from './state.js';

/**
 * Customer transfers (在职继承 / 离职继承), a state machine on the corp's clock:
 *   request → 2 waiting, takeover_time = request + 24 h
 *   the customer refuses meanwhile, or has deleted the handover by then → 3 (transfer_fail, customer_refused)
 *   24 h pass → 1 done (the relation moves to the taker, add_external_contact for the taker), or
 *               4 when the taker is at their customer limit (transfer_fail, customer_limit_exceed)
 * An on-job customer can be transferred at most twice in 90 days: the third request is refused for that
 * customer with 40128 at request time. Resigned transfers have no such limit.
 */
export const MAX_PER_CALL = 100;

/** Per-customer errcodes (WeCom's global codes). */
export const TRANSFER_ERR = {
  invalidExternal: 40096,
  notRelated: 84061,
  tooFrequent: 40128,
  inProgress: 40129,
  sameUser: 40130,
} as const;

export function settleTransfers(s: CorpState, ctx: Ctx) {
  for (const t of s.transfers) {
    if (t.status === 2 && t.takeover_time <= ctx.now) complete(s, ctx, t, t.takeover_time);
  }
}

/** The customer lets it happen early (sandbox shortcut) or 24 h have passed. */
export function complete(s: CorpState, ctx: Ctx, t: Transfer, at: number) {
  const from = relationOf(s, t.handover_userid, t.external_userid);
  // WeCom reports a customer who deleted the handover meanwhile as refused (3), not as a failure of its own.
  if (!from) {
    t.status = 3;
    ctx.emit('change_external_contact', 'transfer_fail', [['FailReason', 'customer_refused'], ['UserID', t.takeover_userid], ['ExternalUserID', t.external_userid]]);
    return;
  }
  const taker = staffOf(s, t.takeover_userid);
  const count = taker ? relationsOfStaff(s, taker.userid).length : Infinity;
  if (!taker || taker.status !== 1 || count >= taker.customerLimit) {
    t.status = 4;
    ctx.emit('change_external_contact', 'transfer_fail', [['FailReason', 'customer_limit_exceed'], ['UserID', t.takeover_userid], ['ExternalUserID', t.external_userid]]);
    return;
  }
  t.status = 1;
  t.takeover_time = secs(at) * 1000;
  dropRelation(s, from);
  // A taker who already was the customer's friend keeps their own relation, and WeCom sends no add event.
  if (relationOf(s, t.takeover_userid, t.external_userid)) return;
  addRelation(s, {
    userid: t.takeover_userid,
    external_userid: t.external_userid,
    remark: from.remark,
    description: from.description,
    createtime: secs(at),
    tags: from.tags,
    remark_mobiles: from.remark_mobiles,
    add_way: from.add_way,
    state: from.state,
    oper_userid: t.takeover_userid,
  });
  ctx.emit('change_external_contact', 'add_external_contact', [['UserID', t.takeover_userid], ['ExternalUserID', t.external_userid]]);
}

export function refuse(s: CorpState, ctx: Ctx, external: string) {
  const t = s.transfers.find((x) => x.external_userid === external && x.status === 2);
  if (!t) return undefined;
  t.status = 3;
  ctx.emit('change_external_contact', 'transfer_fail', [['FailReason', 'customer_refused'], ['UserID', t.takeover_userid], ['ExternalUserID', t.external_userid]]);
  return t;
}

export function accept(s: CorpState, ctx: Ctx, external: string) {
  const t = s.transfers.find((x) => x.external_userid === external && x.status === 2);
  if (t) complete(s, ctx, t, ctx.now);
  return t;
}

function list(v: unknown, field: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new WxError(40058, `invalid ${field}`);
  return v as string[];
}

export function requestTransfers(s: CorpState, ctx: Ctx, kind: Transfer['kind'], b: Record<string, unknown>) {
  const handover = staffOf(s, b.handover_userid);
  const takeover = staffOf(s, b.takeover_userid);
  if (!handover || !takeover) throw new WxError(40003, 'invalid userid');
  const externals = list(b.external_userid, 'external_userid');
  // WeCom's limit of 100 customers per call; above it the whole call is refused as an invalid parameter.
  if (externals.length === 0 || externals.length > MAX_PER_CALL) throw new WxError(40058, `external_userid size must be between 1 and ${MAX_PER_CALL}`);
  if (b.transfer_success_msg !== undefined && (typeof b.transfer_success_msg !== 'string' || [...b.transfer_success_msg].length > 200)) {
    throw new WxError(40058, 'transfer_success_msg exceeds 200 characters');
  }
  if (kind === 'resigned' && handover.status !== 5) throw new WxError(40097, 'handover user not resigned');
  // A leaver's customers go through resigned/transfer_customer; the on-job API does not take them.
  if (kind === 'onjob' && handover.status !== 1) throw new WxError(40003, 'handover user has left, use resigned/transfer_customer');
  if (takeover.status !== 1) throw new WxError(40003, 'invalid takeover userid');
  const customer = externals.map((external_userid) => {
    const errcode = checkOne(s, ctx, kind, handover.userid, takeover.userid, external_userid);
    if (errcode === 0) {
      s.transfers.push({
        kind,
        handover_userid: handover.userid,
        takeover_userid: takeover.userid,
        external_userid,
        requestedAt: ctx.now,
        takeover_time: ctx.now + TRANSFER_DELAY_MS,
        status: 2,
        success_msg: kind === 'onjob' ? (b.transfer_success_msg as string | undefined) : undefined,
      });
    }
    return { external_userid, errcode };
  });
  return { customer };
}

function checkOne(s: CorpState, ctx: Ctx, kind: Transfer['kind'], handover: string, takeover: string, external: string): number {
  if (!customerOf(s, external)) return TRANSFER_ERR.invalidExternal;
  if (!relationOf(s, handover, external)) return TRANSFER_ERR.notRelated;
  if (handover === takeover) return TRANSFER_ERR.sameUser;
  if (s.transfers.some((t) => t.external_userid === external && t.status === 2)) return TRANSFER_ERR.inProgress;
  if (kind === 'onjob') {
    const recent = s.transfers.filter((t) => t.kind === 'onjob' && t.external_userid === external && ctx.now - t.requestedAt < TRANSFER_WINDOW_MS);
    if (recent.length >= TRANSFERS_PER_WINDOW) return TRANSFER_ERR.tooFrequent;
  }
  return 0;
}

/** transfer_result: the pair's transfers, newest request per customer, paged by a numeric cursor. */
export function transferResult(s: CorpState, kind: Transfer['kind'], b: Record<string, unknown>) {
  if (!staffOf(s, b.handover_userid) || !staffOf(s, b.takeover_userid)) throw new WxError(40003, 'invalid userid');
  const latest = new Map<string, Transfer>();
  for (const t of s.transfers) {
    if (t.kind === kind && t.handover_userid === b.handover_userid && t.takeover_userid === b.takeover_userid) latest.set(t.external_userid, t);
  }
  const all = [...latest.values()];
  const start = Number(b.cursor || 0) || 0;
  const page = all.slice(start, start + 1000);
  const next = start + page.length < all.length ? String(start + page.length) : '';
  return { customer: page.map((t) => ({ external_userid: t.external_userid, status: t.status, takeover_time: secs(t.takeover_time) })), next_cursor: next };
}

/** Customers of members who left and who are not (being) handed to someone yet. */
export function unassigned(s: CorpState, b: Record<string, unknown>) {
  const size = b.page_size === undefined ? 1000 : Number(b.page_size);
  if (!Number.isInteger(size) || size < 1 || size > 1000) throw new WxError(40058, 'page_size must be 1..1000');
  const left = s.staff.filter((x) => x.status === 5);
  const all = left.flatMap((st) =>
    relationsOfStaff(s, st.userid)
      .filter((r) => !s.transfers.some((t) => t.kind === 'resigned' && t.external_userid === r.external_userid && t.handover_userid === st.userid && (t.status === 1 || t.status === 2)))
      .map((r) => ({ handover_userid: st.userid, external_userid: r.external_userid, dimission_time: secs(st.leftAt ?? 0) })),
  );
  const start = Number(b.cursor || 0) || 0;
  const info = all.slice(start, start + size);
  const isLast = start + info.length >= all.length;
  return { info, is_last: isLast, next_cursor: isLast ? '' : String(start + info.length) };
}
