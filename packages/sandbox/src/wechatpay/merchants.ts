import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { SandboxStore } from '../store.js';
import { alnum, digits, generateRsaPair, hexSerial, platformCertificate } from './crypto.js';

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
  /** `PUB_KEY_ID_…` in public-key mode, else the platform certificate's serial number. */
  platformSerial: string;
  platformPublicKeyPem: string;
  /** Certificate mode only: the X.509 platform certificate served by GET /v3/certificates. */
  platformCertificatePem: string | null;
  platformPrivateKey: KeyObject;
}

/** Returned once at creation: everything a shop stores in its `WechatPayMerchantConfig`. */
export interface CreatedMerchant {
  mchId: string;
  appId: string;
  serialNo: string;
  privateKeyPem: string;
  apiV3Key: string;
  /** The platform certificate (certificate mode) or public key (public-key mode) by its serial. */
  platformKeys: Record<string, string>;
  verifyMode: VerifyMode;
  /**
   * Sandbox-only: the sandbox's own record of the merchant, platform signing key included, base64url JSON.
   * Tests use it to forge validly signed notifications; the server's sandbox-store migration imports the
   * merchants of installs from before the sandbox kept state in the database from it.
   */
  restoreToken: string;
}

/** The stored form (also the restore token's JSON); the certificate is absent in records from older tokens. */
interface MerchantRecord {
  mchId: string;
  appId: string;
  serialNo: string;
  merchantPublicKeyPem: string;
  apiV3Key: string;
  verifyMode: VerifyMode;
  platformSerial: string;
  platformPrivateKeyPem: string;
  platformCertificatePem?: string;
}

const KIND = 'wxpay.merchant';

export class MerchantRegistry {
  /** Merchants never change once complete, so parsed keys can be kept for the life of the process. */
  private readonly cache = new Map<string, Merchant>();

  constructor(private readonly store: SandboxStore) {}

  async get(mchId: string): Promise<Merchant | undefined> {
    const cached = this.cache.get(mchId);
    if (cached) return cached;
    let r = await this.store.get<MerchantRecord>(KIND, mchId);
    if (!r) return undefined;
    if (r.verifyMode === 'certificate' && !r.platformCertificatePem) {
      const publicPem = createPublicKey(createPrivateKey(r.platformPrivateKeyPem)).export({ type: 'spki', format: 'pem' }).toString();
      const pem = platformCertificate(r.platformSerial, r.platformPrivateKeyPem, publicPem, r.mchId);
      r = (await this.store.update<MerchantRecord>(KIND, mchId, (cur) => (cur && !cur.platformCertificatePem ? { value: { ...cur, platformCertificatePem: pem } } : undefined)))!;
    }
    const m = hydrate(r);
    this.cache.set(mchId, m);
    return m;
  }

  count(): Promise<number> {
    return this.store.count(KIND);
  }

  async create(opts: { appId?: string; verifyMode?: VerifyMode }): Promise<CreatedMerchant> {
    const merchantKeys = generateRsaPair();
    const platformKeys = generateRsaPair();
    const verifyMode = opts.verifyMode ?? 'certificate';
    for (;;) {
      const mchId = `19${digits(8)}`;
      // Real public-key IDs embed the mchid and a date; only the prefix matters to verifiers.
      const platformSerial = verifyMode === 'public_key' ? `PUB_KEY_ID_01${mchId}${digits(24)}` : hexSerial();
      const record: MerchantRecord = {
        mchId,
        appId: opts.appId ?? `wx${alnum(16).toLowerCase()}`,
        serialNo: hexSerial(),
        merchantPublicKeyPem: merchantKeys.publicKeyPem,
        apiV3Key: alnum(32),
        verifyMode,
        platformSerial,
        platformPrivateKeyPem: platformKeys.privateKeyPem,
        ...(verifyMode === 'certificate' ? { platformCertificatePem: platformCertificate(platformSerial, platformKeys.privateKeyPem, platformKeys.publicKeyPem, mchId) } : {}),
      };
      let taken = false;
      await this.store.update<MerchantRecord>(KIND, mchId, (cur) => {
        taken = !!cur;
        return cur ? undefined : { value: record };
      });
      if (taken) continue;
      const { platformCertificatePem, ...token } = record;
      return {
        mchId,
        appId: record.appId,
        serialNo: record.serialNo,
        privateKeyPem: merchantKeys.privateKeyPem,
        apiV3Key: record.apiV3Key,
        platformKeys: { [platformSerial]: platformCertificatePem ?? platformKeys.publicKeyPem },
        verifyMode,
        restoreToken: Buffer.from(JSON.stringify(token)).toString('base64url'),
      };
    }
  }
}

function hydrate(r: MerchantRecord): Merchant {
  const platformPrivateKey = createPrivateKey(r.platformPrivateKeyPem);
  return {
    mchId: r.mchId,
    appId: r.appId,
    serialNo: r.serialNo,
    merchantPublicKeyPem: r.merchantPublicKeyPem,
    apiV3Key: r.apiV3Key,
    verifyMode: r.verifyMode === 'public_key' ? 'public_key' : 'certificate',
    platformSerial: r.platformSerial,
    platformPublicKeyPem: createPublicKey(platformPrivateKey).export({ type: 'spki', format: 'pem' }).toString(),
    platformCertificatePem: r.platformCertificatePem ?? null,
    platformPrivateKey,
  };
}
