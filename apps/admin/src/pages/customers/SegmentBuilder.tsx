import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Button, Checkbox, Input, InputNumber, Progress, Segmented, Select, Spin, Tooltip, TreeSelect } from 'antd';
import { ApartmentOutlined, DeleteOutlined, FilterOutlined, PlusOutlined } from '@ant-design/icons';
import { RFM_LABELS, RFM_TYPES, SEGMENT_CONDITION_LABELS, type PropertyFilter, type SegmentRule } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { useApi } from '../../lib/hooks';
import { contractMessage } from '../../lib/i18n';
import type { CategoryNode } from '../../lib/types';
import { EventSelect, EventsContext, FilterRows } from '../analytics/builder';
import { fmtInt, fmtPct, type EventInfo } from '../analytics/model';
import type { MemberLevelsData } from '../loyalty/MemberLevels';
import { categoryTree } from '../products/ProductList';
import { categoryPaths, SOURCES, type CustomerTag } from './audience';
import { useSegI18n } from './segment-i18n';
import {
  addCondition,
  addGroup,
  canAddGroup,
  CONDITION_TYPES,
  defaultCondition,
  isGroup,
  MAX_ITEMS,
  pathKey,
  removeAt,
  setOp,
  setType,
  updateAt,
  type CondType,
  type DescribeContext,
  type DraftCondition,
  type DraftRule,
  type Path,
  type RuleIssue,
} from './segment-rule';
import '../analytics/analytics.css';
import './segments.css';

/** What the pickers of the builder choose from, and the names the one-sentence description uses. */
export interface SegmentLookups {
  levels: { id: string; name: string }[] | null;
  tags: CustomerTag[];
  categories: CategoryNode[] | null;
  events: EventInfo[] | undefined;
  /** WeCom staff (企微员工) for "owned by"; null when the staff member may not read them or none synced. */
  staff: { userid: string; name: string }[] | null;
  loading: { levels: boolean; tags: boolean; categories: boolean; staff: boolean };
  names: Pick<DescribeContext, 'levels' | 'tags' | 'categories' | 'staff'>;
}

/**
 * Loads the builder's pickers, each only where the staff member may read it. Events (the analytics
 * engine, slower) load only once `withEvents` is set, i.e. while the builder is open.
 */
export function useSegmentLookups(withEvents: boolean): SegmentLookups {
  const { can } = useAuth();
  const levels = useApi<MemberLevelsData>(can('loyalty:read') ? '/members/levels' : null);
  const tags = useApi<{ items: CustomerTag[] }>('/tags');
  const cats = useApi<{ items: CategoryNode[] }>(can('catalog:read') ? '/categories' : null);
  const events = useApi<{ items: EventInfo[] }>(withEvents && can('analytics:read') ? '/analytics/events' : null);
  const staff = useApi<{ items: { userid: string; name: string }[] }>(can('messaging:read') ? '/wecom/staff' : null);
  return useMemo(
    () => ({
      levels: levels.data ? levels.data.levels.map((l) => ({ id: l.id, name: l.name })) : null,
      tags: tags.data?.items ?? [],
      categories: cats.data?.items ?? null,
      events: events.data?.items,
      staff: staff.data?.items ?? null,
      loading: { levels: levels.loading, tags: tags.loading, categories: cats.loading, staff: staff.loading },
      names: {
        levels: levels.data ? Object.fromEntries(levels.data.levels.map((l) => [l.id, l.name])) : null,
        tags: tags.data ? Object.fromEntries(tags.data.items.map((x) => [x.id, x.name])) : null,
        categories: cats.data ? categoryPaths(cats.data.items) : null,
        staff: staff.data ? Object.fromEntries(staff.data.items.map((m) => [m.userid, m.name])) : null,
      },
    }),
    [levels.data, levels.loading, tags.data, tags.loading, cats.data, cats.loading, events.data, staff.data, staff.loading],
  );
}

