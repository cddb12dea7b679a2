import { useMemo } from 'react';
import { Card, Col, Row, Skeleton, Statistic } from 'antd';
import Chart from '../components/Chart';
import { LoadError } from '../components/Results';
import { useApi } from '../lib/hooks';
import { useI18n } from '../lib/i18n';
import { fenToYuan, formatFen } from '../lib/money';
import type { MessageKey } from '../lib/dict';

interface DayStats {
  day: string;
  orders: number;
  paidOrders: number;
  paidFen: number;
  averageOrderFen: number;
  newCustomers: number;
}
interface DashboardData {
  today: DayStats;
  last7Days: Omit<DayStats, 'day'>;
  days: DayStats[];
}

const METRICS: { key: keyof Omit<DayStats, 'day'>; label: MessageKey; money?: boolean }[] = [
  { key: 'orders', label: 'dash.orders' },
  { key: 'paidFen', label: 'dash.paidFen', money: true },
  { key: 'averageOrderFen', label: 'dash.aov', money: true },
  { key: 'newCustomers', label: 'dash.newCustomers' },
];

export default function Dashboard() {
  const { t, lang } = useI18n();
  const { data, error, loading, reload } = useApi<DashboardData>('/dashboard');

  const tradeOption = useMemo(() => {
    if (!data) return {};
    const days = data.days.map((d) => d.day.slice(5));
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0, data: [t('dash.revenueYuan'), t('dash.orders'), t('dash.paidOrders')] },
      grid: { left: 56, right: 48, top: 48, bottom: 28 },
      xAxis: { type: 'category', data: days },
      yAxis: [
        { type: 'value', name: '¥', minInterval: 1 },
        { type: 'value', minInterval: 1 },
      ],
      series: [
        { name: t('dash.revenueYuan'), type: 'line', smooth: true, areaStyle: { opacity: 0.12 }, data: data.days.map((d) => Number(fenToYuan(d.paidFen))) },
        { name: t('dash.orders'), type: 'bar', yAxisIndex: 1, barMaxWidth: 18, data: data.days.map((d) => d.orders) },
        { name: t('dash.paidOrders'), type: 'bar', yAxisIndex: 1, barMaxWidth: 18, data: data.days.map((d) => d.paidOrders) },
      ],
      color: ['#155bd4', '#8fb5f5', '#ff9f2e'],
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data, lang]);

  const customerOption = useMemo(() => {
    if (!data) return {};
    return {
      tooltip: { trigger: 'axis' },
      grid: { left: 40, right: 16, top: 24, bottom: 28 },
      xAxis: { type: 'category', data: data.days.map((d) => d.day.slice(5)) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ name: t('dash.newCustomers'), type: 'bar', barMaxWidth: 24, data: data.days.map((d) => d.newCustomers), itemStyle: { color: '#2fc25b' } }],
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data, lang]);

  if (error) return <LoadError error={error} onRetry={reload} />;

  const cards = (title: string, s: Omit<DayStats, 'day'> | undefined, testId: string) => (
    <Card title={title} variant="borderless" style={{ marginBottom: 16 }} data-testid={testId}>
      {loading && !s ? (
        <Skeleton active paragraph={{ rows: 1 }} />
      ) : (
        <Row gutter={16}>
          {METRICS.map((m) => (
            <Col key={m.key} xs={12} md={6}>
              <Statistic
                title={<span className="stat-label">{t(m.label)}</span>}
                value={s ? (m.money ? formatFen(s[m.key], true) : s[m.key]) : '-'}
                data-testid={`${testId}-${m.key}`}
              />
            </Col>
          ))}
        </Row>
      )}
    </Card>
  );

  return (
    <div>
      {cards(t('dash.today'), data?.today, 'dash-today')}
      {cards(t('dash.last7'), data?.last7Days, 'dash-week')}
      <Row gutter={16}>
        <Col xs={24} lg={16}>
          <Card title={t('dash.trend')} variant="borderless" style={{ marginBottom: 16 }}>
            {data ? <Chart option={tradeOption} label={t('dash.trend')} testId="chart-trade" /> : <Skeleton active />}
          </Card>
        </Col>
        <Col xs={24} lg={8}>
          <Card title={t('dash.customerTrend')} variant="borderless" style={{ marginBottom: 16 }}>
            {data ? <Chart option={customerOption} label={t('dash.customerTrend')} testId="chart-customers" /> : <Skeleton active />}
          </Card>
        </Col>
      </Row>
    </div>
  );
}
