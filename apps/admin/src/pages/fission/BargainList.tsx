import { Tag } from 'antd';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import { SalesListPage } from '../promotions/SalesListPage';
import { ActivityNameCell, ErrorBar, ProductCell, phaseOf } from './shared';
import type { Bargain } from './types';
import '../promotions/promotions.css';

/** 砍价: every bargain activity with its price range, rules and, when the list carries them, results. */
export default function BargainList() {
  const { t } = useI18n();
  const { data, loading, error, reload } = useApi<{ items: Bargain[] } | Bargain[]>('/bargains');
  const list = Array.isArray(data) ? data : (data?.items ?? []);

  const stat = (b: Bargain, k: 'launches' | 'succeeded' | 'ordered' | 'helps') => (b.stats ? b.stats[k] : '-');

  return (
    <SalesListPage<Bargain>
      basePath="/bargains"
      testPrefix="bargain"
      title={t('nav.bargains')}
      hint={t('fission.bg.hint')}
      newLabel={t('fission.bg.new')}
      errorBar={<ErrorBar error={error} onRetry={reload} />}
      list={list}
      loading={loading}
      reload={reload}
      scroll={list.length ? { x: 1180 } : undefined}
      emptyText={t('fission.bg.empty')}
      actions={{ width: 120, canEnd: (b) => phaseOf(b) !== 'ended', endConfirm: t('fission.bg.endConfirm'), endLabel: t('fission.end'), ended: 'fission.ended' }}
      columns={[
        { title: t('fission.name'), dataIndex: 'name', width: 230, render: (_, b) => <ActivityNameCell a={b} basePath="/bargains" testPrefix="bargain" /> },
        { title: t('fission.product'), key: 'product', width: 200, render: (_, b) => <ProductCell title={b.productTitle} imageUrl={b.imageUrl} sub={b.specText || undefined} /> },
        {
          title: t('fission.bg.priceRange'),
          key: 'price',
          width: 150,
          render: (_, b) => (
            <span>
              {formatFen(b.startPriceFen)} → <b style={{ color: '#cf1322' }}>{formatFen(b.floorPriceFen)}</b>
            </span>
          ),
        },
        {
          title: t('fission.bg.rules'),
          key: 'rules',
          width: 200,
          render: (_, b) => (
            <div style={{ fontSize: 12 }}>
              <div>{t('fission.bg.helpersText', { n: b.helpersNeeded })} · {t('fission.bg.hoursText', { n: b.launchHours })}</div>
              <Tag color={b.buyMode === 'floor_only' ? 'red' : 'blue'} style={{ marginTop: 4 }}>
                {t(`fission.bg.buyMode.${b.buyMode}`)}
              </Tag>
            </div>
          ),
        },
        { title: t('fission.bg.soldStock'), key: 'stock', width: 100, align: 'right', render: (_, b) => (b.sold !== undefined ? `${b.sold}/${b.stock}` : b.stock) },
        {
          title: t('fission.bg.statsColumn'),
          key: 'stats',
          width: 150,
          render: (_, b) => (
            <span data-testid={`bargain-stats-${b.id}`}>
              {stat(b, 'launches')} / <span style={{ color: '#389e0d' }}>{stat(b, 'succeeded')}</span> / <span style={{ color: '#722ed1' }}>{stat(b, 'ordered')}</span>
            </span>
          ),
        },
      ]}
    />
  );
}
