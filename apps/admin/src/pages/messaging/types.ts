import type { BroadcastAudience, BroadcastStatus, BroadcastVariant, Channel, DeliveryStatus, MessageTemplateBody, Topic } from '@siyu/contracts';

/** What the 触达 (reach) admin routes answer; requests are the @siyu/contracts bodies. */

export type SendChannel = Exclude<Channel, 'wecom'>;
export const SEND_CHANNELS: readonly SendChannel[] = ['mini_subscribe', 'oa_template', 'sms'];

/** A WeChat official account or mini-program as the server shows it: secrets masked. */
export interface MpAccount {
  id: string;
  kind: 'oa' | 'mini';
  name: string;
  appId: string;
  /** Masked ("abc…xyz"); never sent back. */
  appSecret: string | null;
  token: string | null;
  encodingAesKey: string | null;
  state: 'developer' | 'trial' | 'formal' | string;
  menu: { button?: MenuButtonData[] } | null;
  verifiedAt: string | null;
  lastError: string | null;
  callbackUrl: string | null;
}

export interface MenuButtonData {
  name: string;
  type?: 'view' | 'click' | 'miniprogram';
  url?: string;
  key?: string;
  appid?: string;
  pagepath?: string;
  sub_button?: MenuButtonData[];
}

export interface SmsAccount {
  vendor: 'tencent' | 'aliyun';
  accessKeyId: string;
  accessKeySecret: string | null;
  sdkAppId: string | null;
  signName: string;
  region: string;
  verifiedAt: string | null;
}

/** Where the SMS vendor reports delivery and forwards replies (拒收 R), to enter in its console. */
export interface SmsCallbacks {
  tencentStatusUrl: string;
  tencentReplyUrl: string;
  aliyunReportUrl: string;
  aliyunUpUrl: string;
}

export interface Channels {
  oa: MpAccount | null;
  mini: MpAccount | null;
  sms: SmsAccount | null;
  smsCallbacks?: SmsCallbacks;
}

export interface TestResult {
  ok: boolean;
  error?: string;
  templates?: number;
  followers?: number;
}

export type MessageTemplate = MessageTemplateBody & { id: string; createdAt: string };

export interface VendorTemplate {
  templateId: string;
  title: string;
  content: string;
  example: string;
}

export interface QrCode {
  id: string;
  name: string;
  kind: 'temporary' | 'permanent';
  scene: string;
  url: string | null;
  expiresAt: string | null;
  tagIds: string[];
  groupId: string | null;
  welcome: string | null;
  scans: number;
  follows: number;
  imageUrl: string;
  createdAt: string;
}

export interface AutoReply {
  id: string;
  kind: 'follow' | 'keyword';
  keyword: string | null;
  match: 'exact' | 'contains';
  reply: string;
  enabled: boolean;
  createdAt?: string;
}

export interface Follower {
  openid: string;
  unionid: string | null;
  customerId: string | null;
  customerName: string | null;
  subscribed: boolean;
  subscribedAt: string | null;
  sourceQr: string | null;
  sourceScene: string | null;
}

export interface Delivery {
  id: string;
  customerId: string;
  customerName: string | null;
  topic: Topic;
  transactional: boolean;
  channel: Channel | null;
  channels: Channel[];
  status: DeliveryStatus;
  reason: string | null;
  recipient: string | null;
  templateName: string | null;
  broadcastId: string | null;
  createdAt: string;
  sentAt: string | null;
  deliveredAt: string | null;
}

/** Contacts the budget counted: `total` and one per channel. */
export type Counter = Record<'total' | Channel, number>;

export interface CustomerMessagesData {
  items: Delivery[];
  preferences: { refusedTopics: Topic[]; refusedChannels: SendChannel[]; smsMarketing: boolean };
  counters: { today: Partial<Counter>; week: Partial<Counter> };
}

export interface BroadcastProgress {
  total: number;
  done: number;
  sent: number;
  delivered: number;
  failed: number;
  capped: number;
  optedOut: number;
  unreachable: number;
}

export interface Broadcast {
  id: string;
  name: string;
  status: BroadcastStatus;
  audience: BroadcastAudience;
  channels: SendChannel[];
  templateIds?: Record<string, string>;
  vars?: Record<string, string>;
  link?: string | null;
  holdoutPercent: number;
  attributionDays?: number;
  scheduledAt: string | null;
  /** An A/B test's arms, the control first; empty for a plain broadcast. */
  variants?: BroadcastVariant[];
  recipients: number;
  holdout: number;
  queued: number;
  progress: BroadcastProgress;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface BroadcastEstimate {
  audience: number;
  holdout: number;
  toSend: number;
  reachable: Record<SendChannel, number>;
  unreachable: number;
  smsCount: number;
  costFen: number;
}
