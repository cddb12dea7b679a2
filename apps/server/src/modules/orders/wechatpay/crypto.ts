import { createDecipheriv } from 'node:crypto';

const TAG_BYTES = 16;

/**
 * Decrypts a notification `resource` (AEAD_AES_256_GCM with the APIv3 key). The GCM tag is the last 16 bytes of
 * the base64 ciphertext; `final()` throws when it does not match, which is what rejects tampered resources.
 * Returns null on any failure so callers map it to one error code.
 */
export function decryptResource(apiV3Key: string, r: { ciphertext: string; nonce: string; associated_data?: string }): string | null {
  try {
    const key = Buffer.from(apiV3Key, 'utf8');
    if (key.length !== 32) return null;
    const data = Buffer.from(r.ciphertext, 'base64');
    if (data.length <= TAG_BYTES) return null;
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(r.nonce, 'utf8'), { authTagLength: TAG_BYTES });
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    decipher.setAAD(Buffer.from(r.associated_data ?? '', 'utf8'));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
