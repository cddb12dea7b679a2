import { useMemo, useState } from 'react';
import { useParams } from 'react-router-dom';
import { Card, Col, Descriptions, Row, Statistic, Table, Tag } from 'antd';
import { useAuth } from '../../lib/auth';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import type { Paged } from '../../lib/types';
import Chart from '../../components/Chart';
import { LoadError } from '../../components/Results';
import { codeFunnelOption, deletionsOption } from './charts';
import { scheduleText } from './helpers';
import { CorpTagList, useRelationColumns } from './labels';
import { CodeStatsHead } from './CodeStatsHead';
import RelationDrawer from './RelationDrawer';
import type { ChannelCode, ChannelCodeStats as Stats, CorpTag, Relation, StaffMember } from './types';
import './wecom.css';

/** One channel code: its QR code, who answers it, and what the customers added through it did. */
export default function ChannelCodeStats() {
  const { t } = useI18n();
  const { can } = useAuth();
  const { id } = useParams();
  const code = useApi<ChannelCode>(`/wecom/channel-codes/${id}`);
  const stats = useApi<Stats>(`/wecom/channel-codes/${id}/stats`);
  const staff = useApi<{ items: StaffMember[] }>('/wecom/staff');
  const readCustomers = can('customers:read');
  const tags = useApi<{ items: CorpTag[] }>(readCustomers ? '/wecom/tags' : null);
  const [page, setPage] = useState(1);
  const relations = useApi<Paged<Relation>>(readCustomers ? '/wecom/relations' : null, { channelCodeId: id, page, pageSize: 10 });
  const [open, setOpen] = useState<string | null>(null);
  const names = useMemo(() => new Map((staff.data?.items ?? []).map((s) => [s.userid, s.name])), [staff.data]);
  const tagMap = useMemo(() => new Map((tags.data?.items ?? []).map((x) => [x.id, x])), [tags.data]);
  const columns = useRelationColumns({ tags: tagMap, onOpen: (r) => setOpen(r.id) });
  const s = stats.data;
  const funnel = useMemo(() => (s ? codeFunnelOption(s, t) : null), [s, t]);
  const deletions = useMemo(() => (s ? deletionsOption(s, t) : null), [s, t]);
  const who = (ids: string[]) => ids.map((u) => names.get(u) ?? u).join(t('common.listSep'));

  // A deleted code has statistics but no config any more (404 here); the numbers still show.
  const error = stats.error;
  if (error) return <LoadError error={error} onRetry={stats.reload} />;
  const c = code.data;

  return (
    <div>
      <CodeStatsHead
        kind="channel-codes"
        code={c}
        title={<>{s?.name ?? c?.name} {s?.deleted && <Tag color="red">{t('wecom.code.deletedTag')}</Tag>}</>}
        state={s?.state}
        testPrefix="wecom-code"
      >
        {c && (
          <Descriptions column={1} size="small" style={{ flex: 1, minWidth: 280 }} data-testid="wecom-code-info">
            <Descriptions.Item label={t('wecom.code.mode')}>{c.mode === 'single' ? t('wecom.code.mode.single') : t('wecom.code.mode.rotation')}</Descriptions.Item>
            <Descriptions.Item label={t('wecom.code.now')}>{who(c.currentUsers) || '-'}</Descriptions.Item>
            <Descriptions.Item label={t('wecom.code.defaultMembers')}>{who(c.users)}</Descriptions.Item>
            {c.schedules.map((x, i) => (
              <Descriptions.Item key={i} label={i === 0 ? t('wecom.code.schedules') : ' '}>
                {scheduleText(x, t)}: {who(x.users)}
              </Descriptions.Item>
            ))}
            <Descriptions.Item label={t('wecom.code.backup')}>{c.backupUserid ? (names.get(c.backupUserid) ?? c.backupUserid) : '-'}</Descriptions.Item>
            <Descriptions.Item label={t('wecom.code.tags')}>
              <CorpTagList ids={c.tagIds} tags={tagMap} />
            </Descriptions.Item>
            <Descriptions.Item label={t('wecom.code.welcome')}>
              {c.welcome ? (
                <span>
                  {c.welcome.couponTemplateId && <Tag color="orange">{t('wecom.code.withCoupon')}</Tag>}
                  {c.welcome.miniprogram && <Tag color="blue">{t('wecom.code.withMini')}</Tag>}
                  <span className="wecom-welcome-text">{c.welcome.text}</span>
                </span>
              ) : (
                t('wecom.code.noWelcome')
              )}
            </Descriptions.Item>
            <Descriptions.Item label={t('common.createdAt')}>{fmtTime(c.createdAt)}</Descriptions.Item>
          </Descriptions>
        )}
      </CodeStatsHead>

      {s && (
        <div className="page-card" data-testid="wecom-code-stats" data-adds={s.adds} data-first-orders={s.firstOrders}>
          <h2 className="wecom-h2">{t('wecom.stats.title')}</h2>
          <Row gutter={[16, 16]} className="wecom-stat-row">
            <Col xs={12} md={6} lg={3}><Statistic title={t('wecom.stats.adds')} value={s.adds} /></Col>
            <Col xs={12} md={6} lg={3}><Statistic title={t('wecom.stats.deletions')} value={s.deletions} /></Col>
            <Col xs={12} md={6} lg={3}><Statistic title={t('wecom.stats.active')} value={s.activeContacts} /></Col>
            <Col xs={12} md={6} lg={3}><Statistic title={t('wecom.stats.linked')} value={s.linkedCustomers} /></Col>
            <Col xs={12} md={6} lg={3}><Statistic title={t('wecom.stats.buyers')} value={s.buyers} /></Col>
            <Col xs={12} md={6} lg={3}><Statistic title={t('wecom.stats.firstOrders')} value={s.firstOrders} /></Col>
            <Col xs={12} md={6} lg={3}><Statistic title={t('wecom.stats.orders')} value={s.orders} /></Col>
            <Col xs={12} md={6} lg={3}><Statistic title={t('wecom.stats.revenue')} value={formatFen(s.revenueFen, true)} /></Col>
          </Row>
          <p className="muted wecom-note" style={{ marginTop: 12 }}>{t('wecom.stats.note')}</p>
          <Row gutter={16}>
            <Col xs={24} lg={14}>
              <Card size="small" title={t('wecom.stats.funnel')} variant="borderless">
                {funnel && <Chart option={funnel} height={220} label={t('wecom.stats.funnelLabel', { adds: s.adds, buyers: s.buyers, first: s.firstOrders })} testId="wecom-code-funnel" />}
              </Card>
            </Col>
            <Col xs={24} lg={10}>
              <Card size="small" title={t('wecom.stats.whoDeleted')} variant="borderless">
                {deletions && <Chart option={deletions} height={220} label={t('wecom.stats.whoDeletedLabel', { staff: s.deletedByStaff, customer: s.deletedByCustomer })} testId="wecom-code-deletions" />}
              </Card>
            </Col>
          </Row>
        </div>
      )}

      {readCustomers && (
        <div className="page-card">
          <h2 className="wecom-h2">{t('wecom.stats.customers')}</h2>
          <Table<Relation>
            rowKey="id"
            size="small"
            loading={relations.loading}
            dataSource={relations.data?.items ?? []}
            columns={columns}
            scroll={{ x: 1000 }}
            onChange={(pg) => setPage(pg.current ?? 1)}
            pagination={{ current: page, pageSize: 10, total: relations.data?.total ?? 0, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
            locale={{ emptyText: <span className="muted">{t('wecom.stats.noCustomers')}</span> }}
            onRow={(r) => ({ 'data-testid': `wecom-code-customer-${r.externalUserid}` }) as React.HTMLAttributes<HTMLElement>}
          />
          <RelationDrawer id={open} tags={tags.data?.items ?? []} codes={c ? [c] : []} onClose={() => setOpen(null)} onChanged={relations.reload} />
        </div>
      )}
    </div>
  );
}
