import { useEffect, useMemo, useState } from 'react';
import { useParams } from 'react-router-dom';
import { Alert, Button, Col, Descriptions, Empty, Progress, Row, Skeleton, Space, Table, Tag, Tooltip } from 'antd';
import { EditOutlined, QuestionCircleOutlined, ReloadOutlined } from '@ant-design/icons';
import { EVENT_LABELS } from '@siyu/contracts';
import { useAuth } from '../../lib/auth';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { textLang, useI18n, type TFunction } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import Chart from '../../components/Chart';
import { LoadError } from '../../components/Results';
import { useExperimentActions } from './actions';
import { armRatesOption, differenceOption, ARM_COLORS, type DifferenceRow } from './charts';
import ExperimentDrawer from './ExperimentDrawer';
import { ExperimentStatusTag, VerdictTag, verdictText } from './labels';
import { armRows, confidenceText, pct, proposedShip, pStatement, pValueText, sampleProgress, signedPct, signedPoints, signedYuan, type ArmRow } from './model';
import type { CupedSummary, ExperimentAnalysis, ExperimentResults, MetricComparison, VariantComparison, Verdict } from './types';
import './experiments.css';

/** While the experiment runs the report asks again this often. */
const REFRESH_MS = 10_000;

const money = (fen: number | null | undefined) => formatFen(fen === null || fen === undefined ? fen : Math.round(fen), true);

const VERDICT_ALERT: Record<Verdict, 'success' | 'warning' | 'info' | 'error'> = { variant_wins: 'success', control_wins: 'warning', no_difference_yet: 'info', srm: 'error', too_small: 'info' };

/** The verdict in words, and in red the sample ratio mismatch (χ², p) when the split is off. */
function VerdictBanner({ r, a, t }: { r: ExperimentResults; a: ExperimentAnalysis; t: TFunction }) {
  const { lang } = useI18n();
  const nameOf = (key: string | null) => r.experiment.variants.find((v) => v.key === key)?.name ?? key ?? '';
  const metric = t(`exp.metric.${a.primaryMetric}`);
  return (
    <>
      {a.srm.flagged && (
        <Alert
          type="error"
          showIcon
          className="exp-verdict"
          title={t('exp.r.srmTitle', { chi2: a.srm.chi2.toFixed(2), p: pStatement(a.srm.pValue) })}
          description={t('exp.r.srmText', { observed: r.arms.map((x) => x.users).join(' : '), expected: a.srm.expected.map((x) => Math.round(x)).join(' : ') })}
          data-testid="experiment-srm"
        />
      )}
      {/* With a broken split the red check above is the verdict; saying it twice adds nothing. */}
      {!(a.srm.flagged && a.verdict === 'srm') && (
        <Alert
          type={VERDICT_ALERT[a.verdict]}
          showIcon
          className="exp-verdict"
          title={
            <span data-testid="experiment-verdict" data-verdict={a.verdict}>
              {verdictText(a.verdict, lang)}
              {a.verdict === 'variant_wins' && a.winner ? `: ${nameOf(a.winner)}` : ''}
            </span>
          }
          description={t(`exp.r.verdictHint.${a.verdict}`, { name: nameOf(a.winner), metric })}
        />
      )}
    </>
  );
}

/** Each arm's users against the sample the minimum detectable effect needs. */
function SampleSize({ r, a, t }: { r: ExperimentResults; a: ExperimentAnalysis; t: TFunction }) {
  const rows = armRows(r);
  const required = a.requiredUsersPerArm;
  return (
    <div data-testid="experiment-sample">
      <h2 className="page-title exp-section-title">{t('exp.r.sample')}</h2>
      <p className="muted" style={{ fontSize: 13 }}>
        {required === null || !Number.isFinite(required)
          ? t('exp.r.sampleUnknown')
          : t('exp.r.sampleTarget', { n: Math.ceil(required).toLocaleString('en-US'), mde: r.experiment.minimumDetectableEffectPercent, conf: confidenceText(a.alphaPerComparison) })}
        {a.sampleSizeReached && <Tag color="green" style={{ marginLeft: 8 }}>{t('exp.r.sampleReached')}</Tag>}
      </p>
      {rows.map((row, i) => {
        const progress = sampleProgress(row.users, required);
        return (
          <div key={row.key} className="exp-sample-row">
            <span>{row.name}</span>
            <Progress
              percent={progress ?? 0}
              strokeColor={ARM_COLORS[i % ARM_COLORS.length]}
              showInfo={progress !== null}
              aria-label={t('exp.r.sampleArm', { name: row.name, users: row.users, n: required === null ? '-' : Math.ceil(required) })}
              data-testid={`experiment-sample-${row.key}`}
            />
            <span className="muted" style={{ fontSize: 12 }}>
              {row.users.toLocaleString('en-US')} / {required === null || !Number.isFinite(required) ? '-' : Math.ceil(required).toLocaleString('en-US')}
            </span>
          </div>
        );
      })}
    </div>
  );
}

