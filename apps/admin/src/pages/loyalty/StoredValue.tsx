import { useMemo, useState } from 'react';
import { Alert, Button, Card, Col, Row, Statistic, Tabs } from 'antd';
import { useAuth } from '../../lib/auth';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { fenToYuan, formatFen } from '../../lib/money';
import Chart from '../../components/Chart';
import StoredValuePlans from './StoredValuePlans';
import StoredValueSettings from './StoredValueSettings';
import StoredValueStatement from './StoredValueStatement';

/** GET /stored-value/overview. */
export interface StoredValueOverview {
  /** Principal members hold: money the shop owes them. */
  principalFen: number;
  bonusFen: number;
  /** Members with a balance above 0. */
  members: number;
  month: { toppedUpFen: number; bonusGivenFen: number; spentFen: number; returnedFen: number };
}

/** 会员储值: what members hold and this month's flow, then plans, the statement and the settings. */
export default function StoredValue() {
  const { t } = useI18n();
  const { can } = useAuth();
  const overview = useApi<StoredValueOverview>('/stored-value/overview');
  const [tab, setTab] = useState('plans');
  const o = overview.data;

  const chartLabel = o
    ? t('sv.chartLabel', { topup: formatFen(o.month.toppedUpFen), bonus: formatFen(o.month.bonusGivenFen), spent: formatFen(o.month.spentFen), returned: formatFen(o.month.returnedFen) })
    : t('sv.monthFlow');
  const option = useMemo(() => {
    if (!o) return {};
    const cats = [t('sv.month.toppedUp'), t('sv.month.bonusGiven'), t('sv.month.spent'), t('sv.month.returned')];
    const values = [o.month.toppedUpFen, o.month.bonusGivenFen, o.month.spentFen, o.month.returnedFen];
    const colors = ['#155bd4', '#fa8c16', '#cf1322', '#237804'];
    return {
      grid: { left: 16, right: 24, top: 24, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: number) => `¥${Number(v).toFixed(2)}` },
      xAxis: { type: 'category', data: cats },
      yAxis: { type: 'value', axisLabel: { formatter: (v: number) => `¥${v}` } },
      series: [
        {
          type: 'bar',
          barMaxWidth: 48,
          // Yuan on the chart axis; the fen → yuan step goes through text so no float noise appears.
          data: values.map((v, i) => ({ value: Number(fenToYuan(v)), itemStyle: { color: colors[i] } })),
          label: { show: true, position: 'top', formatter: (p: { dataIndex: number }) => formatFen(values[p.dataIndex], true) },
        },
      ],
    };
  }, [o, t]);

  return (
    <div>
      <div className="page-card">
        <h1 className="page-title">{t('nav.storedValue')}</h1>
        {overview.error ? (
          <Alert
            type="error"
            showIcon
            title={overview.error.message}
            action={
              <Button size="small" onClick={overview.reload}>
                {t('common.retry')}
              </Button>
            }
          />
        ) : (
          <Row gutter={[16, 16]} data-testid="sv-overview">
            <Col xs={24} lg={10}>
              <Row gutter={[16, 16]}>
                <Col xs={12}>
                  <Card size="small" variant="outlined">
                    <Statistic title={t('sv.principalOwed')} value={o ? formatFen(o.principalFen, true) : ''} loading={!o} data-testid="sv-principal" />
                  </Card>
                </Col>
                <Col xs={12}>
                  <Card size="small" variant="outlined">
                    <Statistic title={t('sv.bonusOwed')} value={o ? formatFen(o.bonusFen, true) : ''} loading={!o} data-testid="sv-bonus" />
                  </Card>
                </Col>
                <Col xs={12}>
                  <Card size="small" variant="outlined">
                    <Statistic title={t('sv.members')} value={o?.members ?? 0} loading={!o} data-testid="sv-members" />
                  </Card>
                </Col>
                <Col xs={12}>
                  <Card size="small" variant="outlined">
                    <Statistic title={t('sv.monthToppedUp')} value={o ? formatFen(o.month.toppedUpFen, true) : ''} loading={!o} data-testid="sv-month-topup" />
                  </Card>
                </Col>
                <Col xs={12}>
                  <Card size="small" variant="outlined">
                    <Statistic title={t('sv.monthSpent')} value={o ? formatFen(o.month.spentFen, true) : ''} loading={!o} data-testid="sv-month-spent" />
                  </Card>
                </Col>
                <Col xs={12}>
                  <Card size="small" variant="outlined">
                    <Statistic title={t('sv.monthReturned')} value={o ? formatFen(o.month.returnedFen, true) : ''} loading={!o} data-testid="sv-month-returned" />
                  </Card>
                </Col>
              </Row>
              <p className="muted" style={{ margin: '12px 0 0' }}>
                {t('sv.overviewHint')}
              </p>
            </Col>
            <Col xs={24} lg={14}>
              <div className="stat-label" style={{ marginBottom: 4 }}>
                {t('sv.monthFlow')}
              </div>
              {o && <Chart option={option} height={260} label={chartLabel} testId="sv-chart" />}
            </Col>
          </Row>
        )}
      </div>
      <div className="page-card">
        <Tabs
          activeKey={tab}
          onChange={setTab}
          items={[
            { key: 'plans', label: t('sv.tab.plans'), children: <StoredValuePlans /> },
            { key: 'statement', label: t('sv.tab.statement'), children: <StoredValueStatement /> },
            { key: 'settings', label: t('sv.tab.settings'), children: <StoredValueSettings onSaved={overview.reload} readOnly={!can('loyalty:manage')} /> },
          ]}
          data-testid="sv-tabs"
        />
      </div>
    </div>
  );
}