interface BuilderCtx {
  lookups: SegmentLookups;
  issues: Map<string, RuleIssue[]>;
  /** Conditions the merchant has edited: their problems show at once; new rows wait for a save attempt. */
  touched: WeakSet<object>;
  showAll: boolean;
  disabled?: boolean;
  change: (next: DraftRule, touchedItem?: object) => void;
  rule: DraftRule;
}
const Ctx = createContext<BuilderCtx | null>(null);
const useBuilder = () => useContext(Ctx)!;

/**
 * The segment builder: nested AND / OR groups (at most three levels), a row per condition with the
 * pickers of its type, and each row's problems (the contract's schema and the builder's own checks)
 * under it.
 */
export function SegmentBuilder({ value, onChange, issues, showAllErrors, lookups, disabled }: { value: DraftRule; onChange: (r: DraftRule) => void; issues: RuleIssue[]; showAllErrors: boolean; lookups: SegmentLookups; disabled?: boolean }) {
  const touched = useRef(new WeakSet<object>()).current;
  const byPath = useMemo(() => {
    const m = new Map<string, RuleIssue[]>();
    for (const i of issues) m.set(pathKey(i.path), [...(m.get(pathKey(i.path)) ?? []), i]);
    return m;
  }, [issues]);
  const ctx: BuilderCtx = {
    lookups,
    issues: byPath,
    touched,
    showAll: showAllErrors,
    disabled,
    rule: value,
    change: (next, item) => {
      if (item) touched.add(item);
      onChange(next);
    },
  };
  return (
    <EventsContext.Provider value={lookups.events}>
      <Ctx.Provider value={ctx}>
        <div className="seg-builder" data-testid="seg-builder">
          <GroupBox group={value} path={[]} />
        </div>
      </Ctx.Provider>
    </EventsContext.Provider>
  );
}

function Joint({ op, path }: { op: 'and' | 'or'; path: Path }) {
  const { t } = useSegI18n();
  const { change, rule, disabled } = useBuilder();
  return (
    <div className="seg-joint">
      <Tooltip title={t('seg.op.toggle')}>
        <button type="button" className={`seg-joint-tag seg-${op}`} disabled={disabled} onClick={() => change(setOp(rule, path, op === 'and' ? 'or' : 'and'))}>
          {t(`seg.op.${op}`)}
        </button>
      </Tooltip>
    </div>
  );
}

function GroupBox({ group, path }: { group: DraftRule; path: Path }) {
  const { t } = useSegI18n();
  const { change, rule, issues, showAll, disabled } = useBuilder();
  const key = pathKey(path) || 'root';
  const level = path.length + 1;
  const own = (issues.get(pathKey(path)) ?? []).filter((i) => i.field === null);
  const isRoot = path.length === 0;
  const full = group.items.length >= MAX_ITEMS;
  const mayNest = canAddGroup(path);
  const visible = own.filter((i) => showAll || !isRoot || i.key !== 'seg.emptyGroup');
  return (
    <div className={`seg-group seg-level-${level} seg-${group.op}`} data-testid={`seg-group-${key}`}>
      <div className="seg-group-head">
        <Segmented
          size="small"
          value={group.op}
          disabled={disabled}
          onChange={(op) => change(setOp(rule, path, op as 'and' | 'or'))}
          options={[
            { value: 'and', label: t('seg.op.and') },
            { value: 'or', label: t('seg.op.or') },
          ]}
          aria-label={t('seg.op.toggle')}
          data-testid={`seg-op-${key}`}
        />
        <span className="seg-group-hint">{t(group.op === 'and' ? 'seg.op.andHint' : 'seg.op.orHint')}</span>
        <span className="seg-spacer" />
        {!isRoot && (
          <Tooltip title={t('seg.removeGroup')}>
            <Button type="text" size="small" icon={<DeleteOutlined />} aria-label={t('seg.removeGroup')} disabled={disabled} onClick={() => change(removeAt(rule, path))} data-testid={`seg-remove-${key}`} />
          </Tooltip>
        )}
      </div>
      {isRoot && group.items.length === 0 && <div className="seg-empty muted">{t('seg.emptyRoot')}</div>}
      <div className="seg-items">
        {group.items.map((item, i) => {
          const at = [...path, i];
          return (
            <div key={i} className="seg-item">
              {i > 0 && <Joint op={group.op} path={path} />}
              {isGroup(item) ? <GroupBox group={item} path={at} /> : <ConditionRow cond={item} path={at} />}
            </div>
          );
        })}
      </div>
      {visible.length > 0 && (
        <div className="seg-error" role="alert">
          {visible.map((i) => (i.key ? t(i.key) : contractMessage(i.message ?? ''))).join(';')}
        </div>
      )}
      <div className="seg-group-foot">
        <Button type="dashed" size="small" icon={<PlusOutlined />} disabled={disabled || full} onClick={() => change(addCondition(rule, path, defaultCondition('event')))} data-testid={`seg-add-${key}`}>
          {t('seg.addCondition')}
        </Button>
        <Tooltip title={!mayNest ? t('seg.maxDepth') : full ? t('seg.maxItems') : undefined}>
          <Button type="dashed" size="small" icon={<ApartmentOutlined />} disabled={disabled || full || !mayNest} onClick={() => change(addGroup(rule, path, defaultCondition('tag')))} data-testid={`seg-add-group-${key}`}>
            {t('seg.addGroup')}
          </Button>
        </Tooltip>
      </div>
    </div>
  );
}

