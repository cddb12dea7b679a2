import { X509Certificate, constants, createPrivateKey, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import { AppError } from '../../../platform/errors.js';
import { loadVerificationKey } from './signing.js';

/**
 * 商家转账 (user-confirm mode, /v3/fund-app/mch-transfer): shapes and the pieces WechatPayClient uses. The
 * bill is named by out_bill_no; after any answer that is not a 2xx (a timeout included) the caller must
 * retry with the SAME out_bill_no and the same content, or query it — never a new number, which would be a
 * second payment.
 */

/** 1000 现金营销 (needs 活动名称 + 奖励说明), 1005 佣金报酬 (needs 岗位类型 + 报酬说明). */
export type TransferSceneId = '1000' | '1005';

export type TransferBillState = 'ACCEPTED' | 'PROCESSING' | 'WAIT_USER_CONFIRM' | 'TRANSFERING' | 'SUCCESS' | 'FAIL' | 'CANCELING' | 'CANCELLED';

/** States after which nothing changes; MCHTRANSFER.BILL.FINISHED is sent on reaching one. */
export const FINAL_TRANSFER_STATES: readonly TransferBillState[] = ['SUCCESS', 'FAIL', 'CANCELLED'];

export interface CreateTransferBillInput {
  /** The app the openid belongs to; the merchant's appId when omitted. */
  appId?: string;
  /** Digits and letters only, ≤ 32; unique per merchant. */
  outBillNo: string;
  openid: string;
  amountFen: number;
  /** Shown to the payee; ≤ 32 characters. */
  remark: string;
  sceneId: TransferSceneId;
  /** The scene's report items, e.g. 1005: [{ type: '岗位类型', content: '推广员' }, { type: '报酬说明', content: '…' }]. */
  reportInfos: Array<{ type: string; content: string }>;
  /** The payee's real name, plain; encrypted here. Required by WeChat from ¥2,000 (200000 fen). */
  userName?: string;
  notifyUrl: string;
  /** 用户收款感知, e.g. '劳务报酬'; the scene's default when omitted. */
  perception?: string;
}

export interface CreatedTransferBill {
  outBillNo: string;
  transferBillNo: string;
  state: TransferBillState;
  /** What `wx.requestMerchantTransfer({ mchId, appId, package })` needs; null once the payee no longer has to confirm. */
  packageInfo: string | null;
  createdAt: Date;
  failReason: string | null;
}

export interface TransferBill {
  mchId: string;
  appId: string;
  outBillNo: string;
  transferBillNo: string;
  state: TransferBillState;
  amountFen: number;
  remark: string;
  openid: string;
  /** Decrypted with the merchant key when WeChat returns it. */
  userName: string | null;
  failReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface CancelledTransferBill {
  outBillNo: string;
  transferBillNo: string;
  state: 'CANCELING' | 'CANCELLED';
  updatedAt: Date;
}

/** The decrypted resource of MCHTRANSFER.BILL.FINISHED, field names as WeChat sends them. */
export interface WechatPayTransferNotification {
  out_bill_no: string;
  transfer_bill_no: string;
  state: TransferBillState;
  mch_id: string;
  transfer_amount: number;
  openid: string;
  fail_reason?: string;
  create_time: string;
  update_time: string;
}

/** The request body of 发起转账 (user_name already encrypted). */
export function transferBillBody(input: CreateTransferBillInput, appId: string, encryptedUserName: string | undefined) {
  if ([...input.remark].length > 32) throw new AppError(400, 'TRANSFER_REMARK_TOO_LONG', 'The transfer remark is at most 32 characters', { field: 'remark' });
  if (input.amountFen >= 200_000 && !input.userName) throw new AppError(400, 'TRANSFER_NAME_REQUIRED', 'Transfers of ¥2,000 or more need the payee’s real name', { field: 'userName' });
  return {
    appid: input.appId ?? appId,
    out_bill_no: input.outBillNo,
    transfer_scene_id: input.sceneId,
    openid: input.openid,
    ...(encryptedUserName ? { user_name: encryptedUserName } : {}),
    transfer_amount: input.amountFen,
    transfer_remark: input.remark,
    notify_url: input.notifyUrl,
    ...(input.perception ? { user_recv_perception: input.perception } : {}),
    transfer_scene_report_infos: input.reportInfos.map((i) => ({ info_type: i.type, info_content: i.content })),
  };
}

export function toCreatedTransferBill(r: { out_bill_no: string; transfer_bill_no: string; create_time: string; state: TransferBillState; package_info?: string; fail_reason?: string }): CreatedTransferBill {
  return {
    outBillNo: r.out_bill_no,
    transferBillNo: r.transfer_bill_no,
    state: r.state,
    packageInfo: r.package_info ?? null,
    createdAt: new Date(r.create_time),
    failReason: r.fail_reason ?? null,
  };
}

export function toTransferBill(
  r: { mch_id: string; appid: string; out_bill_no: string; transfer_bill_no: string; state: TransferBillState; transfer_amount: number; transfer_remark: string; openid: string; user_name?: string; fail_reason?: string; create_time: string; update_time: string },
  merchantKey: KeyObject,
): TransferBill {
  return {
    mchId: r.mch_id,
    appId: r.appid,
    outBillNo: r.out_bill_no,
    transferBillNo: r.transfer_bill_no,
    state: r.state,
    amountFen: r.transfer_amount,
    remark: r.transfer_remark,
    openid: r.openid,
    userName: r.user_name ? decryptSensitive(r.user_name, merchantKey) : null,
    failReason: r.fail_reason ?? null,
    createdAt: new Date(r.create_time),
    updatedAt: new Date(r.update_time),
  };
}

/**
 * The platform key sensitive fields are encrypted with, named to WeChat by Wechatpay-Serial: the WeChat Pay
 * public key (PUB_KEY_ID_…) when configured, WeChat's recommendation; else the platform certificate valid
 * now that expires last, the one WeChat is rolling over to.
 */
export function encryptionKey(platformPems: ReadonlyMap<string, string>, now = Date.now()): { serial: string; key: KeyObject } {
  let best: { serial: string; pem: string; until: number } | null = null;
  for (const [serial, pem] of platformPems) {
    if (!pem.includes('BEGIN CERTIFICATE')) return { serial, key: loadVerificationKey(pem) };
    const cert = new X509Certificate(pem);
    const from = Date.parse(cert.validFrom);
    const until = Date.parse(cert.validTo);
    if (from <= now && until > now && (!best || until > best.until)) best = { serial, pem, until };
  }
  if (!best) throw new AppError(500, 'WECHATPAY_CONFIG_INVALID', 'No valid WeChat Pay platform key to encrypt sensitive fields with', { field: 'platformKeys' });
  return { serial: best.serial, key: loadVerificationKey(best.pem) };
}

/** 敏感信息加密: RSAES-OAEP (SHA-1, MGF1-SHA-1), base64 — as WeChat Pay's SDKs do it. */
export function encryptSensitive(plain: string, key: KeyObject): string {
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(plain, 'utf8')).toString('base64');
}

/** Sensitive fields in WeChat's answers come encrypted with the merchant's public key. */
export function decryptSensitive(ciphertextB64: string, merchantKey: KeyObject | string): string {
  try {
    const key = typeof merchantKey === 'string' ? createPrivateKey(merchantKey) : merchantKey;
    return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(ciphertextB64, 'base64')).toString('utf8');
  } catch {
    throw new AppError(502, 'WECHATPAY_DECRYPT_FAILED', 'A sensitive field from WeChat Pay could not be decrypted with the merchant key');
  }
}

/**
 * Sandbox only: the 确认收款 page standing in for `wx.requestMerchantTransfer` outside a mini-program (H5).
 * `redirect` gets `?result=success|cancel|fail` appended when the payee is done.
 */
export function sandboxTransferConfirmUrl(sandboxBaseUrl: string, packageInfo: string, redirect?: string): string {
  const q = new URLSearchParams({ package: packageInfo, ...(redirect ? { redirect } : {}) });
  return `${sandboxBaseUrl.replace(/\/+$/, '')}/transfer/confirm?${q}`;
}
