import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { Button, Card, Col, Empty, Row, Skeleton, Space, Spin, Statistic, Table, Tooltip } from 'antd';
import { PushpinOutlined, QuestionCircleOutlined } from '@ant-design/icons';
import type { AnalysisResult, DashboardMetrics } from '@siyu/contracts';
import Chart from '../../components/Chart';
import { LoadError } from '../../components/Results';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { fenToYuan, formatFen } from '../../lib/money';
import type { MessageKey } from '../../lib/dict';
import { AnalyticsHead } from './AnalysisShell';
import { DateRange } from './builder';
import { chartOption, PALETTE, resultIsEmpty } from './charts';
import { useLabels } from './labels';
import { fmtInt, fmtPct, lastDays, openLink, runQuery, type Insight } from './model';

interface Kpi {
  key: string;
  label: MessageKey;
  help: MessageKey;
  value: (m: DashboardMetrics) => string;
  sub?: (m: DashboardMetrics) => string;
}

/** 核心看板: the shop's headline numbers over a range, day by day, where visitors came from, and pinned insights. */
export default function Overview() {
  const { t, lang } = useI18n();
  const [range, setRange] = useState(() => lastDays(30));
  const { data: m, error, loading, reload } = useApi<DashboardMetrics>('/analytics/dashboard', range);
  const insights = useApi<{ items: Insight[] }>('/analytics/insights');
  const labels = useLabels();

  const KPIS: Kpi[] = [
    { key: 'visitors', label: 'an.board.visitors', help: 'an.board.visitorsHelp', value: (x) => fmtInt(x.visitors) },
    { key: 'newReturning', label: 'an.board.newReturning', help: 'an.board.newReturningHelp', value: (x) => `${fmtInt(x.newVisitors)} / ${fmtInt(x.returningVisitors)}` },
    { key: 'conversion', label: 'an.board.conversion', help: 'an.board.conversionHelp', value: (x) => fmtPct(x.conversionRate), sub: (x) => t('an.board.payers', { n: fmtInt(x.payers) }) },
    { key: 'orders', label: 'an.board.orders', help: 'an.board.ordersHelp', value: (x) => fmtInt(x.orders) },
    { key: 'gmv', label: 'an.board.gmv', help: 'an.board.gmvHelp', value: (x) => formatFen(x.gmvFen, true) },
    { key: 'perCustomer', label: 'an.board.perCustomer', help: 'an.board.perCustomerHelp', value: (x) => formatFen(x.perCustomerFen, true) },
    { key: 'repurchase', label: 'an.board.repurchase', help: 'an.board.repurchaseHelp', value: (x) => `${fmtPct(x.repurchaseRate30)} / ${fmtPct(x.repurchaseRate90)}` },
    { key: 'memberShare', label: 'an.board.memberShare', help: 'an.board.memberShareHelp', value: (x) => fmtPct(x.memberGmvShare) },
    { key: 'couponRoi', label: 'an.board.couponRoi', help: 'an.board.couponRoiHelp', value: (x) => (x.couponRoi === null ? '-' : x.couponRoi.toFixed(2)), sub: (x) => t('an.board.couponDiscount', { money: formatFen(x.couponDiscountFen, true) }) },
  ];

  const dailyOption = useMemo(() => {
    if (!m) return {};
    return {
      color: PALETTE,
      tooltip: { trigger: 'axis' },
      legend: { top: 0, data: [t('an.board.visitors'), t('an.board.orders'), t('an.board.gmvYuan')] },
      grid: { left: 56, right: 64, top: 40, bottom: 28 },
      xAxis: { type: 'category', data: m.daily.map((d) => d.date.slice(5)) },
      yAxis: [
        { type: 'value', minInterval: 1 },
        { type: 'value', name: '¥' },
      ],
      series: [
        { name: t('an.board.visitors'), type: 'line', smooth: true, data: m.daily.map((d) => d.visitors) },
        { name: t('an.board.orders'), type: 'bar', barMaxWidth: 16, data: m.daily.map((d) => d.orders) },
        { name: t('an.board.gmvYuan'), type: 'line', smooth: true, yAxisIndex: 1, areaStyle: { opacity: 0.1 }, data: m.daily.map((d) => Number(fenToYuan(d.gmvFen))) },
      ],
    };
  }, [m, lang]); // eslint-disable-line react-hooks/exhaustive-deps

  const pinned = (insights.data?.items ?? []).filter((i) => i.pinned);

  return (
    <div data-testid="analytics-board">
      <div className="page-card">
        <AnalyticsHead title={t('nav.analyticsBoard')} help={t('an.board.help')} extra={<DateRange from={range.from} to={range.to} onChange={setRange} testId="board-range" />} />
        {error ? (
          <LoadError error={error} onRetry={reload} />
        ) : !m ? (
          <Skeleton active paragraph={{ rows: 3 }} />
        ) : (
          <Spin spinning={loading}>
            <div className="an-kpi-grid" data-testid="board-kpis">
              {KPIS.map((k) => (
                <div key={k.key} className="an-kpi" data-testid={`board-${k.key}`}>
                  <Statistic
                    title={
                      <span className="stat-label">
                        {t(k.label)}{' '}
                        <Tooltip title={t(k.help)}>
                          <QuestionCircleOutlined aria-label={t(k.help)} tabIndex={0} />
                        </Tooltip>
                      </span>
                    }
                    value={k.value(m)}
                  />
                  {k.sub && <div className="muted an-kpi-sub">{k.sub(m)}</div>}
                </div>
              ))}
            </div>
          </Spin>
        )}
      </div>
      {m && (
        <Row gutter={16}>
          <Col xs={24} xl={16}>
            <Card title={t('an.board.daily')} variant="borderless" style={{ marginBottom: 16 }}>
              <Chart option={dailyOption} height={320} label={t('an.board.daily')} testId="board-daily" />
            </Card>
          </Col>
          <Col xs={24} xl={8}>
            <Card title={t('an.board.topSources')} variant="borderless" style={{ marginBottom: 16 }} extra={<Link to="/analytics/attribution">{t('an.board.toAttribution')}</Link>}>
              <div data-testid="board-sources">
                <Table
                  rowKey="value"
                  size="small"
                  dataSource={m.topSources}
                  pagination={false}
                  locale={{ emptyText: <span className="muted">{t('an.empty')}</span> }}
                  columns={[
                    { title: t('an.prop.$source'), dataIndex: 'value', render: (v: string) => labels.value(v) },
                    { title: t('an.board.visitors'), dataIndex: 'visitors', width: 90, align: 'right', render: fmtInt },
                    { title: t('an.board.gmv'), dataIndex: 'gmvFen', width: 120, align: 'right', render: (f: number) => formatFen(f, true) },
                  ]}
                />
              </div>
            </Card>
          </Col>
        </Row>
      )}
      <div className="an-pinned-head">
        <h2 className="an-section-title">
          <PushpinOutlined aria-hidden /> {t('an.board.pinned')}
        </h2>
        <Link to="/analytics/insights">{t('an.board.allInsights')}</Link>
      </div>
      {insights.data && !pinned.length ? (
        <div className="page-card">
          <Empty description={t('an.board.noPinned')} />
        </div>
      ) : (
        <Row gutter={16} data-testid="board-pinned">
          {pinned.map((i) => (
            <Col key={i.id} xs={24} xl={12}>
              <PinnedInsight insight={i} onChanged={insights.reload} />
            </Col>
          ))}
        </Row>
      )}
    </div>
  );
}

