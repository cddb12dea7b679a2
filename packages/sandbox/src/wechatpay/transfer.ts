import { constants, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SandboxStore } from '../store.js';
import { digits, nameUuid, rfc3339Cst } from './crypto.js';
import { WxError } from './ledger.js';
import type { Merchant, MerchantRegistry } from './merchants.js';
import type { Notifier } from './notifier.js';
import { backLink, escape, page, safeRedirect, withResult, yuan } from './cashier.js';

/**
 * 商家转账 (the 2025 transfer API, user-confirm mode): the merchant creates a bill, WeChat answers
 * WAIT_USER_CONFIRM with a package_info, the payee confirms in WeChat (`wx.requestMerchantTransfer`; here a
 * confirm page or a control call), and WeChat sends MCHTRANSFER.BILL.FINISHED when the bill reaches SUCCESS,
 * FAIL or CANCELLED. A bill is named by (mchid, out_bill_no): submitting the same out_bill_no again is the
 * same bill, never a second payment.
 */

export type TransferState = 'ACCEPTED' | 'PROCESSING' | 'WAIT_USER_CONFIRM' | 'TRANSFERING' | 'SUCCESS' | 'FAIL' | 'CANCELING' | 'CANCELLED';

export interface TransferBill {
  mchId: string;
  appId: string;
  outBillNo: string;
  transferBillNo: string;
  sceneId: string;
  openid: string;
  /** Decrypted; WeChat checks it against the payee's real name. */
  userName: string | null;
  amount: number;
  remark: string;
  notifyUrl: string | null;
  perception: string | null;
  reportInfos: Array<{ info_type: string; info_content: string }>;
  state: TransferState;
  failReason: string | null;
  packageInfo: string;
  createTime: string;
  updateTime: string;
  /** The payee must confirm before this; afterwards the bill is cancelled. */
  confirmBy: string;
  /** What WeChat compares when the same out_bill_no is submitted again. */
  fingerprint: string;
}

export const TRANSFER = 'wxpay.transfer';
const BY_PACKAGE = 'wxpay.transfer-package';
const key = (mchId: string, outBillNo: string) => `${mchId}:${outBillNo}`;
const FINAL: TransferState[] = ['SUCCESS', 'FAIL', 'CANCELLED'];

/** The scenes a sandbox merchant has been granted, with the report items WeChat requires for each. */
const SCENES: Record<string, { name: string; reportTypes: string[] }> = {
  '1000': { name: '现金营销', reportTypes: ['活动名称', '奖励说明'] },
  '1005': { name: '佣金报酬', reportTypes: ['岗位类型', '报酬说明'] },
};

/** At WeChat the payee has 24 hours to confirm. */
export const DEFAULT_CONFIRM_WINDOW_MS = 24 * 3600_000;
/** Real-name check: a transfer of ¥2,000 or more must name the payee. */
const NAME_REQUIRED_FROM = 200_000;
const MIN_AMOUNT = 10;
const OUT_BILL_NO = /^[0-9A-Za-z]{1,32}$/;
const OPENID = /^[0-9A-Za-z_-]{1,64}$/;

export interface TransferInput {
  appid: string;
  out_bill_no: string;
  transfer_scene_id: string;
  openid: string;
  user_name?: string;
  transfer_amount: number;
  transfer_remark: string;
  notify_url?: string;
  user_recv_perception?: string;
  transfer_scene_report_infos: Array<{ info_type: string; info_content: string }>;
}

export class Transfers {
  constructor(
    private readonly store: SandboxStore,
    private readonly merchants: MerchantRegistry,
    private readonly notifier: Notifier,
    private readonly wake: (at: Date) => void,
    private readonly opts: { confirmWindowMs: number; cancelDelayMs: number },
  ) {}

