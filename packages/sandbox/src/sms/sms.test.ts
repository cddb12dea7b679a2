import Fastify, { type FastifyInstance } from 'fastify';
import tencentcloud from 'tencentcloud-sdk-nodejs-sms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySandboxStore } from '../store.js';
import { SMS_SANDBOX, smsSandbox } from './index.js';

/** Tencent's official SDK, unchanged but for its endpoint, is the client here: integrators use exactly this. */
const SmsClient = tencentcloud.sms.v20210111.Client;

let app: FastifyInstance;
let endpoint: string;
let origin: string;
const store = new MemorySandboxStore();

beforeAll(async () => {
  app = Fastify();
  await app.register(smsSandbox, { prefix: '/sandbox/sms', baseUrl: () => `${origin}/sandbox/sms`, store });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  origin = `http://127.0.0.1:${port}`;
  endpoint = `127.0.0.1:${port}/sandbox/sms`;
});
afterAll(() => app.close());

const sdk = (secretKey: string = SMS_SANDBOX.secretKey) =>
  new SmsClient({
    credential: { secretId: SMS_SANDBOX.secretId, secretKey },
    region: 'ap-guangzhou',
    profile: { httpProfile: { endpoint, protocol: 'http://', reqTimeout: 10 } },
  });

const phone = () => `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

describe('Tencent Cloud SMS sandbox with the official Node SDK', () => {
  it('accepts a SendSms signed by the SDK and puts the message in the inbox', async () => {
    const to = phone();
    const res = await sdk().SendSms({
      PhoneNumberSet: [`+86${to}`],
      SmsSdkAppId: SMS_SANDBOX.smsSdkAppId,
      SignName: '思域商城',
      TemplateId: SMS_SANDBOX.verificationTemplateId,
      TemplateParamSet: ['246810', '5'],
      SessionContext: 'sign-in',
    });
    expect(res.RequestId).toEqual(expect.any(String));
    expect(res.SendStatusSet).toEqual([expect.objectContaining({ PhoneNumber: `+86${to}`, Code: 'Ok', Fee: 1, SessionContext: 'sign-in', SerialNo: expect.any(String) })]);

    const inbox = (await (await fetch(`${origin}/sandbox/sms/messages?phone=${to}`)).json()) as { items: Array<{ text: string; serialNo: string }> };
    expect(inbox.items).toHaveLength(1);
    expect(inbox.items[0]).toMatchObject({ serialNo: res.SendStatusSet![0].SerialNo, text: '【思域商城】您的验证码为246810,5分钟内有效。如非本人操作,请忽略。' });
  });

  it('refuses the SDK signing with a wrong secret key, in Tencent error shape, and sends nothing', async () => {
    const to = phone();
    const attempt = sdk('not-the-sandbox-key').SendSms({
      PhoneNumberSet: [`+86${to}`],
      SmsSdkAppId: SMS_SANDBOX.smsSdkAppId,
      SignName: '思域商城',
      TemplateId: SMS_SANDBOX.verificationTemplateId,
      TemplateParamSet: ['1', '5'],
    });
    await expect(attempt).rejects.toMatchObject({ code: 'AuthFailure.SignatureFailure', requestId: expect.any(String) });
    const inbox = (await (await fetch(`${origin}/sandbox/sms/messages?phone=${to}`)).json()) as { items: unknown[] };
    expect(inbox.items).toEqual([]);
  });

  it('passes business errors through the SDK as Tencent does (unknown template)', async () => {
    const attempt = sdk().SendSms({ PhoneNumberSet: [`+86${phone()}`], SmsSdkAppId: SMS_SANDBOX.smsSdkAppId, SignName: '思域商城', TemplateId: '42', TemplateParamSet: [] });
    await expect(attempt).rejects.toMatchObject({ code: 'FailedOperation.TemplateIncorrectOrUnapproved' });
  });
});
