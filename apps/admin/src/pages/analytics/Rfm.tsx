import { useMemo, useState } from 'react';
import { Button, InputNumber, Radio, Table } from 'antd';
import { RFM_LABELS, RFM_TYPES, type RfmQuery, type RfmResult, type RfmType } from '@siyu/contracts';
import Chart from '../../components/Chart';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import { AnalysisShell } from './AnalysisShell';
import { DateRange, Field } from './builder';
import { resultIsEmpty, rfmOption } from './charts';
import { useLabels } from './labels';
import { fmtInt, fmtPct, lastDays, ratio, type EventInfo } from './model';
import PeopleDrawer, { type PeopleTarget } from './PeopleDrawer';
import { useAnalysis } from './useAnalysis';

type Custom = Exclude<RfmQuery['thresholds'], 'mean'>;
const defaultRfm = (): RfmQuery => ({ kind: 'rfm', ...lastDays(365), thresholds: 'mean' });
const CUSTOM_START: Custom = { recencyDays: 30, frequency: 2, monetaryFen: 20_000 };

/** RFM 分析: buyers in eight types by how recently, how often and how much they bought. */
export default function Rfm() {
  const { t } = useI18n();
  const events = useApi<{ items: EventInfo[] }>('/analytics/events');
  const analysis = useAnalysis('rfm', defaultRfm);
  const { query, setQuery, result } = analysis;
  const [people, setPeople] = useState<PeopleTarget | null>(null);

  const custom = query && query.thresholds !== 'mean' ? query.thresholds : null;
  const setCustom = (patch: Partial<Custom>) => query && custom && setQuery({ ...query, thresholds: { ...custom, ...patch } });

  const builder = query && (
    <>
      <div className="an-row">
        <Field label={t('an.range')}>
          <DateRange from={query.from} to={query.to} onChange={(r) => setQuery({ ...query, ...r })} />
        </Field>
        <Field label={t('an.rfm.thresholds')}>
          <Radio.Group
            value={custom ? 'custom' : 'mean'}
            onChange={(e) => setQuery({ ...query, thresholds: e.target.value === 'mean' ? 'mean' : (result?.thresholds ? { ...result.thresholds, monetaryFen: Math.round(result.thresholds.monetaryFen), recencyDays: Math.round(result.thresholds.recencyDays) } : CUSTOM_START) })}
            options={[
              { value: 'mean', label: t('an.rfm.byMean') },
              { value: 'custom', label: t('an.rfm.byCustom') },
            ]}
            aria-label={t('an.rfm.thresholds')}
            data-testid="rfm-thresholds"
          />
        </Field>
      </div>
      {custom && (
        <div className="an-row">
          <Field label={t('an.rfm.recencyAtMost')}>
            <InputNumber min={0} max={3650} precision={0} value={custom.recencyDays} onChange={(v) => setCustom({ recencyDays: v ?? 0 })} suffix={t('an.daysUnit')} aria-label={t('an.rfm.recencyAtMost')} style={{ width: 130 }} data-testid="rfm-recency" />
          </Field>
          <Field label={t('an.rfm.frequencyAtLeast')}>
            <InputNumber min={0} max={100000} precision={1} value={custom.frequency} onChange={(v) => setCustom({ frequency: v ?? 0 })} suffix={t('an.rfm.timesUnit')} aria-label={t('an.rfm.frequencyAtLeast')} style={{ width: 130 }} data-testid="rfm-frequency" />
          </Field>
          <Field label={t('an.rfm.monetaryAtLeast')}>
            <InputNumber min={0} max={100_000_000} precision={2} value={custom.monetaryFen / 100} onChange={(v) => setCustom({ monetaryFen: Math.round((v ?? 0) * 100) })} prefix="¥" aria-label={t('an.rfm.monetaryAtLeast')} style={{ width: 160 }} data-testid="rfm-monetary" />
          </Field>
        </div>
      )}
    </>
  );

  return (
    <>
      <AnalysisShell kind="rfm" help={t('an.rfm.help')} events={events.data?.items} analysis={analysis} builder={builder} isEmpty={resultIsEmpty}>
        {(r, q) => <RfmResultView result={r} query={q} onPeople={setPeople} />}
      </AnalysisShell>
      <PeopleDrawer target={people} onClose={() => setPeople(null)} />
    </>
  );
}

