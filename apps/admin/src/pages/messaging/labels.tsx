import { Tag, Tooltip } from 'antd';
import {
  BROADCAST_STATUS_LABELS,
  CHANNEL_LABELS,
  DELIVERY_STATUS_LABELS,
  TOPIC_LABELS,
  type BroadcastStatus,
  type Channel,
  type DeliveryStatus,
  type Topic,
} from '@siyu/contracts';
import { textLang, useI18n, type Lang, type TFunction } from '../../lib/i18n';
import type { Broadcast } from './types';

/** Names of channels, topics and statuses come from the contracts, in the console's language. */
export const channelText = (c: Channel | null | undefined, lang: Lang) => (c ? (CHANNEL_LABELS[c]?.[textLang(lang)] ?? c) : '-');
export const topicText = (topic: Topic, lang: Lang) => TOPIC_LABELS[topic]?.[textLang(lang)] ?? topic;
export const deliveryStatusText = (s: DeliveryStatus, lang: Lang) => DELIVERY_STATUS_LABELS[s]?.[textLang(lang)] ?? s;
export const broadcastStatusText = (s: BroadcastStatus, lang: Lang) => BROADCAST_STATUS_LABELS[s]?.[textLang(lang)] ?? s;

export const DELIVERY_COLORS: Record<DeliveryStatus, string> = {
  pending: 'default',
  sending: 'processing',
  sent: 'blue',
  delivered: 'green',
  failed: 'red',
  capped: 'orange',
  opted_out: 'purple',
  unreachable: 'gold',
};

export function DeliveryStatusTag({ status, reason }: { status: DeliveryStatus; reason?: string | null }) {
  const { lang } = useI18n();
  const tag = (
    <Tag color={DELIVERY_COLORS[status]} data-testid="delivery-status" data-status={status}>
      {deliveryStatusText(status, lang)}
    </Tag>
  );
  return reason ? <Tooltip title={reason}>{tag}</Tooltip> : tag;
}

const BROADCAST_COLORS: Record<BroadcastStatus, string> = {
  draft: 'default',
  scheduled: 'cyan',
  preparing: 'blue',
  sending: 'processing',
  paused: 'orange',
  cancelled: 'default',
  done: 'green',
};

export function BroadcastStatusTag({ status }: { status: BroadcastStatus }) {
  const { lang } = useI18n();
  return (
    <Tag color={BROADCAST_COLORS[status]} data-testid="broadcast-status" data-status={status}>
      {broadcastStatusText(status, lang)}
    </Tag>
  );
}

/** 全部客户 / 分组: 高价值 / 标签: 新客; names of groups and tags the page has loaded. */
export function audienceText(a: Broadcast['audience'], t: TFunction, names: { groups?: Map<string, string>; tags?: Map<string, string> } = {}) {
  if (a.kind === 'all') return t('msg.bc.audience.all');
  if (a.kind === 'group') return `${t('msg.bc.audience.group')}: ${names.groups?.get(a.groupId) ?? a.groupId.slice(0, 8)}`;
  return `${t('msg.bc.audience.tag')}: ${names.tags?.get(a.tagId) ?? a.tagId.slice(0, 8)}`;
}

/** The chain a message tries, in order: 小程序订阅消息 → 公众号模板消息 → 短信. */
export const chainText = (channels: readonly Channel[], lang: Lang) => channels.map((c) => channelText(c, lang)).join(' → ');

/** 0.0345 → "3.45%". */
export const pctText = (ratio: number | null | undefined, digits = 2) => (ratio === null || ratio === undefined || !Number.isFinite(ratio) ? '-' : `${(ratio * 100).toFixed(digits)}%`);

/**
 * The placeholders of a vendor template's approved text, in order: `{{thing1.DATA}}` (WeChat) → thing1,
 * `{1}` / `${code}` (SMS) → 1 / code.
 */
export function contentKeywords(content: string): string[] {
  const keys: string[] = [];
  const re = /\{\{\s*([A-Za-z0-9_]+)(?:\.DATA)?\s*\}\}|\$\{\s*([A-Za-z0-9_]+)\s*\}|\{\s*([A-Za-z0-9_]+)\s*\}/g;
  for (const m of content.matchAll(re)) {
    const k = m[1] ?? m[2] ?? m[3];
    if (k && !keys.includes(k)) keys.push(k);
  }
  return keys;
}

/** The vendor's text with each keyword replaced by its field's (already rendered) value. */
export function fillContent(content: string, fields: { key: string; value: string }[]): string {
  const byKey = new Map(fields.map((f) => [f.key, f.value]));
  const pick = (m: string, k: string) => (byKey.has(k) ? byKey.get(k)! : m);
  return content
    .replace(/\{\{\s*([A-Za-z0-9_]+)(?:\.DATA)?\s*\}\}/g, (m, k: string) => pick(m, k))
    .replace(/\$\{\s*([A-Za-z0-9_]+)\s*\}/g, (m, k: string) => pick(m, k))
    .replace(/\{\s*([A-Za-z0-9_]+)\s*\}/g, (m, k: string) => pick(m, k));
}

/** SMS segments: one up to 70 characters, else 67 per segment (the vendors' billing). */
export const smsSegments = (text: string) => {
  const n = [...text].length;
  return n <= 70 ? 1 : Math.ceil(n / 67);
};