  /** 发起转账. `serial` is the Wechatpay-Serial header: the platform key user_name was encrypted with. */
  async create(merchant: Merchant, body: Record<string, unknown>, serial: string | undefined): Promise<TransferBill> {
    const input = parseTransfer(body);
    if (input.appid !== merchant.appId) throw new WxError(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
    let userName: string | null = null;
    if (input.user_name !== undefined) {
      if (!serial) throw new WxError(400, 'PARAM_ERROR', '请求参数含加密字段时,HTTP头 Wechatpay-Serial 必填', { field: 'Wechatpay-Serial', location: 'header' });
      if (serial !== merchant.platformSerial) throw new WxError(400, 'PARAM_ERROR', 'Wechatpay-Serial 不是有效的微信支付公钥ID或平台证书序列号', { field: 'Wechatpay-Serial', location: 'header' });
      userName = decryptSensitive(input.user_name, merchant);
    }
    if (input.transfer_amount >= NAME_REQUIRED_FROM && !userName) {
      throw new WxError(400, 'PARAM_ERROR', '转账金额 >= 2,000元时,user_name 必填', { field: 'user_name', location: 'body' });
    }
    const scene = SCENES[input.transfer_scene_id];
    if (!scene) throw new WxError(403, 'NO_AUTH', '商户号未获得该转账场景的权限', { field: 'transfer_scene_id', location: 'body' });
    for (const type of scene.reportTypes) {
      if (!input.transfer_scene_report_infos.some((i) => i.info_type === type)) {
        throw new WxError(400, 'PARAM_ERROR', `转账场景 ${input.transfer_scene_id}(${scene.name}) 需报备「${type}」`, { field: 'transfer_scene_report_infos', location: 'body' });
      }
    }
    const fingerprint = JSON.stringify([input.appid, input.transfer_scene_id, input.openid, userName, input.transfer_amount, input.transfer_remark]);
    const now = new Date();
    const confirmBy = new Date(now.getTime() + this.opts.confirmWindowMs);
    const fresh: TransferBill = {
      mchId: merchant.mchId,
      appId: input.appid,
      outBillNo: input.out_bill_no,
      transferBillNo: `1330${digits(36)}`,
      sceneId: input.transfer_scene_id,
      openid: input.openid,
      userName,
      amount: input.transfer_amount,
      remark: input.transfer_remark,
      notifyUrl: input.notify_url ?? null,
      perception: input.user_recv_perception ?? null,
      reportInfos: input.transfer_scene_report_infos,
      state: 'WAIT_USER_CONFIRM',
      failReason: null,
      packageInfo: randomBytes(48).toString('base64'),
      createTime: rfc3339Cst(now),
      updateTime: rfc3339Cst(now),
      confirmBy: confirmBy.toISOString(),
      fingerprint,
    };
    let created = false;
    const bill = (await this.store.update<TransferBill>(TRANSFER, key(merchant.mchId, input.out_bill_no), (cur) => {
      created = !cur;
      if (!cur) return { value: fresh, ref: merchant.mchId, dueAt: confirmBy };
      // A retry of the same request gets the same bill; the same number with other content is refused.
      if (cur.fingerprint !== fingerprint) throw new WxError(400, 'INVALID_REQUEST', '商户单号重复,且与原单据的请求参数不一致', { field: 'out_bill_no', location: 'body' });
      return undefined;
    }))!;
    // Written on every call, so a crash between the two writes heals on the merchant's retry.
    await this.store.put(BY_PACKAGE, bill.packageInfo, { key: key(bill.mchId, bill.outBillNo) });
    if (created) this.wake(confirmBy);
    return bill;
  }

  async get(mchId: string, outBillNo: string): Promise<TransferBill> {
    const bill = await this.store.get<TransferBill>(TRANSFER, key(mchId, outBillNo));
    if (!bill) throw new WxError(404, 'NOT_FOUND', '记录不存在');
    return bill;
  }

  async byPackage(packageInfo: string): Promise<TransferBill> {
    const ref = packageInfo ? await this.store.get<{ key: string }>(BY_PACKAGE, packageInfo) : undefined;
    const bill = ref && (await this.store.get<TransferBill>(TRANSFER, ref.key));
    if (!bill) throw new WxError(404, 'NOT_FOUND', '转账单据不存在或 package 无效');
    return bill;
  }

  list(mchId?: string): Promise<TransferBill[]> {
    return this.store.list<TransferBill>(TRANSFER, { ref: mchId, limit: 200 });
  }

  /** 撤销转账: only before the payee confirmed. Answers CANCELING; the bill is CANCELLED a moment later. */
  async cancel(mchId: string, outBillNo: string): Promise<TransferBill> {
    const settlesAt = new Date(Date.now() + this.opts.cancelDelayMs);
    let moved = false;
    const bill = await this.store.update<TransferBill>(TRANSFER, key(mchId, outBillNo), (cur) => {
      moved = false;
      if (!cur) throw new WxError(404, 'NOT_FOUND', '记录不存在');
      if (cur.state === 'CANCELING' || cur.state === 'CANCELLED') return undefined;
      if (cur.state !== 'WAIT_USER_CONFIRM' && cur.state !== 'ACCEPTED' && cur.state !== 'PROCESSING') {
        throw new WxError(400, 'INVALID_REQUEST', `单据状态为 ${cur.state},不允许撤销`);
      }
      moved = true;
      return { value: { ...cur, state: 'CANCELING', updateTime: rfc3339Cst() }, dueAt: settlesAt };
    });
    if (moved) this.wake(settlesAt);
    return bill!;
  }

  /** The payee confirms (the button on WeChat's 确认收款 page): the money arrives at once. */
  confirm(packageInfo: string): Promise<TransferBill> {
    return this.finish(packageInfo, 'SUCCESS', null);
  }

  /** The payee closes the page without taking the money; the sandbox treats it as a cancellation. */
  decline(packageInfo: string): Promise<TransferBill> {
    return this.finish(packageInfo, 'CANCELLED', null);
  }

  /** Sandbox-only: WeChat fails the transfer (real-name mismatch, payee account restricted, …). */
  fail(packageInfo: string, reason: string): Promise<TransferBill> {
    return this.finish(packageInfo, 'FAIL', reason);
  }

  private async finish(packageInfo: string, to: 'SUCCESS' | 'CANCELLED' | 'FAIL', failReason: string | null): Promise<TransferBill> {
    const found = await this.byPackage(packageInfo);
    const bill = (await this.store.update<TransferBill>(TRANSFER, key(found.mchId, found.outBillNo), (cur) => {
      if (!cur) throw new WxError(404, 'NOT_FOUND', '转账单据不存在');
      if (cur.state === to) return undefined;
      if (cur.state !== 'WAIT_USER_CONFIRM') throw new WxError(400, 'INVALID_REQUEST', `单据状态为 ${cur.state},无法${to === 'SUCCESS' ? '确认收款' : '变更'}`);
      if (to === 'SUCCESS' && Date.parse(cur.confirmBy) <= Date.now()) throw new WxError(400, 'INVALID_REQUEST', '已超过确认收款期限');
      return { value: { ...cur, state: to, failReason, updateTime: rfc3339Cst() }, dueAt: null };
    }))!;
    // Also when the bill was already in that state: a call after a crash between the two steps notifies then.
    await this.notifyFinished(bill);
    return bill;
  }

  /** Due work on a bill: a cancellation settling, or the confirm window ending. */
  async due(billKey: string): Promise<void> {
    const now = Date.now();
    const bill = await this.store.update<TransferBill>(TRANSFER, billKey, (cur) => {
      if (!cur) return undefined;
      if (cur.state === 'CANCELING' || (cur.state === 'WAIT_USER_CONFIRM' && Date.parse(cur.confirmBy) <= now)) {
        return { value: { ...cur, state: 'CANCELLED', updateTime: rfc3339Cst() }, dueAt: null };
      }
      return cur.state === 'WAIT_USER_CONFIRM' ? { value: cur, dueAt: new Date(cur.confirmBy) } : { value: cur, dueAt: null };
    });
    if (bill && FINAL.includes(bill.state)) await this.notifyFinished(bill);
  }

  private async notifyFinished(bill: TransferBill) {
    if (!bill.notifyUrl || !FINAL.includes(bill.state)) return;
    const merchant = await this.merchants.get(bill.mchId);
    if (!merchant) return;
    await this.notifier.send(
      merchant,
      bill.notifyUrl,
      { eventType: 'MCHTRANSFER.BILL.FINISHED', summary: '商家转账单据终态通知', originalType: 'mch_payment', resource: transferNotificationView(bill) },
      // One notification per bill: a bill reaches exactly one final state.
      nameUuid(`MCHTRANSFER.BILL.FINISHED:${bill.mchId}:${bill.outBillNo}`),
    );
  }
}

/** The answer to 发起转账. package_info only while the payee still has to confirm. */
export function transferCreatedView(b: TransferBill) {
  return {
    out_bill_no: b.outBillNo,
    transfer_bill_no: b.transferBillNo,
    create_time: b.createTime,
    state: b.state,
    ...(b.failReason ? { fail_reason: b.failReason } : {}),
    ...(b.state === 'WAIT_USER_CONFIRM' ? { package_info: b.packageInfo } : {}),
  };
}

/** 商户单号查询转账单. user_name comes back encrypted with the merchant's own public key, as WeChat returns sensitive fields. */
export function transferQueryView(b: TransferBill, merchantPublicKeyPem?: string) {
  return {
    mch_id: b.mchId,
    out_bill_no: b.outBillNo,
    transfer_bill_no: b.transferBillNo,
    appid: b.appId,
    state: b.state,
    transfer_amount: b.amount,
    transfer_remark: b.remark,
    ...(b.failReason ? { fail_reason: b.failReason } : {}),
    openid: b.openid,
    ...(b.userName && merchantPublicKeyPem ? { user_name: encryptFor(b.userName, merchantPublicKeyPem) } : {}),
    create_time: b.createTime,
    update_time: b.updateTime,
  };
}

/** The decrypted resource of MCHTRANSFER.BILL.FINISHED. */
export function transferNotificationView(b: TransferBill) {
  return {
    out_bill_no: b.outBillNo,
    transfer_bill_no: b.transferBillNo,
    state: b.state,
    mch_id: b.mchId,
    transfer_amount: b.amount,
    openid: b.openid,
    ...(b.failReason ? { fail_reason: b.failReason } : {}),
    create_time: b.createTime,
    update_time: b.updateTime,
  };
}

/** The merchant encrypts with the platform public key (RSAES-OAEP, SHA-1/MGF1), so only WeChat's private key opens it. */
function decryptSensitive(ciphertextB64: string, merchant: Merchant): string {
  try {
    return privateDecrypt({ key: merchant.platformPrivateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(ciphertextB64, 'base64')).toString('utf8');
  } catch {
    throw new WxError(400, 'PARAM_ERROR', 'user_name 解密失败,请使用微信支付公钥或平台证书以 RSA-OAEP 加密', { field: 'user_name', location: 'body' });
  }
}

function encryptFor(plain: string, publicKeyPem: string): string {
  return publicEncrypt({ key: publicKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(plain, 'utf8')).toString('base64');
}

function param(field: string, message: string) {
  return new WxError(400, 'PARAM_ERROR', message, { field, location: 'body' });
}

/** Characters as WeChat counts them (a Chinese character is one). */
const chars = (s: string) => [...s].length;

function text(b: Record<string, unknown>, field: string, max: number, optional = false): string | undefined {
  const v = b[field];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v.length === 0) throw param(field, `缺少参数 ${field}`);
  if (chars(v) > max) throw param(field, `${field} 长度超过 ${max} 个字符`);
  return v;
}

function parseTransfer(b: Record<string, unknown>): TransferInput {
  const appid = text(b, 'appid', 32)!;
  const outBillNo = text(b, 'out_bill_no', 32)!;
  if (!OUT_BILL_NO.test(outBillNo)) throw param('out_bill_no', 'out_bill_no 只能由数字、大小写字母组成');
  const sceneId = text(b, 'transfer_scene_id', 16)!;
  const openid = text(b, 'openid', 64)!;
  if (!OPENID.test(openid)) throw new WxError(400, 'PARAM_ERROR', 'openid 与 appid 不匹配或格式错误', { field: 'openid', location: 'body' });
  const userName = text(b, 'user_name', 1024, true);
  const amount = b.transfer_amount;
  if (typeof amount !== 'number' || !Number.isInteger(amount) || amount < 1) throw param('transfer_amount', 'transfer_amount 必须是大于0的整数(单位:分)');
  if (amount < MIN_AMOUNT) throw param('transfer_amount', '转账金额不能低于0.1元');
  const remark = text(b, 'transfer_remark', 32)!;
  const notifyUrl = text(b, 'notify_url', 256, true);
  if (notifyUrl !== undefined) checkNotifyUrl(notifyUrl);
  const perception = text(b, 'user_recv_perception', 32, true);
  const infos = b.transfer_scene_report_infos;
  if (infos !== undefined && !Array.isArray(infos)) throw param('transfer_scene_report_infos', 'transfer_scene_report_infos 必须是数组');
  const reportInfos = ((infos ?? []) as unknown[]).map((raw, i) => {
    const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
    const type = o.info_type;
    const content = o.info_content;
    if (typeof type !== 'string' || !type || chars(type) > 15) throw param(`transfer_scene_report_infos[${i}].info_type`, 'info_type 必填且不能超过15个字符');
    if (typeof content !== 'string' || !content || chars(content) > 32) throw param(`transfer_scene_report_infos[${i}].info_content`, 'info_content 必填且不能超过32个字符');
    return { info_type: type, info_content: content };
  });
  return {
    appid,
    out_bill_no: outBillNo,
    transfer_scene_id: sceneId,
    openid,
    ...(userName !== undefined ? { user_name: userName } : {}),
    transfer_amount: amount,
    transfer_remark: remark,
    ...(notifyUrl !== undefined ? { notify_url: notifyUrl } : {}),
    ...(perception !== undefined ? { user_recv_perception: perception } : {}),
    transfer_scene_report_infos: reportInfos,
  };
}

function checkNotifyUrl(url: string) {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw param('notify_url', 'notify_url 必须是绝对URL');
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || /\s/.test(url)) throw param('notify_url', 'notify_url 必须是 http(s) 绝对URL');
  if (url.includes('?') || url.includes('#')) throw param('notify_url', 'notify_url 不能携带查询参数');
}

/** The merchant API, mounted by v3Api inside its authenticated, response-signing scope. */
export function transferApi(app: FastifyInstance, transfers: Transfers, merchantOf: (req: FastifyRequest) => Merchant) {
  const outBillNoOf = (req: FastifyRequest) => {
    const no = (req.params as { outBillNo: string }).outBillNo;
    if (!OUT_BILL_NO.test(no)) throw new WxError(400, 'PARAM_ERROR', 'out_bill_no 只能由数字、大小写字母组成', { field: 'out_bill_no', location: 'path' });
    return no;
  };

  app.post('/v3/fund-app/mch-transfer/transfer-bills', async (req) => {
    const m = merchantOf(req);
    const serial = req.headers['wechatpay-serial'];
    return transferCreatedView(await transfers.create(m, (req.body ?? {}) as Record<string, unknown>, Array.isArray(serial) ? serial[0] : serial));
  });

  app.get('/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/:outBillNo', async (req) => {
    const m = merchantOf(req);
    return transferQueryView(await transfers.get(m.mchId, outBillNoOf(req)), m.merchantPublicKeyPem);
  });

  app.post('/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/:outBillNo/cancel', async (req) => {
    const m = merchantOf(req);
    const b = await transfers.cancel(m.mchId, outBillNoOf(req));
    return { out_bill_no: b.outBillNo, transfer_bill_no: b.transferBillNo, state: b.state, update_time: b.updateTime };
  });
}

/**
 * What stands in for the payee's side inside WeChat: the 确认收款 page `wx.requestMerchantTransfer` opens, and
 * control endpoints for tests and seeding (confirm, decline, fail, list).
 */
export async function transferSandboxRoutes(app: FastifyInstance, deps: { transfers: Transfers }) {
  const { transfers } = deps;
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
  }
  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof WxError) return reply.status(err.status).send({ code: err.code, message: err.message });
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    return reply.status(status).send({ code: status < 500 ? 'PARAM_ERROR' : 'SYSTEM_ERROR', message: (err as Error).message });
  });

  app.get('/transfer/confirm', async (req, reply) => {
    const q = req.query as { package?: string; redirect?: string };
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    try {
      const bill = await transfers.byPackage(q.package ?? '');
      if (bill.state !== 'WAIT_USER_CONFIRM') return page('无法收款', `<p class="msg">${escape(STATE_TEXT[bill.state])}</p>${backLink(q.redirect, 'fail')}`);
      return page('确认收款', confirmForm(bill, q.package!, q.redirect));
    } catch (err) {
      if (!(err instanceof WxError)) throw err;
      reply.status(404);
      return page('无法收款', `<p class="msg" role="alert">${escape(err.message)}</p>${backLink(q.redirect, 'fail')}`);
    }
  });

  app.post('/transfer/confirm', async (req, reply) => {
    const b = (req.body ?? {}) as { package?: string; action?: string; redirect?: string };
    const back = safeRedirect(b.redirect);
    try {
      const bill = b.action === 'decline' ? await transfers.decline(b.package ?? '') : await transfers.confirm(b.package ?? '');
      const result = bill.state === 'SUCCESS' ? 'success' : 'cancel';
      if (back) return reply.redirect(withResult(back, result), 303);
      return reply.type('text/html; charset=utf-8').send(page(bill.state === 'SUCCESS' ? '收款成功' : '已取消', `<p class="msg">${bill.state === 'SUCCESS' ? `¥${yuan(bill.amount)} 已存入零钱` : '已取消收款'}</p>`));
    } catch (err) {
      if (!(err instanceof WxError)) throw err;
      reply.status(400).type('text/html; charset=utf-8');
      return page('收款失败', `<p class="msg" role="alert">${escape(err.message)}</p>${backLink(b.redirect, 'fail')}`);
    }
  });

  const packageOf = (req: FastifyRequest) => {
    const p = ((req.body ?? {}) as { package_info?: unknown }).package_info;
    if (typeof p !== 'string' || !p) throw new WxError(400, 'PARAM_ERROR', '缺少 package_info');
    return p;
  };
  app.post('/sandbox/transfer/confirm', async (req) => transferQueryView(await transfers.confirm(packageOf(req))));
  app.post('/sandbox/transfer/decline', async (req) => transferQueryView(await transfers.decline(packageOf(req))));
  app.post('/sandbox/transfer/fail', async (req) => {
    const reason = ((req.body ?? {}) as { fail_reason?: unknown }).fail_reason;
    return transferQueryView(await transfers.fail(packageOf(req), typeof reason === 'string' && reason ? reason : 'REAL_NAME_CHECK_FAIL'));
  });
  app.get('/sandbox/transfers', async (req) => {
    const mchId = (req.query as { mchid?: string }).mchid;
    // The sandbox shows the decrypted payee name, which is how tests see that user_name made the round trip.
    return { transfers: (await transfers.list(mchId)).map((b) => ({ ...transferQueryView(b), user_name: b.userName, transfer_scene_id: b.sceneId, notify_url: b.notifyUrl, user_recv_perception: b.perception, transfer_scene_report_infos: b.reportInfos })) };
  });
}