/** Whether an issue is about `field` (or something under it: `where` takes `where.0.value`). */
const about = (i: RuleIssue, field: string) => i.field === field || (i.field ?? '').startsWith(`${field}.`);

function ConditionRow({ cond, path }: { cond: DraftCondition; path: Path }) {
  const { t, tl } = useSegI18n();
  const { change, rule, issues, touched, showAll, disabled } = useBuilder();
  const w = (zh: number, en: number) => (tl === 'zh' ? zh : en);
  const key = pathKey(path);
  const mine = (issues.get(key) ?? []).filter(() => showAll || touched.has(cond));
  const status = (field: string) => (mine.some((i) => about(i, field)) ? ('error' as const) : undefined);
  const set = (patch: Partial<DraftCondition>) => {
    const next = Object.fromEntries(Object.entries({ ...cond, ...patch }).filter(([, v]) => v !== undefined && v !== null)) as DraftCondition;
    change(updateAt(rule, path, () => next), next);
  };
  const message = (i: RuleIssue) => {
    const text = i.key ? t(i.key) : contractMessage(i.message ?? '');
    const m = /^(where)\.(\d+)\./.exec(i.field ?? '');
    return m ? `${t('seg.event.filterN', { n: Number(m[2]) + 1 })}:${text}` : text;
  };
  return (
    <div className="seg-row" data-testid={`seg-cond-${key}`} data-type={cond.type}>
      <div className="seg-row-main">
        <Select<CondType>
          size="middle"
          value={cond.type}
          disabled={disabled}
          onChange={(type) => change(setType(rule, path, type))}
          options={CONDITION_TYPES.map((c) => ({ value: c, label: SEGMENT_CONDITION_LABELS[c][tl] }))}
          style={{ width: w(118, 150) }}
          listHeight={400}
          popupMatchSelectWidth={w(140, 220)}
          aria-label={t('seg.conditionType')}
          data-testid={`seg-type-${key}`}
        />
        <div className="seg-row-body">
          <ConditionFields cond={cond} set={set} status={status} testId={`seg-${key}`} />
        </div>
        <Tooltip title={t('seg.removeCondition')}>
          <Button type="text" icon={<DeleteOutlined />} aria-label={t('seg.removeCondition')} disabled={disabled} onClick={() => change(removeAt(rule, path))} data-testid={`seg-remove-${key}`} />
        </Tooltip>
      </div>
      {mine.length > 0 && (
        <div className="seg-error" role="alert" data-testid={`seg-error-${key}`}>
          {[...new Set(mine.map(message))].join(';')}
        </div>
      )}
    </div>
  );
}