/** A pinned insight on the board: runs its saved query and draws its chart; opens it or takes it off the board. */
function PinnedInsight({ insight, onChanged }: { insight: Insight; onChanged: () => void }) {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const labels = useLabels();
  const navigate = useNavigate();
  const [result, setResult] = useState<AnalysisResult | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [tick, setTick] = useState(0);
  const [busy, setBusy] = useState(false);

  // The list is fetched again after any change; the same query (by content) is not run again for it.
  const queryKey = JSON.stringify(insight.query);
  useEffect(() => {
    const ctl = new AbortController();
    setError(null);
    runQuery(insight.query, ctl.signal)
      .then(setResult)
      .catch((err: Error) => err.name !== 'AbortError' && setError(err));
    return () => ctl.abort();
  }, [queryKey, tick]); // eslint-disable-line react-hooks/exhaustive-deps

  const option = useMemo(() => (result ? chartOption(insight.query, result, { t, labels }) : {}), [result, insight.query, lang]); // eslint-disable-line react-hooks/exhaustive-deps

  const unpin = async () => {
    setBusy(true);
    try {
      await api.put(`/analytics/insights/${insight.id}`, { name: insight.name, query: insight.query, pinned: false });
      feedback.message.success(t('an.insights.unpinned'));
      onChanged();
    } catch (err) {
      showError(err);
    } finally {
      setBusy(false);
    }
  };

  const link = openLink(insight.query, insight);
  return (
    <Card
      variant="borderless"
      style={{ marginBottom: 16 }}
      title={
        <span>
          {insight.name} <span className="muted an-card-sub">{`${labels.kind(insight.query.kind)} · ${insight.query.from} ~ ${insight.query.to}`}</span>
        </span>
      }
      extra={
        <Space size={0}>
          <Button type="link" size="small" onClick={() => navigate(link.to, { state: link.state })} data-testid={`pinned-open-${insight.id}`}>
            {t('an.insights.open')}
          </Button>
          {can('analytics:write') && (
            <Button type="link" size="small" loading={busy} onClick={unpin} data-testid={`pinned-unpin-${insight.id}`}>
              {t('an.insights.unpin')}
            </Button>
          )}
        </Space>
      }
      data-testid="pinned-insight"
    >
      {error ? (
        <div className="an-pinned-error">
          <span className="muted">{error.message}</span> <Button size="small" onClick={() => setTick((n) => n + 1)}>{t('common.retry')}</Button>
        </div>
      ) : !result ? (
        <div className="an-pinned-loading">
          <Spin />
        </div>
      ) : resultIsEmpty(result) ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('an.empty')} />
      ) : (
        <Chart option={option} height={260} label={insight.name} />
      )}
    </Card>
  );
}
