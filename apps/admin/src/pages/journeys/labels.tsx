import { Tag } from 'antd';
import {
  JOURNEY_EVENT_LABELS,
  JOURNEY_NODE_LABELS,
  JOURNEY_STATUS_LABELS,
  type Duration,
  type JourneyEvent,
  type JourneyNode,
  type JourneyNodeType,
  type JourneyStatus,
  type JourneyTrigger,
  type SegmentRule,
} from '@siyu/contracts';
import { segmentsEn, segmentsZh } from '../../lib/dict-segments';
import { describeRule, translator } from '../customers/segment-rule';
import { textLang, useI18n, type Lang, type TFunction } from '../../lib/i18n';
import { fmtTime } from '../../lib/format';
import { chainText } from '../messaging/labels';
import { OUT, PICK_ME } from './graph';

/** Names of what journeys point at (groups, tags, templates, coupons, levels), as loaded by the page. */
export interface Names {
  groups: Map<string, string>;
  tags: Map<string, string>;
  templates: Map<string, string>;
  coupons: Map<string, string>;
  levels: Map<string, string>;
  categories: Map<string, string>;
}
export const NO_NAMES: Names = { groups: new Map(), tags: new Map(), templates: new Map(), coupons: new Map(), levels: new Map(), categories: new Map() };

const nameOr = (m: Map<string, string>, id: string | undefined, t?: TFunction) => (id === PICK_ME || !id ? (t ? t('jr.sum.choose') : '?') : (m.get(id) ?? id.slice(0, 8)));

export const eventText = (e: string, lang: Lang) => JOURNEY_EVENT_LABELS[e as JourneyEvent]?.[textLang(lang)] ?? e;
export const nodeTypeText = (type: JourneyNodeType | string, lang: Lang) => JOURNEY_NODE_LABELS[type as JourneyNodeType]?.[textLang(lang)] ?? type;
export const statusText = (s: JourneyStatus, lang: Lang) => JOURNEY_STATUS_LABELS[s]?.[textLang(lang)] ?? s;

const STATUS_COLORS: Record<JourneyStatus, string> = { draft: 'default', live: 'processing', paused: 'orange', ended: 'default' };

export function JourneyStatusTag({ status }: { status: JourneyStatus }) {
  const { lang } = useI18n();
  return (
    <Tag color={STATUS_COLORS[status]} data-testid="journey-status" data-status={status}>
      {statusText(status, lang)}
    </Tag>
  );
}

export const durationText = (d: Duration | undefined, t: TFunction) => (d ? t(`jr.unit.${d.unit}`, { n: d.amount }) : '-');
const hourText = (h: number, m = 0) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;

/** 生日前 3 天 10:00 / 会员卡到期后 1 天 10:00 / 最近支付当天 10:00 */
export function dateOffsetText(property: string, offsetDays: number, hour: number, t: TFunction) {
  const prop = t(`jr.dateProp.${property}` as 'jr.dateProp.birthday');
  const when = offsetDays === 0 ? t('jr.sameDay') : offsetDays < 0 ? t('jr.daysBefore', { n: -offsetDays }) : t('jr.daysAfter', { n: offsetDays });
  return `${prop}${when} ${hourText(hour)}`;
}

/**
 * The trigger in a phrase: 加入购物车时 / 进入人群「高价值」时 / 生日前 3 天 10:00 / 每周 · 人群「新客」.
 * The list carries only a trigger's kind, event and group: what is missing is left out of the phrase.
 */
export function triggerText(tr: (Partial<JourneyTrigger> & { kind: JourneyTrigger['kind'] }) | undefined, t: TFunction, lang: Lang, names: Names = NO_NAMES): string {
  if (!tr) return '-';
  const x = tr as Partial<Record<string, unknown>> & { kind: JourneyTrigger['kind'] };
  switch (x.kind) {
    case 'event': {
      const where = Array.isArray(x.where) ? x.where.length : 0;
      return x.event ? t('jr.trigger.eventText', { event: eventText(String(x.event), lang) }) + (where ? t('jr.trigger.whereN', { n: where }) : '') : t('jr.trigger.kind.event');
    }
    case 'segment_entered':
      return t('jr.trigger.segmentText', { group: nameOr(names.groups, x.groupId as string | undefined, t) });
    case 'date_property':
      return typeof x.property === 'string' && typeof x.offsetDays === 'number' ? dateOffsetText(x.property, x.offsetDays, typeof x.hour === 'number' ? x.hour : 10, t) : t('jr.trigger.kind.date_property');
    case 'schedule':
      return x.at
        ? t('jr.trigger.scheduleText', { every: t(`jr.every.${(x.every as string) ?? 'once'}` as 'jr.every.once'), time: fmtTime(x.at as string), group: nameOr(names.groups, x.groupId as string | undefined, t) })
        : `${t('jr.trigger.kind.schedule')} · ${nameOr(names.groups, x.groupId as string | undefined, t)}`;
    default:
      return '-';
  }
}

/** A condition node's rule in one sentence, worded as the segment builder words a group's rule. */
export function ruleText(rule: SegmentRule | undefined, lang: Lang, names: Names = NO_NAMES): string {
  const record = (m: Map<string, string>) => (m.size ? Object.fromEntries(m) : null);
  return describeRule(rule, { lang: textLang(lang), t: translator(lang === 'zh-CN' ? segmentsZh : segmentsEn), levels: record(names.levels), tags: record(names.tags), categories: record(names.categories) });
}

/** What a node does, in a line for the canvas and the previews. */
export function nodeSummary(n: JourneyNode, t: TFunction, lang: Lang, names: Names = NO_NAMES): string {
  switch (n.type) {
    case 'wait':
      return t('jr.sum.wait', { d: durationText(n.duration, t) });
    case 'wait_until_time':
      return t('jr.sum.waitUntilTime', { time: hourText(n.hour ?? 0, n.minute ?? 0) });
    case 'wait_until_date':
      return dateOffsetText(n.property, n.offsetDays, n.hour ?? 10, t);
    case 'wait_event':
      return t('jr.sum.waitEvent', { event: eventText(n.event, lang), d: durationText(n.timeout, t) });
    case 'condition':
      return ruleText(n.rule, lang, names);
    case 'random_split':
      return n.branches.map((b) => `${b.key} ${b.percent}%`).join(' · ');
    case 'send': {
      const tpl = n.channels.map((c) => names.templates.get(n.templateIds?.[c] ?? '')).filter(Boolean);
      return chainText(n.channels, lang) + (tpl.length ? ` · ${tpl.join(' / ')}` : n.channels.some((c) => !n.templateIds?.[c] || n.templateIds[c] === PICK_ME) ? ` · ${t('jr.sum.choose')}` : '');
    }
    case 'coupon':
      return nameOr(names.coupons, n.couponTemplateId, t);
    case 'points':
      return t('jr.sum.points', { n: n.points });
    case 'tag':
      return `${t(n.action === 'remove' ? 'jr.tag.remove' : 'jr.tag.add')} ${n.tagIds.map((id) => nameOr(names.tags, id, t)).join('、') || t('jr.sum.choose')}`;
    case 'webhook': {
      try {
        return new URL(n.url).host || n.url;
      } catch {
        return n.url || '-';
      }
    }
    case 'exit':
      return t('jr.sum.exit');
  }
}

/** 是 / 否 / 超时 / a split key as it is. */
export function branchText(branch: string, t: TFunction) {
  if (branch === OUT) return '';
  if (branch === 'yes' || branch === 'no' || branch === 'timeout') return t(`jr.branch.${branch}`);
  return branch;
}
