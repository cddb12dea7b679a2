import type { GroupConditions, TagRule } from '@siyu/contracts';
import type { TFunction } from '../../lib/i18n';
import type { CategoryNode } from '../../lib/types';

/** Tags and groups as the API returns them (shared by the tag, group and customer pages). */
export type TagKind = 'manual' | 'auto' | 'source';

export interface CustomerTag {
  id: string;
  name: string;
  color: string;
  kind: TagKind;
  rule?: TagRule | null;
  /** How many customers carry it (the tag list only). */
  customers?: number;
}

export interface CustomerGroup {
  id: string;
  name: string;
  kind: 'static' | 'dynamic';
  conditions: GroupConditions | null;
  count: number;
  createdAt: string;
  updatedAt: string;
}

export interface GroupMember {
  id: string;
  phone: string | null;
  nickname: string | null;
  registeredAt: string;
}

export const SOURCES = ['sms', 'wechat', 'import'] as const;

/** 100000 → "¥1000", 1050 → "¥10.50": rule text reads like the merchant typed it. */
export function yuanText(fen: number): string {
  const yuan = fen / 100;
  return `¥${fen % 100 === 0 ? String(yuan) : yuan.toFixed(2)}`;
}

/** id → "服装 / T恤" for every category of the tree. */
export function categoryPaths(nodes: CategoryNode[], prefix = '', out: Record<string, string> = {}): Record<string, string> {
  for (const n of nodes) {
    const path = prefix ? `${prefix} / ${n.name}` : n.name;
    out[n.id] = path;
    categoryPaths(n.children, path, out);
  }
  return out;
}

/** "近90天消费满¥1000" / "购买过 服装 / T恤" */
export function ruleText(rule: TagRule | null | undefined, categories: Record<string, string> | null, t: TFunction): string {
  if (!rule) return '-';
  if (rule.type === 'paid_in_days') return t('tags.rule.paidText', { days: rule.days, amount: yuanText(rule.minFen) });
  const name = categories ? (categories[rule.categoryId] ?? t('tags.categoryGone')) : '…';
  return t('tags.rule.boughtText', { category: name });
}

/** A dynamic group's conditions as short phrases, in the order the form shows them. */
export function conditionPhrases(
  c: GroupConditions | null,
  names: { levels: Record<string, string> | null; tags: Record<string, string> | null },
  t: TFunction,
): string[] {
  if (!c) return [];
  const out: string[] = [];
  const levelNames = (c.levelIds ?? []).map((id) => names.levels?.[id] ?? (names.levels ? t('groups.levelGone') : '…'));
  if (c.noLevel) levelNames.push(t('groups.noLevel'));
  if (levelNames.length) out.push(t('groups.cond.levels', { list: levelNames.join('、') }));
  if (c.tagIds?.length) {
    const tagNames = c.tagIds.map((id) => names.tags?.[id] ?? (names.tags ? t('groups.tagGone') : '…')).join('、');
    out.push(t(c.tagMatch === 'all' ? 'groups.cond.tagsAll' : 'groups.cond.tagsAny', { list: tagNames }));
  }
  if (c.minSpendFen !== undefined && c.maxSpendFen !== undefined) out.push(t('groups.cond.spendBetween', { min: yuanText(c.minSpendFen), max: yuanText(c.maxSpendFen) }));
  else if (c.minSpendFen !== undefined) out.push(t('groups.cond.spendMin', { min: yuanText(c.minSpendFen) }));
  else if (c.maxSpendFen !== undefined) out.push(t('groups.cond.spendMax', { max: yuanText(c.maxSpendFen) }));
  if (c.lastOrderWithinDays) out.push(t('groups.cond.orderedWithin', { n: c.lastOrderWithinDays }));
  if (c.noOrderForDays) out.push(t('groups.cond.noOrderFor', { n: c.noOrderForDays }));
  if (c.neverOrdered) out.push(t('groups.cond.neverOrdered'));
  if (c.sources?.length) out.push(t('groups.cond.sources', { list: c.sources.map((s) => t(`customer.source.${s}`)).join('、') }));
  if (c.registeredWithinDays) out.push(t('groups.cond.registeredWithin', { n: c.registeredWithinDays }));
  return out;
}