function Flags({ type }: { type: RfmType }) {
  const { t } = useI18n();
  const l = RFM_LABELS[type];
  const flag = (name: string, high: boolean) => (
    <span className={high ? 'an-rfm-flag an-rfm-high' : 'an-rfm-flag'}>
      {name}
      {high ? '↑' : '↓'}
      <span className="sr-only">{high ? t('an.rfm.high') : t('an.rfm.low')}</span>
    </span>
  );
  return (
    <span className="an-rfm-flags">
      {flag('R', l.r)}
      {flag('F', l.f)}
      {flag('M', l.m)}
    </span>
  );
}

function RfmResultView({ result, query, onPeople }: { result: RfmResult; query: RfmQuery; onPeople: (p: PeopleTarget) => void }) {
  const { t, lang } = useI18n();
  const labels = useLabels();
  const option = useMemo(() => rfmOption(result, { t, labels }), [result, lang]); // eslint-disable-line react-hooks/exhaustive-deps
  const byType = new Map(result.types.map((x) => [x.type, x]));
  const buyers = result.types.reduce((s, x) => s + x.people, 0);
  const revenue = result.types.reduce((s, x) => s + x.monetaryFen, 0);
  const rows = RFM_TYPES.map((type) => ({ type, people: byType.get(type)?.people ?? 0, monetaryFen: byType.get(type)?.monetaryFen ?? 0 }));
  type Row = (typeof rows)[number];
  const open = (type: RfmType) => onPeople({ query, select: { kind: 'rfm_type', type }, title: labels.rfm(type) });
  const th = result.thresholds;

  return (
    <div>
      <div className="muted an-table-hint" data-testid="rfm-thresholds-used">
        {t('an.rfm.thresholdsUsed', { r: Math.round(th.recencyDays * 10) / 10, f: Math.round(th.frequency * 10) / 10, m: formatFen(Math.round(th.monetaryFen), true), buyers: fmtInt(buyers) })}
      </div>
      <div className="an-rfm-grid" data-testid="rfm-cards">
        {rows.map((r) => (
          <div key={r.type} className={RFM_LABELS[r.type].m ? 'an-rfm-card an-rfm-important' : 'an-rfm-card'}>
            <div className="an-rfm-name">
              {labels.rfm(r.type)} <Flags type={r.type} />
            </div>
            <Button type="link" className="an-rfm-people" onClick={() => open(r.type)} disabled={!r.people} aria-label={t('an.rfm.peopleAria', { type: labels.rfm(r.type), n: r.people })} data-testid={`rfm-type-${r.type}`}>
              {fmtInt(r.people)}
            </Button>
            <div className="muted">
              {t('an.rfm.cardLine', { share: fmtPct(ratio(r.people, buyers)), money: formatFen(r.monetaryFen, true) })}
            </div>
          </div>
        ))}
      </div>
      <Chart option={option} height={300} label={t('an.rfm.chartLabel')} testId="rfm-chart" />
      <div data-testid="rfm-table" style={{ marginTop: 16 }}>
        <Table<Row>
          rowKey="type"
          size="small"
          dataSource={rows}
          pagination={false}
          columns={[
            { title: t('an.rfm.type'), dataIndex: 'type', render: (type: RfmType) => labels.rfm(type) },
            { title: 'R / F / M', key: 'flags', width: 150, render: (_, r) => <Flags type={r.type} /> },
            {
              title: t('an.rfm.people'),
              dataIndex: 'people',
              width: 110,
              align: 'right',
              render: (n: number, r) => (
                <Button type="link" size="small" className="an-count-link" disabled={!n} onClick={() => open(r.type)}>
                  {fmtInt(n)}
                </Button>
              ),
            },
            { title: t('an.rfm.share'), key: 'share', width: 100, align: 'right', render: (_, r) => fmtPct(ratio(r.people, buyers)) },
            { title: t('an.rfm.monetary'), dataIndex: 'monetaryFen', width: 150, align: 'right', render: (f: number) => formatFen(f, true) },
            { title: t('an.rfm.revenueShare'), key: 'rshare', width: 110, align: 'right', render: (_, r) => fmtPct(ratio(r.monetaryFen, revenue)) },
            { title: t('an.rfm.perPerson'), key: 'per', width: 130, align: 'right', render: (_, r) => (r.people ? formatFen(Math.round(r.monetaryFen / r.people), true) : '-') },
          ]}
        />
      </div>
    </div>
  );
}