type Status = (field: string) => 'error' | undefined;
const DAYS = { min: 1, max: 3650, precision: 0 } as const;
const num = (v: number | string | null) => (typeof v === 'number' ? v : undefined);

/** A time window: all time, a preset, or any number of days typed into the search. */
function WindowSelect({ value, onChange, status, testId }: { value: number | undefined; onChange: (v: number | undefined) => void; status?: 'error'; testId: string }) {
  const { t } = useSegI18n();
  const { disabled } = useBuilder();
  const [search, setSearch] = useState('');
  const days = [7, 30, 60, 90, 180, 365];
  const typed = /^\d{1,4}$/.test(search.trim()) ? Number(search.trim()) : null;
  const extra = [value, typed].filter((d): d is number => typeof d === 'number' && d >= 1 && d <= 3650 && !days.includes(d));
  const options = [
    { value: 0, label: t('seg.allTime') },
    ...[...new Set([...days, ...extra])].sort((a, b) => a - b).map((d) => ({ value: d, label: `${t('seg.lastPrefix')} ${d} ${t('seg.days')}` })),
  ];
  return (
    <Select<number>
      value={value ?? 0}
      onChange={(v) => {
        setSearch('');
        onChange(v ? v : undefined);
      }}
      options={options}
      showSearch={{ onSearch: setSearch, filterOption: (input, o) => !input || String(o?.value) === input.trim() || String(o?.label).includes(input) }}
      status={status}
      disabled={disabled}
      style={{ width: 130 }}
      aria-label={t('seg.a.window')}
      data-testid={testId}
    />
  );
}

const OPS: PropertyFilter['op'][] = ['eq', 'neq', 'contains', 'gt', 'lt', 'set', 'not_set'];