/** Users, conversions, rate with its Wilson 95 % interval and revenue per user, one row per arm. */
function ArmsTable({ rows, t }: { rows: ArmRow[]; t: TFunction }) {
  return (
    <Table<ArmRow>
      size="small"
      rowKey="key"
      pagination={false}
      dataSource={rows}
      data-testid="experiment-arms"
      rowClassName={(r) => (r.control ? 'exp-control-row' : '')}
      onRow={(r) => ({ 'data-testid': `experiment-arm-${r.key}` }) as React.HTMLAttributes<HTMLElement>}
      columns={[
        {
          title: t('exp.r.arm'),
          key: 'name',
          render: (_, r) => (
            <Space size={6}>
              <span>{r.name}</span>
              {r.control && r.name !== t('exp.form.control') && <Tag>{t('exp.form.control')}</Tag>}
            </Space>
          ),
        },
        { title: t('exp.r.users'), dataIndex: 'users', align: 'right', render: (n: number) => n.toLocaleString('en-US') },
        { title: t('exp.r.conversions'), dataIndex: 'conversions', align: 'right', render: (n: number) => n.toLocaleString('en-US') },
        {
          title: t('exp.r.rate'),
          key: 'rate',
          align: 'right',
          render: (_, r) => (
            <div>
              <div data-testid={`experiment-arm-rate-${r.key}`}>{pct(r.rate)}</div>
              {r.ci && <div className="exp-ci">{t('exp.r.ci95', { low: pct(r.ci.lower), high: pct(r.ci.upper) })}</div>}
            </div>
          ),
        },
        { title: t('exp.r.rpu'), dataIndex: 'revenuePerUser', align: 'right', render: (v: number | null) => money(v) },
      ]}
    />
  );
}

interface ComparisonRow {
  id: string;
  variant: string;
  name: string;
  metric: 'conversion' | 'revenue';
  m: MetricComparison;
  primary: boolean;
  cuped: number | null;
  verdict: Verdict | null;
}

/** What ComparisonTable reads: an experiment's report, or a broadcast's A/B test (no CUPED there). */
export interface ComparisonInput {
  r: { experiment: { variants: { key: string; name: string }[] }; arms: { revenueFen: number }[] };
  a: Pick<ExperimentAnalysis, 'alphaPerComparison' | 'primaryMetric'> & { comparisons: (Omit<VariantComparison, 'cuped'> & { cuped?: CupedSummary | null })[] };
}

