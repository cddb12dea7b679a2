import { useEffect, useMemo, useRef, useState } from 'react';
import { Select } from 'antd';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import type { Paged } from '../../lib/types';
import type { GroupListItem } from './types-groups';

type Known = { chatId: string; name: string; memberCount?: number; ownerName?: string | null; owner?: string };
const NONE: Known[] = [];

/**
 * Picks customer groups by name. The corp may have thousands, so typing asks the server (`q`) rather than
 * loading them all; groups already chosen keep their names from `known` even when a search leaves them out.
 */
export function GroupPicker({
  value,
  onChange,
  max,
  known = NONE,
  testId,
  placeholder,
  style,
}: {
  value?: string[];
  onChange?: (v: string[]) => void;
  max?: number;
  known?: Known[];
  testId: string;
  placeholder?: string;
  style?: React.CSSProperties;
}) {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const list = useApi<Paged<GroupListItem>>('/wecom/groups', { page: 1, pageSize: 100, q: q || undefined });
  const [seen, setSeen] = useState<Map<string, Known>>(new Map());

  useEffect(() => {
    const add = [...known, ...(list.data?.items ?? [])];
    if (!add.length) return;
    // Only a group not seen yet changes the state: a new Map on every answer would render for ever.
    setSeen((prev) => {
      const fresh = add.filter((g) => !prev.has(g.chatId) || prev.get(g.chatId)!.name !== g.name);
      if (!fresh.length) return prev;
      const next = new Map(prev);
      for (const g of fresh) next.set(g.chatId, { ...next.get(g.chatId), ...g });
      return next;
    });
  }, [list.data, known]);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);

  const label = (g: Known) => {
    const owner = g.ownerName ?? g.owner;
    const bits = [g.memberCount !== undefined ? t('wecom.grp.peopleN', { n: g.memberCount }) : null, owner ? t('wecom.grp.ownerIs', { name: owner }) : null].filter(Boolean);
    return `${g.name || t('wecom.grp.unnamed')}${bits.length ? ` · ${bits.join(t('common.listSep'))}` : ''}`;
  };
  const options = useMemo(() => {
    const shown = new Set((list.data?.items ?? []).map((g) => g.chatId));
    const chosen = (value ?? []).filter((id) => !shown.has(id)).map((id) => seen.get(id) ?? { chatId: id, name: id });
    return [...chosen, ...(list.data?.items ?? [])].map((g) => ({ value: g.chatId, label: label(g) }));
  }, [list.data, seen, value]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <Select
      mode="multiple"
      allowClear
      value={value}
      onChange={onChange}
      maxCount={max}
      options={options}
      loading={list.loading}
      showSearch={{
        filterOption: false,
        onSearch: (v) => {
          if (timer.current) clearTimeout(timer.current);
          timer.current = setTimeout(() => setQ(v.trim()), 300);
        },
      }}
      notFoundContent={list.loading ? undefined : <span className="muted">{q ? t('wecom.grp.noMatch') : t('wecom.grp.pickerEmpty')}</span>}
      placeholder={placeholder ?? t('wecom.grp.pick')}
      style={{ maxWidth: 640, ...style }}
      data-testid={testId}
    />
  );
}
