import { Space, Tag } from 'antd';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import { SalesListPage } from '../promotions/SalesListPage';
import { groupPriceRange } from './helpers';
import { ActivityNameCell, ErrorBar, LeaderModeTag, ProductCell, durationText, phaseOf } from './shared';
import type { GroupBuy } from './types';
import '../promotions/promotions.css';

/** 拼团: every group-buy activity with how its groups turned out; 结束 stops new groups. */
export default function GroupBuyList() {
  const { t } = useI18n();
  const { data, loading, error, reload } = useApi<{ items: GroupBuy[] }>('/group-buys');
  const list = data?.items ?? [];

  return (
    <SalesListPage<GroupBuy>
      basePath="/group-buys"
      testPrefix="groupbuy"
      title={t('nav.groupBuys')}
      hint={t('fission.gb.hint')}
      newLabel={t('fission.gb.new')}
      errorBar={<ErrorBar error={error} onRetry={reload} />}
      list={list}
      loading={loading}
      reload={reload}
      scroll={list.length ? { x: 1130 } : undefined}
      emptyText={t('fission.gb.empty')}
      actions={{ width: 120, canEnd: (g) => phaseOf(g) !== 'ended', endConfirm: t('fission.gb.endConfirm'), endLabel: t('fission.end'), ended: 'fission.ended' }}
      columns={[
        { title: t('fission.name'), dataIndex: 'name', width: 230, render: (_, g) => <ActivityNameCell a={g} basePath="/group-buys" testPrefix="groupbuy" /> },
        { title: t('fission.product'), key: 'product', width: 220, render: (_, g) => <ProductCell title={g.productTitle} imageUrl={g.imageUrl} sub={groupPriceRange(g.items)} /> },
        {
          title: t('fission.gb.rules'),
          key: 'rules',
          width: 190,
          render: (_, g) => (
            <div style={{ fontSize: 12 }}>
              <div>{t('fission.gb.sizeText', { n: g.groupSize })} · {durationText(g.durationMinutes, t)}</div>
              <Space size={4} wrap style={{ marginTop: 4 }}>
                <LeaderModeTag mode={g.leaderMode} />
                {g.newCustomerOnly && <Tag color="magenta">{t('fission.gb.newOnlyTag')}</Tag>}
                {g.virtualThresholdPct !== null && <Tag color="gold">{t('fission.gb.virtualTag', { n: g.virtualThresholdPct })}</Tag>}
              </Space>
            </div>
          ),
        },
        {
          title: t('fission.gb.groupsColumn'),
          key: 'groups',
          width: 150,
          render: (_, g) => (
            <span data-testid={`groupbuy-groups-${g.id}`}>
              <span style={{ color: '#155bd4' }}>{g.stats.groupsOpen}</span> / <span style={{ color: '#389e0d' }}>{g.stats.groupsSucceeded}</span> / <span style={{ color: '#cf1322' }}>{g.stats.groupsFailed}</span>
            </span>
          ),
        },
        { title: t('fission.gb.stats.membersPaid'), key: 'members', width: 90, align: 'right', render: (_, g) => g.stats.membersPaid },
        { title: t('fission.gb.stats.paidFen'), key: 'paid', width: 110, align: 'right', render: (_, g) => formatFen(g.stats.paidFen, true) },
      ]}
    />
  );
}