/** Every variant against the control on conversion and revenue: lift, interval, p-values, chance to win, loss, CUPED. */
export function ComparisonTable({ r, a, t, cuped = true }: ComparisonInput & { t: TFunction; cuped?: boolean }) {
  const conf = confidenceText(a.alphaPerComparison);
  const names = new Map(r.experiment.variants.map((v) => [v.key, v.name]));
  // Without any order in the window the revenue rows would only say 0 against 0.
  const hasRevenue = r.arms.some((x) => x.revenueFen !== 0);
  const rows: ComparisonRow[] = a.comparisons.flatMap((c) => [
    { id: `${c.key}:conversion`, variant: c.key, name: names.get(c.key) ?? c.key, metric: 'conversion' as const, m: c.conversion, primary: a.primaryMetric === 'conversion', cuped: null, verdict: a.primaryMetric === 'conversion' ? c.verdict : null },
    ...(c.revenue && (hasRevenue || a.primaryMetric === 'revenue')
      ? [{ id: `${c.key}:revenue`, variant: c.key, name: names.get(c.key) ?? c.key, metric: 'revenue' as const, m: c.revenue, primary: a.primaryMetric === 'revenue', cuped: c.cuped?.varianceReduction ?? null, verdict: a.primaryMetric === 'revenue' ? c.verdict : null }]
      : []),
  ]);
  const diff = (row: ComparisonRow, v: number) => (row.metric === 'conversion' ? t('exp.r.points', { n: signedPoints(v) }) : signedYuan(v));
  // The interval columns are dense: percentage points there read "pp".
  const short = (row: ComparisonRow, v: number) => (row.metric === 'conversion' ? t('exp.r.pointsShort', { n: signedPoints(v) }) : signedYuan(v));
  const hint = (label: string, tip: string) => (
    <Tooltip title={tip}>
      <span>
        {label} <QuestionCircleOutlined className="muted" />
      </span>
    </Tooltip>
  );
  return (
    <Table<ComparisonRow>
      size="small"
      rowKey="id"
      pagination={false}
      dataSource={rows}
      scroll={{ x: 1100 }}
      data-testid="experiment-comparisons"
      onRow={(row) => ({ 'data-testid': `experiment-comparison-${row.variant}-${row.metric}` }) as React.HTMLAttributes<HTMLElement>}
      columns={[
        {
          title: t('exp.r.variant'),
          dataIndex: 'name',
          width: 100,
          // One cell per variant over its metric rows.
          onCell: (row) => ({ rowSpan: row.metric === 'revenue' ? 0 : rows.filter((x) => x.variant === row.variant).length }),
          render: (n: string) => <span style={{ fontWeight: 500 }}>{n}</span>,
        },
        {
          title: t('exp.r.metric'),
          key: 'metric',
          width: 120,
          render: (_, row) => (
            <Space size={4}>
              {t(`exp.metric.${row.metric}`)}
              {row.primary && <Tag color="blue">{t('exp.r.primary')}</Tag>}
            </Space>
          ),
        },
        {
          title: t('exp.r.lift'),
          key: 'lift',
          width: 110,
          align: 'right',
          render: (_, row) => (
            <div data-testid={`experiment-lift-${row.variant}-${row.metric}`}>
              <div style={{ fontWeight: 500, color: row.m.ci.lower > 0 ? '#2fc25b' : row.m.ci.upper < 0 ? '#d4380d' : undefined }}>{signedPct(row.m.relativeLift)}</div>
              <div className="exp-ci">{diff(row, row.m.difference)}</div>
            </div>
          ),
        },
        {
          title: hint(t('exp.r.diffCi', { conf }), t('exp.r.diffCiHint', { conf })),
          key: 'ci',
          width: 190,
          align: 'right',
          render: (_, row) => (
            <div>
              <div>
                [{short(row, row.m.ci.lower)}, {short(row, row.m.ci.upper)}]
              </div>
              <div className="exp-ci">
                {t('exp.r.avCi')}: [{short(row, row.m.alwaysValidCi.lower)}, {short(row, row.m.alwaysValidCi.upper)}]
              </div>
            </div>
          ),
        },
        { title: t('exp.r.p'), key: 'p', width: 70, align: 'right', render: (_, row) => pValueText(row.m.pValue) },
        { title: hint(t('exp.r.avP'), t('exp.r.avPHint')), key: 'avp', width: 90, align: 'right', render: (_, row) => <span data-testid={`experiment-avp-${row.variant}-${row.metric}`}>{pValueText(row.m.alwaysValidPValue)}</span> },
        {
          title: t('exp.r.chance'),
          key: 'chance',
          width: 140,
          render: (_, row) => (
            <Progress
              className="exp-chance"
              percent={Math.round(row.m.chanceToWin * 1000) / 10}
              size="small"
              strokeColor={row.m.chanceToWin >= 0.95 ? '#2fc25b' : row.m.chanceToWin <= 0.05 ? '#d4380d' : '#155bd4'}
              format={(p) => `${p}%`}
              aria-label={`${t('exp.r.chance')} ${row.name} ${pct(row.m.chanceToWin, 1)}`}
              data-testid={`experiment-chance-${row.variant}-${row.metric}`}
            />
          ),
        },
        { title: hint(t('exp.r.loss'), t('exp.r.lossHint')), key: 'loss', width: 100, align: 'right', render: (_, row) => (row.metric === 'conversion' ? t('exp.r.pointsShort', { n: (row.m.expectedLoss * 100).toFixed(3) }) : money(row.m.expectedLoss)) },
        ...(cuped
          ? [
              {
                title: hint(t('exp.r.cuped'), t('exp.r.cupedHint')),
                key: 'cuped',
                width: 90,
                align: 'right' as const,
                render: (_: unknown, row: ComparisonRow) => (row.cuped === null ? <span className="muted">-</span> : <span data-testid={`experiment-cuped-${row.variant}`}>{pct(row.cuped, 1)}</span>),
              },
            ]
          : []),
        { title: t('exp.r.verdict'), key: 'verdict', width: 110, render: (_, row) => (row.verdict ? <VerdictTag verdict={row.verdict} /> : null) },
      ]}
    />
  );
}

