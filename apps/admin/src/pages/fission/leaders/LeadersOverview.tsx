import { Link } from 'react-router-dom';
import { Col, Row, Skeleton } from 'antd';
import { useApi } from '../../../lib/hooks';
import { useI18n } from '../../../lib/i18n';
import { formatFen } from '../../../lib/money';
import { LoadError } from '../../../components/Results';
import { RankingTable, Section, StatCard } from '../OverviewParts';
import type { LeadersOverview as Overview } from './types';
import '../../promotions/promotions.css';

/** 团长概况: how many leaders and applications, the last 30 days' verified pickups and commission, what is unsettled, the top leaders. */
export default function LeadersOverview() {
  const { t } = useI18n();
  const { data, error, reload } = useApi<Overview>('/leaders/overview');
  if (error) return <LoadError error={error} onRetry={reload} />;
  if (!data) return <div className="page-card"><Skeleton active /></div>;

  const cards: { key: string; title: string; value: string | number; link?: { to: string; text: string }; warn?: boolean }[] = [
    { key: 'leaders', title: t('fission.ld.ov.leaders'), value: data.leaders, link: { to: '/leaders?status=approved', text: t('common.view') } },
    { key: 'pending', title: t('fission.ld.ov.pending'), value: data.pendingApplications, warn: data.pendingApplications > 0, link: { to: '/leaders?status=pending', text: t('fission.ds.goReview') } },
    { key: 'verified', title: t('fission.ld.ov.verified30d'), value: data.verifiedOrders30d },
    { key: 'commission', title: t('fission.ld.ov.commission30d'), value: formatFen(data.commissionFen30d, true) },
    { key: 'unsettled', title: t('fission.ld.ov.unsettled'), value: formatFen(data.unsettledFen, true), link: { to: '/leaders/settlements', text: t('fission.ld.goSettle') } },
  ];

  return (
    <div>
      <div className="page-card">
        <h1 className="page-title">{t('nav.leadersOverview')}</h1>
        <p className="muted">{t('fission.ld.overviewHint')}</p>
        <Row gutter={[16, 16]}>
          {cards.map((c) => (
            <Col key={c.key} xs={12} lg={8} xl={{ flex: '20%' }}>
              <StatCard testId={`ld-card-${c.key}`} title={c.title} value={c.value} warn={c.warn}>
                {c.link && <Link to={c.link.to}>{c.link.text}</Link>}
              </StatCard>
            </Col>
          ))}
        </Row>
      </div>
      <Section title={t('fission.ld.ranking')}>
        <RankingTable
          dataSource={data.ranking}
          testId="ld-ranking"
          emptyText={t('fission.ld.noRanking')}
          columns={[
            { title: t('fission.ld.leader'), dataIndex: 'name', render: (v: string | null, r) => v || r.customerId.slice(0, 8) },
            { title: t('fission.ld.ordersVerified'), dataIndex: 'orders', width: 110, align: 'right' },
            { title: t('fission.ld.commission'), dataIndex: 'commissionFen', width: 130, align: 'right', render: (v: number) => formatFen(v, true) },
          ]}
        />
      </Section>
    </div>
  );
}