function ConditionFields({ cond: c, set, status, testId }: { cond: DraftCondition; set: (patch: Partial<DraftCondition>) => void; status: Status; testId: string }) {
  const { t, tl } = useSegI18n();
  const { lookups, disabled } = useBuilder();
  /** English words are longer than their Chinese: the same control a little wider. */
  const w = (zh: number, en: number) => (tl === 'zh' ? zh : en);
  const daysInput = (value: number | undefined, onChange: (v: number | undefined) => void, field: string, opts: { label: string; prefix?: ReactNode; suffix?: ReactNode; placeholder?: string; width?: number }) => (
    <InputNumber
      {...DAYS}
      value={value ?? null}
      onChange={(v) => onChange(num(v))}
      prefix={opts.prefix}
      suffix={opts.suffix ?? t('seg.days')}
      placeholder={opts.placeholder}
      aria-label={opts.label}
      status={status(field)}
      disabled={disabled}
      style={{ width: opts.width ?? 130 }}
      data-testid={`${testId}-${field}`}
    />
  );
  switch (c.type) {
    case 'event':
      return (
        <div className="seg-event">
          <div className="seg-fields">
            <Select
              value={c.did === false ? 'no' : 'yes'}
              onChange={(v) => set({ did: v === 'yes' })}
              options={[
                { value: 'yes', label: t('seg.event.did') },
                { value: 'no', label: t('seg.event.didNot') },
              ]}
              disabled={disabled}
              style={{ width: w(86, 112) }}
              aria-label={t('seg.a.did')}
              data-testid={`${testId}-did`}
            />
            <span className={status('event') ? 'seg-status-error' : undefined}>
              <EventSelect value={c.event} onChange={(event) => set({ event, where: [] })} ariaLabel={t('seg.event.name')} testId={`${testId}-event`} width={170} />
            </span>
            {daysInput(c.withinDays, (v) => set({ withinDays: v }), 'withinDays', { label: t('seg.a.window'), prefix: t('seg.lastPrefix'), width: 116 })}
            {c.did !== false && (
              <>
                <Select value={c.op ?? 'gte'} onChange={(op) => set({ op })} options={(['gte', 'lte', 'eq'] as const).map((o) => ({ value: o, label: t(`seg.event.op.${o}`) }))} disabled={disabled} style={{ width: w(76, 100) }} aria-label={t('seg.a.countOp')} data-testid={`${testId}-op`} />
                <InputNumber min={1} max={100000} precision={0} value={c.count ?? null} onChange={(v) => set({ count: num(v) })} suffix={t('seg.event.times')} status={status('count')} disabled={disabled} aria-label={t('seg.a.count')} style={{ width: 86 }} data-testid={`${testId}-count`} />
              </>
            )}
            <Button type="text" icon={<FilterOutlined />} disabled={disabled || (c.where?.length ?? 0) >= 5} onClick={() => set({ where: [...(c.where ?? []), { property: '', op: 'eq', value: '' }] })} data-testid={`${testId}-add-filter`}>
              {t('seg.event.addFilter')}
            </Button>
          </div>
          {(c.where?.length ?? 0) > 0 && <FilterRows event={c.event} value={c.where ?? []} onChange={(where) => set({ where })} testId={`${testId}-filters`} />}
        </div>
      );
    case 'trait': {
      const f = c.filter;
      const setFilter = (patch: Partial<PropertyFilter>) => {
        const next = { ...f, ...patch } as PropertyFilter;
        if (next.op === 'set' || next.op === 'not_set') delete next.value;
        else if (next.op === 'gt' || next.op === 'lt') next.value = typeof next.value === 'number' ? next.value : next.value !== undefined && next.value !== '' && Number.isFinite(Number(next.value)) ? Number(next.value) : undefined;
        else if (next.value !== undefined) next.value = String(next.value);
        if (next.value === undefined) delete next.value;
        set({ filter: next });
      };
      const numeric = f.op === 'gt' || f.op === 'lt';
      return (
        <div className="seg-fields">
          <Input value={f.property} onChange={(e) => setFilter({ property: e.target.value })} placeholder={t('seg.trait.propertyPlaceholder')} aria-label={t('seg.trait.property')} status={status('filter.property')} disabled={disabled} style={{ width: 150 }} maxLength={64} data-testid={`${testId}-property`} />
          <Select value={f.op} onChange={(op) => setFilter({ op })} options={OPS.map((o) => ({ value: o, label: t(`an.op.${o}`) }))} disabled={disabled} style={{ width: 100 }} aria-label={t('seg.a.traitOp')} data-testid={`${testId}-trait-op`} />
          {f.op === 'set' || f.op === 'not_set' ? null : numeric ? (
            <InputNumber value={typeof f.value === 'number' ? f.value : null} onChange={(v) => setFilter({ value: num(v) })} placeholder={t('seg.trait.value')} aria-label={t('seg.trait.value')} status={status('filter.value')} disabled={disabled} style={{ width: 140 }} data-testid={`${testId}-value`} />
          ) : (
            <Input value={f.value === undefined ? '' : String(f.value)} onChange={(e) => setFilter({ value: e.target.value })} placeholder={t('seg.trait.value')} status={status('filter.value')} disabled={disabled} style={{ width: 140 }} maxLength={200} data-testid={`${testId}-value`} />
          )}
        </div>
      );
    }
    case 'rfm':
      return (
        <Select
          mode="multiple"
          value={c.rfmTypes}
          onChange={(rfmTypes) => set({ rfmTypes })}
          options={RFM_TYPES.map((r) => ({ value: r, label: RFM_LABELS[r][tl] }))}
          placeholder={t('seg.rfm.placeholder')}
          aria-label={t('seg.rfm.placeholder')}
          status={status('rfmTypes')}
          disabled={disabled}
          style={{ minWidth: 320, flex: 1 }}
          data-testid={`${testId}-rfm`}
        />
      );
    case 'level':
      return (
        <div className="seg-fields">
          <Select
            mode="multiple"
            value={c.levelIds ?? []}
            onChange={(levelIds) => set({ levelIds })}
            options={(lookups.levels ?? []).map((l) => ({ value: l.id, label: l.name }))}
            loading={lookups.loading.levels}
            optionFilterProp="label"
            placeholder={t('seg.level.placeholder')}
            aria-label={t('seg.level.placeholder')}
            status={status('levelIds')}
            disabled={disabled}
            style={{ minWidth: 260 }}
            data-testid={`${testId}-levels`}
          />
          <Checkbox checked={!!c.noLevel} onChange={(e) => set({ noLevel: e.target.checked })} disabled={disabled} data-testid={`${testId}-no-level`}>
            {t('seg.level.noLevel')}
          </Checkbox>
        </div>
      );
    case 'tag':
      return (
        <div className="seg-fields">
          <Select value={c.match ?? 'any'} onChange={(match) => set({ match })} options={(['any', 'all', 'none'] as const).map((m) => ({ value: m, label: t(`seg.tag.${m}`) }))} disabled={disabled} style={{ width: w(96, 124) }} aria-label={t('seg.a.match')} data-testid={`${testId}-match`} />
          <Select
            mode="multiple"
            value={c.tagIds}
            onChange={(tagIds) => set({ tagIds })}
            options={lookups.tags.map((x) => ({ value: x.id, label: x.name }))}
            loading={lookups.loading.tags}
            optionFilterProp="label"
            placeholder={t('seg.tag.placeholder')}
            aria-label={t('seg.tag.placeholder')}
            status={status('tagIds')}
            disabled={disabled}
            style={{ minWidth: 260 }}
            data-testid={`${testId}-tags`}
          />
        </div>
      );
    case 'spend':
      return (
        <div className="seg-fields">
          <WindowSelect value={c.withinDays} onChange={(withinDays) => set({ withinDays })} status={status('withinDays')} testId={`${testId}-window`} />
          <Input prefix="¥" value={c.minYuan} onChange={(e) => set({ minYuan: e.target.value })} placeholder={t('seg.spend.min')} aria-label={t('seg.spend.min')} status={status('minYuan')} disabled={disabled} style={{ width: 120 }} data-testid={`${testId}-min`} />
          <span className="muted">{t('seg.to')}</span>
          <Input prefix="¥" value={c.maxYuan} onChange={(e) => set({ maxYuan: e.target.value })} placeholder={t('seg.spend.max')} aria-label={t('seg.spend.max')} status={status('maxYuan')} disabled={disabled} style={{ width: 120 }} data-testid={`${testId}-max`} />
        </div>
      );
    case 'orders':
      return (
        <div className="seg-fields">
          <WindowSelect value={c.withinDays} onChange={(withinDays) => set({ withinDays })} status={status('withinDays')} testId={`${testId}-window`} />
          <InputNumber min={0} max={100000} precision={0} value={c.min ?? null} onChange={(v) => set({ min: num(v) })} prefix={t('seg.orders.min')} suffix={t('seg.orders.unit')} placeholder={t('seg.any')} aria-label={t('seg.orders.min')} status={status('min')} disabled={disabled} style={{ width: 140 }} data-testid={`${testId}-min`} />
          <InputNumber min={0} max={100000} precision={0} value={c.max ?? null} onChange={(v) => set({ max: num(v) })} prefix={t('seg.orders.max')} suffix={t('seg.orders.unit')} placeholder={t('seg.any')} aria-label={t('seg.orders.max')} status={status('max')} disabled={disabled} style={{ width: 140 }} data-testid={`${testId}-max`} />
        </div>
      );
    case 'last_order': {
      const mode = c.never ? 'never' : c.within && c.notWithin ? 'between' : c.notWithin ? 'notWithin' : 'within';
      const setMode = (m: string) => {
        const d = c.within ?? c.notWithin ?? 30;
        if (m === 'never') set({ never: true, within: undefined, notWithin: undefined });
        else if (m === 'within') set({ never: undefined, within: d, notWithin: undefined });
        else if (m === 'notWithin') set({ never: undefined, within: undefined, notWithin: d });
        else set({ never: undefined, within: Math.max(c.within ?? 90, 2), notWithin: Math.min(c.notWithin ?? 30, Math.max(c.within ?? 90, 2) - 1) });
      };
      return (
        <div className="seg-fields">
          <Select value={mode} onChange={setMode} options={(['within', 'notWithin', 'between', 'never'] as const).map((m) => ({ value: m, label: t(`seg.last.${m}`) }))} disabled={disabled} style={{ width: w(170, 220) }} aria-label={t('seg.a.mode')} data-testid={`${testId}-mode`} />
          {mode === 'within' && daysInput(c.within, (v) => set({ within: v }), 'within', { label: t('seg.last.within'), prefix: t('seg.last.orderedWithin'), suffix: t('seg.last.daysWithin'), width: w(190, 250) })}
          {mode === 'notWithin' && daysInput(c.notWithin, (v) => set({ notWithin: v }), 'notWithin', { label: t('seg.last.notWithin'), prefix: t('seg.last.overPrefix'), suffix: t('seg.last.daysNot'), width: w(190, 260) })}
          {mode === 'between' && (
            <>
              {daysInput(c.within, (v) => set({ within: v }), 'within', { label: t('seg.last.within'), prefix: t('seg.last.orderedWithin'), suffix: t('seg.last.butNotWithin'), width: w(250, 340) })}
              {daysInput(c.notWithin, (v) => set({ notWithin: v }), 'notWithin', { label: t('seg.last.notWithin'), suffix: t('seg.last.noneFor'), width: 100 })}
            </>
          )}
        </div>
      );
    }
    case 'bought_category':
      return (
        <div className="seg-fields">
          <TreeSelect
            value={c.categoryId || undefined}
            onChange={(categoryId: string) => set({ categoryId: categoryId ?? '' })}
            treeData={categoryTree(lookups.categories ?? [])}
            treeDefaultExpandAll
            showSearch={{ treeNodeFilterProp: 'title' }}
            loading={lookups.loading.categories}
            placeholder={t('seg.category.placeholder')}
            aria-label={t('seg.category.placeholder')}
            status={status('categoryId')}
            disabled={disabled}
            style={{ width: 220 }}
            data-testid={`${testId}-category`}
          />
          <WindowSelect value={c.withinDays} onChange={(withinDays) => set({ withinDays })} status={status('withinDays')} testId={`${testId}-window`} />
        </div>
      );
    case 'source':
      return (
        <Select
          mode="multiple"
          value={c.sources}
          onChange={(sources) => set({ sources })}
          options={[...new Set([...SOURCES, ...c.sources])].map((s) => ({ value: s, label: (SOURCES as readonly string[]).includes(s) ? t(`seg.source.${s as (typeof SOURCES)[number]}`) : s }))}
          placeholder={t('seg.source.placeholder')}
          aria-label={t('seg.source.placeholder')}
          status={status('sources')}
          disabled={disabled}
          style={{ minWidth: 260 }}
          data-testid={`${testId}-sources`}
        />
      );
    case 'registered':
      return (
        <div className="seg-fields">
          {daysInput(c.withinDays, (v) => set({ withinDays: v }), 'withinDays', { label: t('seg.registered.within'), prefix: t('seg.registered.within'), placeholder: t('seg.any'), width: w(180, 230) })}
          {daysInput(c.beforeDays, (v) => set({ beforeDays: v }), 'beforeDays', { label: t('seg.registered.before'), prefix: t('seg.registered.before'), placeholder: t('seg.any'), width: w(170, 200) })}
        </div>
      );
    case 'follows_oa':
      return (
        <Segmented
          value={c.value ? 'yes' : 'no'}
          onChange={(v) => set({ value: v === 'yes' })}
          options={[
            { value: 'yes', label: t('seg.follows.yes') },
            { value: 'no', label: t('seg.follows.no') },
          ]}
          disabled={disabled}
          aria-label={t('seg.a.follows')}
          data-testid={`${testId}-follows`}
        />
      );
    case 'wecom_owner':
      return (
        <div className="seg-fields">
          <Segmented
            value={c.has === false ? 'no' : 'yes'}
            onChange={(v) => set({ has: v === 'yes' })}
            options={[
              { value: 'yes', label: t('seg.wecom.has') },
              { value: 'no', label: t('seg.wecom.hasNot') },
            ]}
            disabled={disabled}
            aria-label={t('seg.a.wecom')}
            data-testid={`${testId}-wecom-has`}
          />
          <Select
            mode="multiple"
            value={c.userIds ?? []}
            onChange={(userIds) => set({ userIds })}
            options={(lookups.staff ?? []).map((m) => ({ value: m.userid, label: m.name }))}
            loading={lookups.loading.staff}
            optionFilterProp="label"
            placeholder={t('seg.wecom.staff')}
            aria-label={t('seg.wecom.staff')}
            disabled={disabled}
            style={{ minWidth: 260 }}
            data-testid={`${testId}-wecom-staff`}
          />
        </div>
      );
  }
}

