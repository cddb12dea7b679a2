import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { alnum, digits, generateRsaPair, hexSerial } from './crypto.js';

export type VerifyMode = 'certificate' | 'public_key';

/** What WeChat Pay knows about a merchant: the merchant's public key (never its private key) and its own signing key. */
export interface Merchant {
  mchId: string;
  appId: string;
  /** Serial of the merchant API certificate; requests name it in `serial_no`. */
  serialNo: string;
  merchantPublicKeyPem: string;
  apiV3Key: string;
  verifyMode: VerifyMode;
  /** `PUB_KEY_ID_…` in public-key mode, else a platform certificate serial. */
  platformSerial: string;
  platformPublicKeyPem: string;
  platformPrivateKey: KeyObject;
}

/** Returned once at creation: everything a shop stores in its `WechatPayMerchantConfig`. */
export interface CreatedMerchant {
  mchId: string;
  appId: string;
  serialNo: string;
  privateKeyPem: string;
  apiV3Key: string;
  platformKeys: Record<string, string>;
  verifyMode: VerifyMode;
  /**
   * Sandbox-only: the simulator keeps state in memory, so after a restart a shop's stored config would
   * point at a merchant the sandbox forgot. Posting this token back re-registers the same merchant.
   */
  restoreToken: string;
}

interface RestorePayload {
  mchId: string;
  appId: string;
  serialNo: string;
  merchantPublicKeyPem: string;
  apiV3Key: string;
  verifyMode: VerifyMode;
  platformSerial: string;
  platformPrivateKeyPem: string;
}

export class MerchantRegistry {
  private readonly byId = new Map<string, Merchant>();

  get(mchId: string): Merchant | undefined {
    return this.byId.get(mchId);
  }

  list(): Merchant[] {
    return [...this.byId.values()];
  }

  create(opts: { appId?: string; verifyMode?: VerifyMode }): CreatedMerchant {
    const merchantKeys = generateRsaPair();
    const platformKeys = generateRsaPair();
    let mchId: string;
    do mchId = `19${digits(8)}`;
    while (this.byId.has(mchId));
    const verifyMode = opts.verifyMode ?? 'certificate';
    const merchant: Merchant = {
      mchId,
      appId: opts.appId ?? `wx${alnum(16).toLowerCase()}`,
      serialNo: hexSerial(),
      merchantPublicKeyPem: merchantKeys.publicKeyPem,
      apiV3Key: alnum(32),
      verifyMode,
      // Real public-key IDs embed the mchid and a date; only the prefix matters to verifiers.
      platformSerial: verifyMode === 'public_key' ? `PUB_KEY_ID_01${mchId}${digits(24)}` : hexSerial(),
      platformPublicKeyPem: platformKeys.publicKeyPem,
      platformPrivateKey: platformKeys.privateKey,
    };
    this.byId.set(mchId, merchant);
    const restore: RestorePayload = {
      mchId,
      appId: merchant.appId,
      serialNo: merchant.serialNo,
      merchantPublicKeyPem: merchant.merchantPublicKeyPem,
      apiV3Key: merchant.apiV3Key,
      verifyMode,
      platformSerial: merchant.platformSerial,
      platformPrivateKeyPem: platformKeys.privateKeyPem,
    };
    return {
      mchId,
      appId: merchant.appId,
      serialNo: merchant.serialNo,
      privateKeyPem: merchantKeys.privateKeyPem,
      apiV3Key: merchant.apiV3Key,
      platformKeys: { [merchant.platformSerial]: merchant.platformPublicKeyPem },
      verifyMode,
      restoreToken: Buffer.from(JSON.stringify(restore)).toString('base64url'),
    };
  }

  /** Re-registers a merchant from its restore token; idempotent. Returns null if the token is malformed. */
  restore(token: string): Merchant | null {
    let r: RestorePayload;
    try {
      r = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as RestorePayload;
      const platformPrivateKey = createPrivateKey(r.platformPrivateKeyPem);
      const merchant: Merchant = {
        mchId: r.mchId,
        appId: r.appId,
        serialNo: r.serialNo,
        merchantPublicKeyPem: createPublicKey(r.merchantPublicKeyPem).export({ type: 'spki', format: 'pem' }).toString(),
        apiV3Key: r.apiV3Key,
        verifyMode: r.verifyMode === 'public_key' ? 'public_key' : 'certificate',
        platformSerial: r.platformSerial,
        platformPublicKeyPem: createPublicKey(platformPrivateKey).export({ type: 'spki', format: 'pem' }).toString(),
        platformPrivateKey,
      };
      if (!/^\d+$/.test(merchant.mchId) || merchant.apiV3Key.length !== 32) return null;
      this.byId.set(merchant.mchId, merchant);
      return merchant;
    } catch {
      return null;
    }
  }
}
