import { createCipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decrypt as libDecrypt, encrypt as libEncrypt, getSignature } from '@wecom/crypto';
import { CallbackCryptoError, decrypt, encrypt, openCallback, openEcho, sealCallback, signature } from './crypto.js';

/**
 * Our node:crypto implementation against two independent sides: @wecom/crypto (WeCom's own package) and
 * a vector built here by hand, step by step, from the published description.
 */
const aesKey = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const corpId = 'wwsandbox0000001';
const token = 'QDG6eK';
const keys = { token, encodingAesKey: aesKey, corpId };

function handMade(message: string, receiveId: string, random: Buffer) {
  const key = Buffer.from(`${aesKey}=`, 'base64');
  const msg = Buffer.from(message);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length);
  let plain = Buffer.concat([random, len, msg, Buffer.from(receiveId)]);
  const pad = 32 - (plain.length % 32);
  plain = Buffer.concat([plain, Buffer.alloc(pad, pad)]);
  const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(plain), c.final()]).toString('base64');
}

describe('WeCom callback crypto', () => {
  const xml = '<xml><ToUserName><![CDATA[wwsandbox0000001]]></ToUserName><Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]></ChangeType><UserID><![CDATA[张三]]></UserID></xml>';
  const random = Buffer.from('0123456789abcdef');

  it('encrypts exactly as the published scheme, and as @wecom/crypto does', () => {
    const ours = encrypt(aesKey, xml, corpId, random);
    expect(ours).toBe(handMade(xml, corpId, random));
    expect(ours).toBe(libEncrypt(aesKey, xml, corpId, random));
  });

  it('decrypts what @wecom/crypto encrypts, and the other way round, multi-byte text and a full padding block included', () => {
    for (const message of [xml, '', 'a'.repeat(12), '中文'.repeat(100)]) {
      expect(decrypt(aesKey, libEncrypt(aesKey, message, corpId))).toEqual({ message, receiveId: corpId });
      expect(libDecrypt(aesKey, encrypt(aesKey, message, corpId))).toMatchObject({ message, id: corpId });
    }
  });

  it('signs as sha1 of the sorted parts, as @wecom/crypto does', () => {
    const expected = createHash('sha1').update(['1409659813', '1372623149', token, 'cipher'].sort().join('')).digest('hex');
    expect(signature(token, '1409659813', '1372623149', 'cipher')).toBe(expected);
    expect(signature(token, '1409659813', '1372623149', 'cipher')).toBe(getSignature(token, '1409659813', '1372623149', 'cipher'));
  });

  it('opens a callback sealed by @wecom/crypto and refuses a wrong signature, key or corp', () => {
    const enc = libEncrypt(aesKey, xml, corpId);
    const q = { msg_signature: getSignature(token, '1700000000', 'n1', enc), timestamp: '1700000000', nonce: 'n1' };
    const body = `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>`;
    const opened = openCallback(keys, q, body);
    expect(opened.xml).toBe(xml);
    expect(opened.fields).toMatchObject({ Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: '张三' });

    expect(() => openCallback(keys, { ...q, msg_signature: '0'.repeat(40) }, body)).toThrow(CallbackCryptoError);
    expect(() => openCallback({ ...keys, token: 'other' }, q, body)).toThrow(CallbackCryptoError);
    expect(() => openCallback({ ...keys, corpId: 'wwother000000001' }, q, body)).toThrow(/receiveid/);
    const otherKey = 'a'.repeat(43);
    expect(() => openCallback({ ...keys, encodingAesKey: otherKey }, q, body)).toThrow(CallbackCryptoError);
  });

  it('answers the URL check with the decrypted echostr, and our sealed callbacks open with @wecom/crypto', () => {
    const echostr = libEncrypt(aesKey, '8301843283425469582', corpId);
    const q = { msg_signature: getSignature(token, '1', '2', echostr), timestamp: '1', nonce: '2', echostr };
    expect(openEcho(keys, q)).toBe('8301843283425469582');
    expect(() => openEcho(keys, { ...q, msg_signature: 'x' })).toThrow(CallbackCryptoError);

    const sealed = sealCallback(keys, xml, { timestamp: '5', nonce: 'abc' });
    expect(getSignature(token, '5', 'abc', sealed.encrypted)).toBe(sealed.query.msg_signature);
    expect(libDecrypt(aesKey, sealed.encrypted)).toMatchObject({ message: xml, id: corpId });
    expect(openCallback(keys, sealed.query, sealed.body).xml).toBe(xml);
  });
});