interface Estimate {
  count: number;
  total: number;
}

/**
 * The live estimate: the rule is counted 600 ms after the last change (an earlier request still running
 * is cancelled), "约 N 人 / 共 M 人" with the share as a bar; the last answer stays while the next loads.
 */
export function EstimatePanel({ rule, reason }: { rule: SegmentRule | null; reason: 'empty' | 'invalid' | null }) {
  const { t } = useSegI18n();
  const [result, setResult] = useState<Estimate | null>(null);
  const [loading, setLoading] = useState(false);
  const [failed, setFailed] = useState(false);
  const json = rule ? JSON.stringify(rule) : null;

  useEffect(() => {
    if (!json) {
      setLoading(false);
      return;
    }
    const ctl = new AbortController();
    setLoading(true);
    const timer = setTimeout(() => {
      api
        .post<Estimate>('/groups/estimate', { rule: JSON.parse(json) }, { signal: ctl.signal })
        .then((r) => {
          setResult(r);
          setFailed(false);
        })
        .catch((e: Error) => {
          if (e.name !== 'AbortError') setFailed(true);
        })
        .finally(() => {
          if (!ctl.signal.aborted) setLoading(false);
        });
    }, 600);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [json]);

  const share = result && result.total > 0 ? result.count / result.total : 0;
  const stale = !json;
  return (
    <div className="seg-estimate" data-testid="seg-estimate" aria-live="polite" aria-busy={loading}>
      <div className="seg-estimate-title">
        {t('seg.estimate.title')}
        {loading && <Spin size="small" style={{ marginLeft: 8 }} />}
      </div>
      {result ? (
        <div className={stale || failed ? 'seg-estimate-body seg-stale' : 'seg-estimate-body'}>
          <div className="seg-estimate-count" data-testid="seg-estimate-count" data-count={result.count}>
            {t('seg.estimate.value', { n: fmtInt(result.count) })}
          </div>
          <div className="muted" data-testid="seg-estimate-total">
            {t('seg.estimate.total', { total: fmtInt(result.total) })}
          </div>
          <Progress percent={Math.round(share * 1000) / 10} showInfo={false} strokeColor="#1677ff" size="small" aria-label={t('seg.estimate.share', { pct: fmtPct(share) })} />
          <div className="seg-estimate-share">{t('seg.estimate.share', { pct: fmtPct(share) })}</div>
        </div>
      ) : (
        <div className="seg-estimate-body muted">{loading ? t('seg.estimate.loading') : failed ? t('seg.estimate.failed') : null}</div>
      )}
      {reason && <div className="seg-estimate-note">{t(reason === 'empty' ? 'seg.estimate.empty' : 'seg.estimate.invalid')}</div>}
      {failed && result && <div className="seg-error">{t('seg.estimate.failed')}</div>}
      <div className="seg-estimate-hint muted">{t('seg.estimate.hint')}</div>
    </div>
  );
}