const STATE_TEXT: Record<TransferState, string> = {
  ACCEPTED: '转账已受理',
  PROCESSING: '转账处理中',
  WAIT_USER_CONFIRM: '待收款用户确认',
  TRANSFERING: '转账中',
  SUCCESS: '已收款',
  FAIL: '转账失败',
  CANCELING: '商户撤销中',
  CANCELLED: '转账已撤销',
};

function confirmForm(b: TransferBill, packageInfo: string, redirect: string | undefined): string {
  const hidden = `<input type="hidden" name="package" value="${escape(packageInfo)}">${redirect ? `<input type="hidden" name="redirect" value="${escape(redirect)}">` : ''}`;
  return `<section aria-labelledby="t">
<h1 id="t" class="shop">商户号 ${escape(b.mchId)} 向你转账</h1>
<p class="amount" aria-label="收款金额 ${yuan(b.amount)} 元">¥${yuan(b.amount)}</p>
<p>${escape(b.perception ?? SCENES[b.sceneId]?.name ?? '')}</p>
<p class="muted">备注:${escape(b.remark)}${b.userName ? ` · 收款人 ${escape(maskName(b.userName))}` : ''}</p>
</section>
<form method="post" action="confirm">${hidden}
<button class="primary" type="submit" name="action" value="confirm">确认收款</button>
<button class="secondary" type="submit" name="action" value="decline">暂不收款</button>
</form>
<p class="muted">沙箱确认收款页:模拟 wx.requestMerchantTransfer,不会产生真实资金往来。</p>`;
}

function maskName(name: string): string {
  const c = [...name];
  return c.length <= 1 ? name : `${'*'.repeat(c.length - 1)}${c[c.length - 1]}`;
}

