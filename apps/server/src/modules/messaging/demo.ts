import { randomBytes } from 'node:crypto';
import { SMS_SANDBOX, SMS_SANDBOX_TEMPLATES, WECHAT_MP_SANDBOX } from '@siyu/sandbox';
import type { Platform } from '../../platform/context.js';
import type { ChannelAccounts } from './accounts.js';
import type { OfficialAccountService } from './official-account.js';
import type { MessagingService } from './service.js';

/**
 * SMS templates of the sandbox, by topic, with their positional parameters: the service notices, and the
 * one marketing text (ending 拒收请回复R). Expiry and birthday notes go by WeChat, where they need no
 * marketing consent.
 */
const SMS_TOPICS = [
  { topic: 'order_shipped', id: '1000002', fields: ['{{orderNo}}', '{{carrier}}', '{{trackingNo}}'] },
  { topic: 'pickup_ready', id: '1000003', fields: ['{{orderNo}}', '{{pickupPoint}}', '{{pickupCode}}', '{{time}}'] },
  { topic: 'flash_sale_reminder', id: '1000004', fields: ['{{activity}}', '{{startsAt}}'] },
  { topic: 'presale_balance_due', id: '1000005', fields: ['{{goods}}', '{{endsAt}}'] },
  { topic: 'promotion', id: '1000010', fields: ['{{activity}}', '{{link}}'] },
] as const;

/**
 * The demo shop reaches its customers out of the box: the sandbox's official account (with its server
 * address saved, as a merchant would in WeChat's console), mini-program and SMS account, the vendors'
 * templates imported, a follow reply. Only with the sandbox on; a failure here never stops the start.
 */
export async function seedDemoMessaging(p: Platform, d: { accounts: ChannelAccounts; oa: OfficialAccountService; messaging: MessagingService }, shopId: string) {
  if (!p.config.SANDBOX) return;
  try {
    const oa = WECHAT_MP_SANDBOX.officialAccount;
    await p.database.transaction(async (tx) => {
      await d.accounts.saveOfficialAccount(tx, shopId, { name: '私域好物演示店', appId: oa.appid, appSecret: oa.secret, token: `demo${randomBytes(6).toString('hex')}`, encodingAesKey: randomBytes(40).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 43).padEnd(43, 'A') });
      await d.accounts.saveMiniProgram(tx, shopId, { name: '私域好物小程序', appId: WECHAT_MP_SANDBOX.miniProgram.appid, appSecret: WECHAT_MP_SANDBOX.miniProgram.secret, state: 'formal' });
      await d.accounts.saveSmsAccount(tx, shopId, { vendor: 'tencent', accessKeyId: SMS_SANDBOX.secretId, accessKeySecret: SMS_SANDBOX.secretKey, sdkAppId: SMS_SANDBOX.smsSdkAppId, signName: '私域好物', region: 'ap-guangzhou' });
      for (const s of SMS_TOPICS) {
        const t = SMS_SANDBOX_TEMPLATES.find((x) => x.id === s.id)!;
        await d.messaging.createTemplate(tx, shopId, { name: `${t.name}短信`, topic: s.topic, channel: 'sms', vendorTemplateId: t.id, content: t.text, fields: s.fields.map((value, i) => ({ key: String(i + 1), value })), link: null, enabled: true });
      }
      await d.oa.saveAutoReply(tx, shopId, null, { kind: 'follow', keyword: null, match: 'exact', reply: '欢迎关注私域好物!新人无门槛5元券已在领券中心等你。回复「门店」查看门店地址。', enabled: true });
      await d.oa.saveAutoReply(tx, shopId, null, { kind: 'keyword', keyword: '门店', match: 'contains', reply: '深圳南山旗舰店:广东省深圳市南山区科技园南区 1 号,10:00-22:00。', enabled: true });
    });
    await d.oa.test(shopId, 'oa');
    await d.oa.importRecommended(shopId, 'oa_template');
    await d.oa.importRecommended(shopId, 'mini_subscribe');
  } catch (err) {
    p.log.warn({ err }, 'demo messaging set-up failed; connect the channels in 触达 › 渠道设置');
  }
}
