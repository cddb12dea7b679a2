import { Link, useParams } from 'react-router-dom';
import { Col, Descriptions, Skeleton, Space, Table, Tag, type TableProps } from 'antd';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import { LoadError } from '../../components/Results';
import { ActivityHeader, BargainProgress, LaunchStatusTag, ProductCell, StatTile, WindowText, fmtMinute } from './shared';
import type { BargainDetail as Detail, BargainLaunchRow, LaunchStatus } from './types';
import '../promotions/promotions.css';

/** One 砍价: its rules, results and the recent launches with how far each got from start to floor. */
export default function BargainDetail() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const detail = useApi<Detail>(`/bargains/${id}`);
  const b = detail.data;

  if (detail.error) return <LoadError error={detail.error} onRetry={detail.reload} />;
  if (!b) return <div className="page-card"><Skeleton active /></div>;
  const launches = b.launches ?? b.recentLaunches ?? [];

  const columns: TableProps<BargainLaunchRow>['columns'] = [
    {
      title: t('fission.bg.launcher'),
      key: 'who',
      width: 140,
      render: (_, l) => {
        const name = l.nickname ?? l.launcher?.nickname;
        return l.customerId ? <Link to={`/customers/${l.customerId}`}>{name || l.customerId.slice(0, 8)}</Link> : (name ?? '-');
      },
    },
    {
      title: t('fission.bg.progress'),
      key: 'progress',
      width: 300,
      render: (_, l) => <BargainProgress startFen={l.startPriceFen ?? b.startPriceFen} floorFen={l.floorPriceFen ?? b.floorPriceFen} currentFen={l.currentPriceFen} helps={l.helpsCount} needed={l.helpersNeeded} />,
    },
    { title: t('common.status'), dataIndex: 'status', width: 90, render: (s: LaunchStatus) => <LaunchStatusTag status={s} /> },
    { title: t('fission.bg.launchedAt'), dataIndex: 'createdAt', width: 140, render: (v?: string) => fmtMinute(v) },
    { title: t('fission.bg.expiresAt'), dataIndex: 'expiresAt', width: 140, render: (v: string) => fmtMinute(v) },
    {
      title: t('fission.bg.order'),
      key: 'order',
      width: 170,
      render: (_, l) =>
        l.orderId ? (
          <Space size={4}>
            <Link to={`/orders/${l.orderId}`}>{l.orderNo ?? t('fission.bg.viewOrder')}</Link>
            {l.paidAt ? <Tag color="green">{t('fission.bg.paid')}</Tag> : <Tag>{t('fission.bg.unpaid')}</Tag>}
          </Space>
        ) : (
          <span className="muted">-</span>
        ),
    },
  ];

  const stats = [
    ['launches', b.stats.launches],
    ['succeeded', b.stats.succeeded],
    ['ordered', b.stats.ordered],
    ['helps', b.stats.helps],
  ] as const;

  return (
    <div>
      <ActivityHeader<Detail>
        a={b}
        testPrefix="bargain"
        tags={<Tag color={b.buyMode === 'floor_only' ? 'red' : 'blue'}>{t(`fission.bg.buyMode.${b.buyMode}`)}</Tag>}
        meta={
          <>
            <ProductCell title={b.productTitle} imageUrl={b.imageUrl} sub={b.specText || undefined} />
            <WindowText a={b} />
          </>
        }
        endConfirm={t('fission.bg.endConfirm')}
        endPath={`/bargains/${id}/end`}
        // The end call may answer with the bare activity; keep the stats and launches already shown.
        onEnded={(next) => detail.setData({ ...b, ...next, stats: next.stats ?? b.stats, launches: next.launches ?? b.launches, recentLaunches: next.recentLaunches ?? b.recentLaunches })}
      >
        {stats.map(([k, v]) => (
          <Col key={k} xs={12} md={6}>
            <StatTile label={t(`fission.bg.stats.${k}`)} value={v} testId={`bargain-stat-${k}`} />
          </Col>
        ))}
      </ActivityHeader>
      <div className="page-card">
        <h2 className="page-title" style={{ fontSize: 16 }}>
          {t('fission.bg.rules')}
        </h2>
        <Descriptions column={{ xs: 1, md: 2, xl: 3 }} size="small" data-testid="bargain-rules">
          <Descriptions.Item label={t('fission.bg.startPrice')}>{formatFen(b.startPriceFen)}</Descriptions.Item>
          <Descriptions.Item label={t('fission.bg.floorPrice')}>
            <span style={{ color: '#cf1322' }}>{formatFen(b.floorPriceFen)}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('fission.bg.helpersNeeded')}>{t('fission.bg.helpersText', { n: b.helpersNeeded })}</Descriptions.Item>
          <Descriptions.Item label={t('fission.bg.launchHours')}>{t('fission.bg.hoursText', { n: b.launchHours })}</Descriptions.Item>
          <Descriptions.Item label={t('fission.bg.firstCut')}>{`${b.firstCutPct[0]}% ~ ${b.firstCutPct[1]}%`}</Descriptions.Item>
          <Descriptions.Item label={t('fission.bg.helpsPerDay')}>{t('fission.bg.timesText', { n: b.helpsPerHelperPerDay })}</Descriptions.Item>
          <Descriptions.Item label={t('fission.bg.launchesPerCustomer')}>{t('fission.bg.timesText', { n: b.launchesPerCustomer })}</Descriptions.Item>
          <Descriptions.Item label={t('fission.bg.stock')}>{b.sold !== undefined ? t('fission.bg.soldOfStock', { sold: b.sold, stock: b.stock }) : b.stock}</Descriptions.Item>
        </Descriptions>
      </div>
      <div className="page-card">
        <h2 className="page-title" style={{ fontSize: 16 }}>
          {t('fission.bg.launches')}
        </h2>
        <Table<BargainLaunchRow>
          size="small"
          rowKey="id"
          columns={columns}
          dataSource={launches}
          scroll={launches.length ? { x: 1000 } : undefined}
          locale={{ emptyText: <span className="muted">{t('fission.bg.noLaunches')}</span> }}
          pagination={launches.length > 20 ? { pageSize: 20, showSizeChanger: false, showTotal: (n) => t('common.total', { n }) } : false}
          onRow={(l) => ({ 'data-testid': `launch-row-${l.id}`, 'data-status': l.status }) as never}
          data-testid="bargain-launches"
        />
      </div>
    </div>
  );
}
