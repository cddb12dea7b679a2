import { useMemo } from 'react';
import { Table } from 'antd';
import type { LifecycleQuery, LifecycleResult } from '@siyu/contracts';
import Chart from '../../components/Chart';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { AnalysisShell } from './AnalysisShell';
import { DateRange, EventSelect, Field, IntervalField } from './builder';
import { lifecycleOption, resultIsEmpty } from './charts';
import { useLabels } from './labels';
import { fmtInt, lastDays, type EventInfo } from './model';
import { useAnalysis } from './useAnalysis';

const defaultLifecycle = (): LifecycleQuery => ({ kind: 'lifecycle', ...lastDays(91), event: '$any', interval: 'week' });

/** 用户生命周期: per period, the active people split into new, returning and resurrecting, and who went dormant. */
export default function Lifecycle() {
  const { t } = useI18n();
  const events = useApi<{ items: EventInfo[] }>('/analytics/events');
  const analysis = useAnalysis('lifecycle', defaultLifecycle);
  const { query, setQuery } = analysis;

  const builder = query && (
    <div className="an-row">
      <Field label={t('an.lifecycle.event')}>
        <EventSelect value={query.event} onChange={(event) => setQuery({ ...query, event })} allowAny ariaLabel={t('an.lifecycle.event')} testId="lifecycle-event" />
      </Field>
      <Field label={t('an.range')}>
        <DateRange from={query.from} to={query.to} onChange={(r) => setQuery({ ...query, ...r })} />
      </Field>
      <IntervalField value={query.interval} onChange={(interval) => setQuery({ ...query, interval })} testId="lifecycle-interval" />
    </div>
  );

  return (
    <AnalysisShell kind="lifecycle" help={t('an.lifecycle.help')} events={events.data?.items} analysis={analysis} builder={builder} isEmpty={resultIsEmpty}>
      {(r) => <LifecycleResultView result={r} />}
    </AnalysisShell>
  );
}

function LifecycleResultView({ result }: { result: LifecycleResult }) {
  const { t, lang } = useI18n();
  const labels = useLabels();
  const option = useMemo(() => lifecycleOption(result, { t, labels }), [result, lang]); // eslint-disable-line react-hooks/exhaustive-deps
  const rows = result.periods.map((p, i) => ({ key: p, period: p, new: result.new[i] ?? 0, returning: result.returning[i] ?? 0, resurrecting: result.resurrecting[i] ?? 0, dormant: result.dormant[i] ?? 0 }));
  type Row = (typeof rows)[number];
  return (
    <div>
      <Chart option={option} height={340} label={t('an.lifecycle.chartLabel')} testId="lifecycle-chart" />
      <div data-testid="lifecycle-table" style={{ marginTop: 16 }}>
        <Table<Row>
          rowKey="key"
          size="small"
          dataSource={rows}
          pagination={false}
          columns={[
            { title: t('an.lifecycle.period'), dataIndex: 'period', width: 130 },
            { title: t('an.lifecycle.active'), key: 'active', align: 'right', render: (_, r) => <b>{fmtInt(r.new + r.returning + r.resurrecting)}</b> },
            { title: t('an.lifecycle.new'), dataIndex: 'new', align: 'right', render: fmtInt },
            { title: t('an.lifecycle.returning'), dataIndex: 'returning', align: 'right', render: fmtInt },
            { title: t('an.lifecycle.resurrecting'), dataIndex: 'resurrecting', align: 'right', render: fmtInt },
            { title: t('an.lifecycle.dormant'), dataIndex: 'dormant', align: 'right', render: (n: number) => <span className="an-negative">{n ? `−${fmtInt(Math.abs(n))}` : '0'}</span> },
          ]}
        />
      </div>
    </div>
  );
}