/** The arms' rates with error bars, and each variant minus the control on the primary metric with its interval. */
function ResultCharts({ r, a, t }: { r: ExperimentResults; a: ExperimentAnalysis; t: TFunction }) {
  const conf = confidenceText(a.alphaPerComparison);
  // Revenue when it is the primary metric (and every variant has it), else conversion.
  const metric = a.comparisons.every((c) => c.revenue) ? a.primaryMetric : 'conversion';
  const { arms, diff, armsLabel, diffLabel, diffCount } = useMemo(() => {
    const rows = armRows(r);
    const names = new Map(r.experiment.variants.map((v) => [v.key, v.name]));
    const arms = armRatesOption(rows.map((x) => ({ name: x.name, rate: x.rate ?? 0, lower: x.ci?.lower ?? null, upper: x.ci?.upper ?? null })), { rate: t('exp.r.rate'), interval: t('exp.r.interval95') });
    // Rates are drawn in percentage points, revenue in yuan.
    const k = metric === 'revenue' ? 1 / 100 : 100;
    const diffRows: DifferenceRow[] = a.comparisons.map((c) => {
      const m = metric === 'revenue' ? c.revenue! : c.conversion;
      return { name: names.get(c.key) ?? c.key, estimate: m.difference * k, lower: m.ci.lower * k, upper: m.ci.upper * k, avLower: m.alwaysValidCi.lower * k, avUpper: m.alwaysValidCi.upper * k };
    });
    const fmt = metric === 'revenue' ? (v: number) => signedYuan(v * 100) : (v: number) => t('exp.r.pointsShort', { n: signedPoints(v / 100) });
    const diff = differenceOption(diffRows, fmt, { estimate: t('exp.r.estimate'), interval: t('exp.r.intervalN', { conf }), avInterval: t('exp.r.avCi') });
    return {
      arms,
      diff,
      diffCount: diffRows.length,
      armsLabel: rows.map((x) => `${x.name} ${pct(x.rate)}${x.ci ? ` (${pct(x.ci.lower)} ~ ${pct(x.ci.upper)})` : ''}`).join(t('common.listSep')),
      diffLabel: diffRows.map((d) => `${d.name} ${fmt(d.estimate)} [${fmt(d.lower)}, ${fmt(d.upper)}]`).join(t('common.listSep')),
    };
  }, [r, a, t, metric, conf]);
  return (
    <Row gutter={[24, 16]}>
      <Col xs={24} xl={10}>
        <h3 className="stat-label">{t('exp.r.chartArms')}</h3>
        <Chart option={arms} height={280} label={armsLabel} testId="experiment-arms-chart" />
      </Col>
      <Col xs={24} xl={14}>
        <h3 className="stat-label">{t('exp.r.chartDiff', { metric: t(`exp.metric.${metric}`), conf })}</h3>
        <Chart option={diff} height={Math.max(160, 90 + diffCount * 80)} label={diffLabel} testId="experiment-diff-chart" />
        <div className="muted" style={{ fontSize: 12 }}>
          {t('exp.r.chartDiffHint')}
        </div>
      </Col>
    </Row>
  );
}

