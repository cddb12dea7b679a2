import { useMemo } from 'react';
import { Segmented, Select, Table } from 'antd';
import type { AttributionQuery, AttributionResult } from '@siyu/contracts';
import Chart from '../../components/Chart';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import { AnalysisShell } from './AnalysisShell';
import { DateRange, Field } from './builder';
import { attributionOption } from './charts';
import { useLabels } from './labels';
import { fmtInt, fmtPct, lastDays, ratio, type EventInfo } from './model';
import { useAnalysis } from './useAnalysis';

const BY: AttributionQuery['by'][] = ['$channel', '$source', '$medium', '$campaign'];
const defaultAttribution = (): AttributionQuery => ({ kind: 'attribution', ...lastDays(30), by: '$channel', touch: 'first' });

/** 渠道归因: new people and revenue by where people came from, on their first or last touch. */
export default function Attribution() {
  const { t } = useI18n();
  const labels = useLabels();
  const events = useApi<{ items: EventInfo[] }>('/analytics/events');
  const analysis = useAnalysis('attribution', defaultAttribution);
  const { query, setQuery } = analysis;

  const builder = query && (
    <div className="an-row">
      <Field label={t('an.range')}>
        <DateRange from={query.from} to={query.to} onChange={(r) => setQuery({ ...query, ...r })} />
      </Field>
      <Field label={t('an.attr.by')}>
        <Select value={query.by} onChange={(by: AttributionQuery['by']) => setQuery({ ...query, by })} options={BY.map((b) => ({ value: b, label: labels.property(b) }))} aria-label={t('an.attr.by')} style={{ width: 140 }} data-testid="attribution-by" />
      </Field>
      <Field label={t('an.attr.touch')}>
        <Segmented value={query.touch} onChange={(v) => setQuery({ ...query, touch: v as AttributionQuery['touch'] })} options={[{ value: 'first', label: t('an.attr.first') }, { value: 'last', label: t('an.attr.last') }]} aria-label={t('an.attr.touch')} data-testid="attribution-touch" />
      </Field>
    </div>
  );

  return (
    <AnalysisShell kind="attribution" help={t('an.attr.help')} events={events.data?.items} analysis={analysis} builder={builder} isEmpty={(r) => !r.rows.length}>
      {(r, q) => <AttributionResultView result={r} query={q} />}
    </AnalysisShell>
  );
}

function AttributionResultView({ result, query }: { result: AttributionResult; query: AttributionQuery }) {
  const { t, lang } = useI18n();
  const labels = useLabels();
  const option = useMemo(() => attributionOption(result, { t, labels }), [result, lang]); // eslint-disable-line react-hooks/exhaustive-deps
  const revenue = result.rows.reduce((s, r) => s + r.revenueFen, 0);
  const newPeople = result.rows.reduce((s, r) => s + r.newPeople, 0);
  type Row = AttributionResult['rows'][number];
  return (
    <div>
      <Chart option={option} height={320} label={t('an.attr.chartLabel')} testId="attribution-chart" />
      <div data-testid="attribution-table" style={{ marginTop: 16 }}>
        <Table<Row>
          rowKey="value"
          size="small"
          dataSource={result.rows}
          pagination={{ pageSize: 20, hideOnSinglePage: true, showSizeChanger: false }}
          summary={() => (
            <Table.Summary.Row>
              <Table.Summary.Cell index={0}>
                <b>{t('an.total')}</b>
              </Table.Summary.Cell>
              <Table.Summary.Cell index={1} align="right">
                <b>{fmtInt(newPeople)}</b>
              </Table.Summary.Cell>
              <Table.Summary.Cell index={2} align="right">
                {fmtInt(result.rows.reduce((s, r) => s + r.payers, 0))}
              </Table.Summary.Cell>
              <Table.Summary.Cell index={3} align="right">
                {fmtInt(result.rows.reduce((s, r) => s + r.orders, 0))}
              </Table.Summary.Cell>
              <Table.Summary.Cell index={4} align="right">
                <b>{formatFen(revenue, true)}</b>
              </Table.Summary.Cell>
              <Table.Summary.Cell index={5} />
              <Table.Summary.Cell index={6} />
            </Table.Summary.Row>
          )}
          columns={[
            { title: labels.property(query.by), dataIndex: 'value', render: (v: string) => labels.value(v) },
            { title: t('an.attr.newPeople'), dataIndex: 'newPeople', width: 110, align: 'right', render: fmtInt },
            { title: t('an.attr.payers'), dataIndex: 'payers', width: 110, align: 'right', render: fmtInt },
            { title: t('an.attr.orders'), dataIndex: 'orders', width: 100, align: 'right', render: fmtInt },
            { title: t('an.attr.revenue'), dataIndex: 'revenueFen', width: 140, align: 'right', render: (f: number) => formatFen(f, true) },
            { title: t('an.attr.revenueShare'), key: 'share', width: 110, align: 'right', render: (_, r) => fmtPct(ratio(r.revenueFen, revenue)) },
            { title: t('an.attr.perPayer'), key: 'per', width: 130, align: 'right', render: (_, r) => (r.payers ? formatFen(Math.round(r.revenueFen / r.payers), true) : '-') },
          ]}
        />
      </div>
    </div>
  );
}
