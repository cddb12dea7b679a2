import { useMemo } from 'react';
import { Link } from 'react-router-dom';
import { Col, Row, Skeleton, Statistic, Tooltip } from 'antd';
import { QuestionCircleOutlined } from '@ant-design/icons';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import { formatFen } from '../../lib/money';
import { LoadError } from '../../components/Results';
import Chart from '../../components/Chart';
import { commissionDailyOption } from './charts';
import { ChartBesideRanking, RankingTable, StatCard } from './OverviewParts';
import type { DistributionOverview as Overview } from './types';
import '../promotions/promotions.css';

const MONEY = ['frozenFen', 'payableFen', 'paidFen', 'clawedFen'] as const;

/** 分销概况: where commission stands (frozen, payable, paid, clawed back), who earns most, the last 30 days. */
export default function DistributionOverview() {
  const { t } = useI18n();
  const { can } = useAuth();
  const { data, error, reload } = useApi<Overview>('/distribution/overview');
  const option = useMemo(() => (data?.daily ? commissionDailyOption(data.daily, t) : null), [data?.daily, t]);

  if (error) return <LoadError error={error} onRetry={reload} />;
  if (!data) return <div className="page-card"><Skeleton active /></div>;

  return (
    <div>
      <div className="page-card">
        <h1 className="page-title">{t('nav.distributionOverview')}</h1>
        <p className="muted">{t('fission.ds.overviewHint')}</p>
        <Row gutter={[16, 16]}>
          {MONEY.map((k) => (
            <Col key={k} xs={12} lg={6}>
              <StatCard
                testId={`ds-card-${k}`}
                title={
                  <>
                    {t(`fission.ds.money.${k}`)}{' '}
                    <Tooltip title={t(`fission.ds.moneyHint.${k}`)}>
                      <QuestionCircleOutlined aria-label={t(`fission.ds.moneyHint.${k}`)} />
                    </Tooltip>
                  </>
                }
                value={formatFen(data[k], true)}
              />
            </Col>
          ))}
        </Row>
        <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
          <Col xs={8}>
            <Statistic title={<span className="stat-label">{t('fission.ds.promoters')}</span>} value={data.promoters} />
            <Link to="/distribution/promoters?status=approved">{t('common.view')}</Link>
          </Col>
          <Col xs={8}>
            <Statistic title={<span className="stat-label">{t('fission.ds.pendingApplications')}</span>} value={data.pendingApplications} styles={data.pendingApplications ? { content: { color: '#d48806' } } : undefined} />
            {can('distribution:read') && <Link to="/distribution/promoters?status=pending" data-testid="ds-go-pending">{t('fission.ds.goReview')}</Link>}
          </Col>
          <Col xs={8}>
            <Statistic title={<span className="stat-label">{t('fission.ds.pendingWithdrawals')}</span>} value={data.pendingWithdrawals} styles={data.pendingWithdrawals ? { content: { color: '#d48806' } } : undefined} />
            <Link to="/distribution/withdrawals?status=reviewing" data-testid="ds-go-withdrawals">{t('fission.ds.goReview')}</Link>
          </Col>
        </Row>
      </div>
      <ChartBesideRanking
        chartTitle={t('fission.ds.chartTitle')}
        chart={option && <Chart option={option} height={300} label={t('fission.ds.chartTitle')} testId="ds-chart" />}
        rankingTitle={t('fission.ds.ranking')}
        ranking={
          <RankingTable
            dataSource={data.ranking}
            testId="ds-ranking"
            emptyText={t('fission.ds.noRanking')}
            columns={[
              {
                title: t('fission.ds.promoter'),
                dataIndex: 'nickname',
                render: (v: string, r) => <Link to={`/distribution/promoters/${r.customerId}`}>{v || r.customerId.slice(0, 8)}</Link>,
              },
              { title: t('fission.ds.orders'), dataIndex: 'orders', width: 70, align: 'right' },
              { title: t('fission.ds.earned'), dataIndex: 'earnedFen', width: 110, align: 'right', render: (v: number) => formatFen(v, true) },
            ]}
          />
        }
      />
    </div>
  );
}