/** 实验报告: the verdict, the arms, each variant against control, the sample size; refreshes while running. */
export default function ExperimentResult() {
  const { id = '' } = useParams();
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const writable = can('analytics:write');
  const { data: r, error, loading, reload } = useApi<ExperimentResults>(`/experiments/${id}/results`);
  const [editing, setEditing] = useState(false);
  const { startButton, stopButton, stopModal } = useExperimentActions(reload, reload);
  const running = r?.experiment.status === 'running';

  useEffect(() => {
    if (!running) return;
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [running, reload]);

  if (error && !r) return <LoadError error={error} onRetry={reload} />;
  if (!r) return <div className="page-card"><Skeleton active /></div>;

  const e = r.experiment;
  const a = r.analysis;
  const rows = armRows(r);
  const eventName = EVENT_LABELS[e.metricEvent]?.[textLang(lang)] ?? e.metricEvent;
  const shipped = e.shippedVariant ? (e.variants.find((v) => v.key === e.shippedVariant)?.name ?? e.shippedVariant) : null;

  return (
    <div data-testid="experiment-result">
      <div className="page-card">
        <div className="exp-head">
          <div>
            <Space size={8} wrap>
              <h1 className="page-title" style={{ margin: 0 }} data-testid="experiment-title">
                {e.name}
              </h1>
              <ExperimentStatusTag status={e.status} />
              <span className="exp-code">{e.key}</span>
            </Space>
            {e.hypothesis && <div className="muted" style={{ marginTop: 8, maxWidth: 760 }}>{e.hypothesis}</div>}
          </div>
          <span className="spacer" />
          <Space wrap>
            {running && <span className="muted" style={{ fontSize: 12 }}>{t('exp.r.autoRefresh')}</span>}
            <Button icon={<ReloadOutlined />} loading={loading} onClick={reload} data-testid="experiment-refresh">
              {t('exp.r.refresh')}
            </Button>
            {writable && (
              <Button icon={<EditOutlined />} onClick={() => setEditing(true)} data-testid="experiment-edit">
                {t('common.edit')}
              </Button>
            )}
            {writable && e.status !== 'running' && startButton(e)}
            {writable && running && stopButton(e, proposedShip(r))}
          </Space>
        </div>
        <Descriptions
          size="small"
          style={{ marginTop: 16 }}
          column={{ xs: 1, md: 2, xl: 4 }}
          items={[
            { key: 'goal', label: t('exp.form.metricEvent'), children: t('exp.r.goal', { event: eventName, days: e.windowDays }) },
            { key: 'metric', label: t('exp.form.primaryMetric'), children: t(`exp.metric.${e.primaryMetric}`) },
            { key: 'traffic', label: t('exp.form.traffic'), children: `${e.trafficPercent}%` },
            { key: 'mde', label: t('exp.form.mde'), children: `${e.minimumDetectableEffectPercent}%` },
            { key: 'started', label: t('exp.r.started'), children: fmtTime(e.startedAt) },
            { key: 'stopped', label: t('exp.r.stopped'), children: fmtTime(e.stoppedAt) },
            ...(e.status === 'stopped' ? [{ key: 'shipped', label: t('exp.r.shipped'), children: shipped ?? t('exp.keptControl') }] : []),
          ]}
        />
      </div>

      {e.status === 'draft' && !e.startedAt ? (
        <div className="page-card">
          <Empty description={<><div>{t('exp.r.draft')}</div><div className="muted" style={{ fontSize: 12 }}>{t('exp.r.draftHint')}</div></>} data-testid="experiment-draft" />
        </div>
      ) : (
        <>
          <div className="page-card">
            <h2 className="page-title exp-section-title">{t('exp.r.arms')}</h2>
            {a ? <VerdictBanner r={r} a={a} t={t} /> : null}
            <ArmsTable rows={rows} t={t} />
            {!a && (
              <Empty style={{ marginTop: 24 }} description={<><div>{t('exp.r.noData')}</div><div className="muted" style={{ fontSize: 12 }}>{t('exp.r.noDataHint')}</div></>} data-testid="experiment-no-analysis" />
            )}
          </div>
          {a && (
            <>
              <div className="page-card">
                <SampleSize r={r} a={a} t={t} />
              </div>
              <div className="page-card">
                <h2 className="page-title exp-section-title">{t('exp.r.compare')}</h2>
                <p className="muted" style={{ fontSize: 13 }}>{t('exp.r.compareIntro', { conf: confidenceText(a.alphaPerComparison) })}</p>
                <ResultCharts r={r} a={a} t={t} />
                <div style={{ marginTop: 16 }}>
                  <ComparisonTable r={r} a={a} t={t} />
                </div>
              </div>
            </>
          )}
        </>
      )}

      <ExperimentDrawer
        open={editing}
        experiment={e}
        onClose={() => setEditing(false)}
        onSaved={() => {
          setEditing(false);
          reload();
        }}
      />
      {stopModal}
    </div>
  );
}
