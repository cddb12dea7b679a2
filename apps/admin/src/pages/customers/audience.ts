import type { SegmentRule, TagRule } from '@siyu/contracts';
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
  /** A dynamic group is a segment: its rule (older flat conditions arrive converted); null for static. */
  conditions: SegmentRule | null;
  count: number;
  /** When a dynamic group's members were last recomputed in full (null: not yet). */
  refreshedAt: string | null;
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
