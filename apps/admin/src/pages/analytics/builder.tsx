import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Button, DatePicker, Input, InputNumber, Segmented, Select, Space, Tooltip } from 'antd';
import { DeleteOutlined, FilterOutlined, PlusOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import type { EventMatcher, PropertyFilter } from '@siyu/contracts';
import { useI18n } from '../../lib/i18n';
import { daysAgo, eventChoices, fmtInt, propertyNames, today, type EventInfo } from './model';
import { useLabels } from './labels';

/** The events seen lately, loaded once by the page and read by every event picker on it. */
export const EventsContext = createContext<EventInfo[] | undefined>(undefined);

const NAME_PATTERN = /^\$?[A-Za-z_][A-Za-z0-9_.]*$/;

/** A label above (or beside) a control of the query builder. */
export function Field({ label, children, grow }: { label: ReactNode; children: ReactNode; grow?: boolean }) {
  return (
    <div className={grow ? 'an-field an-field-grow' : 'an-field'}>
      <span className="an-field-label">{label}</span>
      {children}
    </div>
  );
}

/** Day or week buckets, the same control on every analysis that has them. */
export function IntervalField({ value, onChange, testId }: { value: 'day' | 'week'; onChange: (v: 'day' | 'week') => void; testId: string }) {
  const { t } = useI18n();
  return (
    <Field label={t('an.interval')}>
      <Segmented value={value} onChange={(v) => onChange(v as 'day' | 'week')} options={[{ value: 'day', label: t('an.interval.day') }, { value: 'week', label: t('an.interval.week') }]} aria-label={t('an.interval')} data-testid={testId} />
    </Field>
  );
}

/** Picks an event: those seen lately first (with their counts), the known ones, or a typed name. */
export function EventSelect({ value, onChange, allowAny, ariaLabel, testId, width = 220 }: { value: string; onChange: (v: string) => void; allowAny?: boolean; ariaLabel: string; testId?: string; width?: number }) {
  const { t } = useI18n();
  const labels = useLabels();
  const seen = useContext(EventsContext);
  const [search, setSearch] = useState('');
  const options = useMemo(() => {
    const list = eventChoices(seen);
    const names = new Set(list.map((e) => e.event));
    const extra = [value, search.trim()].filter((n) => n && !names.has(n) && n !== '$any' && NAME_PATTERN.test(n));
    const all = [...(allowAny ? [{ event: '$any', count: null }] : []), ...list, ...[...new Set(extra)].map((event) => ({ event, count: null }))];
    return all.map((e) => {
      const label = labels.event(e.event);
      return {
        value: e.event,
        search: `${label} ${e.event}`,
        label: (
          <span className="an-option">
            <span>{label}</span>
            {label !== e.event && e.event !== '$any' && <span className="an-option-name">{e.event}</span>}
            {e.count !== null && <span className="an-option-count">{fmtInt(e.count)}</span>}
          </span>
        ),
      };
    });
  }, [seen, labels, allowAny, value, search]);

  return (
    <Select
      value={value || undefined}
      onChange={(v: string) => {
        setSearch('');
        onChange(v);
      }}
      options={options}
      showSearch={{ optionFilterProp: 'search', onSearch: setSearch }}
      placeholder={t('an.chooseEvent')}
      aria-label={ariaLabel}
      style={{ width }}
      popupMatchSelectWidth={320}
      labelRender={(p) => labels.event(String(p.value))}
      data-testid={testId}
    />
  );
}

/** The property names of an event (with the built-in columns), loaded on demand. */
export function usePropertyNames(event: string) {
  const [names, setNames] = useState<string[] | null>(null);
  useEffect(() => {
    let live = true;
    setNames(null);
    void propertyNames(event).then((n) => live && setNames(n));
    return () => {
      live = false;
    };
  }, [event]);
  return names;
}

/** Picks a property of an event; a name typed that is not in the list is offered too. */
export function PropertySelect({ event, value, onChange, ariaLabel, allowClear, placeholder, testId, width = 170 }: { event: string; value: string | undefined; onChange: (v: string | undefined) => void; ariaLabel: string; allowClear?: boolean; placeholder?: string; testId?: string; width?: number }) {
  const { t } = useI18n();
  const labels = useLabels();
  const names = usePropertyNames(event);
  const [search, setSearch] = useState('');
  const options = useMemo(() => {
    const list = [...(names ?? [])];
    for (const extra of [value, search.trim()]) if (extra && !list.includes(extra) && NAME_PATTERN.test(extra)) list.push(extra);
    return list.map((n) => ({ value: n, label: labels.property(n) === n ? n : `${labels.property(n)} (${n})`, search: `${labels.property(n)} ${n}` }));
  }, [names, value, search, labels]);
  return (
    <Select
      value={value || undefined}
      onChange={(v?: string) => {
        setSearch('');
        onChange(v || undefined);
      }}
      allowClear={allowClear}
      loading={names === null}
      options={options}
      showSearch={{ optionFilterProp: 'search', onSearch: setSearch }}
      placeholder={placeholder ?? t('an.chooseProperty')}
      aria-label={ariaLabel}
      style={{ width }}
      popupMatchSelectWidth={260}
      data-testid={testId}
    />
  );
}

const OPS: PropertyFilter['op'][] = ['eq', 'neq', 'contains', 'gt', 'lt', 'set', 'not_set'];
const numericOp = (op: PropertyFilter['op']) => op === 'gt' || op === 'lt';
const valueless = (op: PropertyFilter['op']) => op === 'set' || op === 'not_set';

/** Property conditions on an event (all must hold), up to 10. */
export function FilterRows({ event, value, onChange, testId }: { event: string; value: PropertyFilter[]; onChange: (v: PropertyFilter[]) => void; testId: string }) {
  const { t } = useI18n();
  const set = (i: number, patch: Partial<PropertyFilter>) => onChange(value.map((f, j) => (j === i ? ({ ...f, ...patch } as PropertyFilter) : f)));
  const setOp = (i: number, op: PropertyFilter['op']) => {
    const f = value[i];
    let v: PropertyFilter['value'] = f.value;
    // The value follows the kind of comparison: numbers for greater/less, text otherwise, none for set/not set.
    if (valueless(op)) v = undefined;
    else if (numericOp(op)) v = typeof v === 'number' ? v : v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;
    else v = v === undefined ? undefined : String(v);
    const next: PropertyFilter = { property: f.property, op };
    if (v !== undefined) next.value = v;
    onChange(value.map((x, j) => (j === i ? next : x)));
  };
  return (
    <div className="an-filters" data-testid={testId}>
      {value.map((f, i) => (
        <Space.Compact key={i} className="an-filter-row">
          <PropertySelect event={event} value={f.property || undefined} onChange={(p) => set(i, { property: p ?? '' })} ariaLabel={t('an.filterProperty', { n: i + 1 })} testId={`${testId}-property-${i}`} />
          <Select
            value={f.op}
            onChange={(op: PropertyFilter['op']) => setOp(i, op)}
            options={OPS.map((op) => ({ value: op, label: t(`an.op.${op}`) }))}
            aria-label={t('an.filterOp', { n: i + 1 })}
            style={{ width: 110 }}
            data-testid={`${testId}-op-${i}`}
          />
          {valueless(f.op) ? null : numericOp(f.op) ? (
            <InputNumber
              value={typeof f.value === 'number' ? f.value : null}
              onChange={(v) => {
                const next: PropertyFilter = { property: f.property, op: f.op };
                if (typeof v === 'number') next.value = v;
                onChange(value.map((x, j) => (j === i ? next : x)));
              }}
              placeholder={t('an.filterValue')}
              aria-label={t('an.filterValueN', { n: i + 1 })}
              style={{ width: 150 }}
              data-testid={`${testId}-value-${i}`}
            />
          ) : (
            <Input
              value={f.value === undefined ? '' : String(f.value)}
              onChange={(e) => set(i, { value: e.target.value })}
              maxLength={200}
              placeholder={t('an.filterValue')}
              aria-label={t('an.filterValueN', { n: i + 1 })}
              style={{ width: 150 }}
              data-testid={`${testId}-value-${i}`}
            />
          )}
          <Tooltip title={t('an.filterRemove')}>
            <Button icon={<DeleteOutlined />} aria-label={t('an.filterRemove')} onClick={() => onChange(value.filter((_, j) => j !== i))} />
          </Tooltip>
        </Space.Compact>
      ))}
    </div>
  );
}

/** An event with its conditions: the picker, a button adding a condition, and the condition rows. */
export function MatcherEditor({ value, onChange, allowAny, ariaLabel, testId, prefix, suffix }: { value: EventMatcher; onChange: (v: EventMatcher) => void; allowAny?: boolean; ariaLabel: string; testId: string; prefix?: ReactNode; suffix?: ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="an-matcher">
      <div className="an-matcher-head">
        {prefix}
        <EventSelect value={value.event} onChange={(event) => onChange({ event, where: value.where })} allowAny={allowAny} ariaLabel={ariaLabel} testId={testId} />
        <Button
          type="text"
          icon={<FilterOutlined />}
          disabled={value.where.length >= 10}
          onClick={() => onChange({ ...value, where: [...value.where, { property: '', op: 'eq', value: '' }] })}
          data-testid={`${testId}-add-filter`}
        >
          {t('an.addFilter')}
        </Button>
        {suffix}
      </div>
      {value.where.length > 0 && <FilterRows event={value.event} value={value.where} onChange={(where) => onChange({ ...value, where })} testId={`${testId}-filters`} />}
    </div>
  );
}

/** The analysis range: whole days, today at the latest, at most two years. */
export function DateRange({ from, to, onChange, testId = 'analysis-range' }: { from: string; to: string; onChange: (r: { from: string; to: string }) => void; testId?: string }) {
  const { t } = useI18n();
  const presets = [7, 30, 90, 180, 365].map((n) => ({ label: t('an.lastDays', { n }), value: [dayjs(daysAgo(n - 1)), dayjs(today())] as [Dayjs, Dayjs] }));
  return (
    <DatePicker.RangePicker
      value={[dayjs(from), dayjs(to)]}
      allowClear={false}
      presets={presets}
      disabledDate={(d) => d.isAfter(dayjs(), 'day')}
      onChange={(v) => {
        if (v?.[0] && v[1]) onChange({ from: v[0].format('YYYY-MM-DD'), to: v[1].format('YYYY-MM-DD') });
      }}
      placeholder={[t('common.startDate'), t('common.endDate')]}
      aria-label={t('an.range')}
      data-testid={testId}
    />
  );
}

/** "+ 添加…" under a list of steps or series. */
export function AddButton({ onClick, disabled, children, testId }: { onClick: () => void; disabled?: boolean; children: ReactNode; testId: string }) {
  return (
    <Button type="dashed" icon={<PlusOutlined />} onClick={onClick} disabled={disabled} data-testid={testId}>
      {children}
    </Button>
  );
}
