import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { Col, Descriptions, Row, Statistic, Table, Tabs, Tag, Tooltip, type TableProps } from 'antd';
import { useAuth } from '../../lib/auth';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import type { Paged } from '../../lib/types';
import { LoadError } from '../../components/Results';
import { fmtMinute } from '../promotions/shared';
import { joinSceneKey } from './helpers-groups';
import { GroupStatusTag } from './labels-groups';
import type { StaffMember } from './types';
import type { GroupCode, GroupDetail as Detail, GroupMember, GroupPresence } from './types-groups';
import './wecom.css';
import './groups.css';

const PAGE_SIZE = 20;

/**
 * One customer group: its owner, notice and counts, and its members — those in it now, those who left —
 * with how each came in (invited, the invite link, a QR code; a group code's state says which code).
 */
export default function GroupDetail() {
  const { t } = useI18n();
  const { chatId = '' } = useParams();
  const path = `/wecom/groups/${encodeURIComponent(chatId)}`;
  const { data: g, error, reload } = useApi<Detail>(path);
  const [presence, setPresence] = useState<GroupPresence>('current');
  const [page, setPage] = useState(1);
  const members = useApi<Paged<GroupMember>>(`${path}/members`, { page, pageSize: PAGE_SIZE, presence });
  const { can } = useAuth();
  const staff = useApi<{ items: StaffMember[] }>(can('messaging:read') ? '/wecom/staff' : null);
  const codes = useApi<{ items: GroupCode[] }>(can('messaging:read') ? '/wecom/group-codes' : null);
  const staffName = useMemo(() => new Map((staff.data?.items ?? []).map((x) => [x.userid, x.name])), [staff.data]);
  // A member's state names the group code they scanned; a state no code of this shop has shows as it is.
  const codeOf = useMemo(() => new Map((codes.data?.items ?? []).map((c) => [c.state, c])), [codes.data]);

  const columns: TableProps<GroupMember>['columns'] = [
    {
      title: t('wecom.grp.member'),
      key: 'name',
      render: (_, m) => (
        <div>
          <span data-testid="wecom-group-member-name">{m.name ?? m.memberId}</span>{' '}
          {m.kind === 'staff' ? <Tag color="blue">{t('wecom.grp.kind.staff')}</Tag> : <Tag color="green">{t('wecom.grp.kind.customer')}</Tag>}
          {m.kind === 'customer' &&
            (m.customerId ? (
              <div>
                <Link to={`/customers/${m.customerId}`} style={{ fontSize: 12 }} data-testid="wecom-group-member-customer">{t('wecom.rel.linked')}</Link>
              </div>
            ) : (
              <Tooltip title={t('wecom.rel.unlinkedHint')}>
                <div className="muted" style={{ fontSize: 12 }}>{t('wecom.rel.unlinked')}</div>
              </Tooltip>
            ))}
        </div>
      ),
    },
    {
      title: t('wecom.grp.joinScene'),
      key: 'scene',
      width: 200,
      render: (_, m) => (
        <div>
          <div>{m.joinScene === null ? '-' : t(joinSceneKey(m.joinScene))}</div>
          {m.state &&
            (codeOf.get(m.state) ? (
              <Link to={`/wecom/group-codes/${codeOf.get(m.state)!.id}/stats`} style={{ fontSize: 12 }} data-testid="wecom-group-member-code">
                {t('wecom.grp.viaCode', { name: codeOf.get(m.state)!.name })}
              </Link>
            ) : (
              <div className="muted" style={{ fontSize: 12 }}>state: {m.state}</div>
            ))}
        </div>
      ),
    },
    { title: t('wecom.grp.invitor'), dataIndex: 'invitor', width: 130, render: (v: string | null) => (v ? (staffName.get(v) ?? v) : <span className="muted">-</span>) },
    { title: t('wecom.grp.joinTime'), dataIndex: 'joinTime', width: 160, render: (v: string | null) => fmtMinute(v) },
    ...(presence === 'current' ? [] : [{ title: t('wecom.grp.leftAt'), dataIndex: 'leftAt', width: 160, render: (v: string | null) => (v ? fmtMinute(v) : <span className="muted">{t('wecom.grp.stillIn')}</span>) }]),
  ];

  if (error) return <LoadError error={error} onRetry={reload} />;
  if (!g) return null;

  return (
    <div>
      <div className="page-card" data-testid="wecom-group-detail">
        <h1 className="page-title" style={{ marginBottom: 8 }}>
          {g.name || t('wecom.grp.unnamed')} <GroupStatusTag status={g.status} />
        </h1>
        <Descriptions column={{ xs: 1, md: 2 }} size="small">
          <Descriptions.Item label={t('wecom.grp.owner')}>{g.ownerName ?? staffName.get(g.owner) ?? g.owner}</Descriptions.Item>
          <Descriptions.Item label={t('wecom.grp.createdAt')}>{fmtMinute(g.createdAt)}</Descriptions.Item>
          <Descriptions.Item label={t('wecom.grp.notice')} span={2}>
            <span className="wecom-welcome-text">{g.notice || <span className="muted">{t('wecom.grp.noNotice')}</span>}</span>
          </Descriptions.Item>
        </Descriptions>
        <Row gutter={[16, 16]} className="wecom-stat-row" style={{ marginTop: 12 }} data-testid="wecom-group-counts">
          <Col xs={12} md={6} lg={4}><Statistic title={t('wecom.grp.members')} value={g.memberCount} /></Col>
          <Col xs={12} md={6} lg={4}><Statistic title={t('wecom.grp.kind.customer')} value={g.members?.customers ?? g.customerCount} /></Col>
          <Col xs={12} md={6} lg={4}><Statistic title={t('wecom.grp.kind.staff')} value={g.members?.staff ?? g.memberCount - g.customerCount} /></Col>
          <Col xs={12} md={6} lg={4}><Statistic title={t('wecom.grp.joined7d')} value={g.joined7d} valueStyle={{ color: '#155bd4' }} /></Col>
          <Col xs={12} md={6} lg={4}><Statistic title={t('wecom.grp.left7d')} value={g.left7d} valueStyle={{ color: '#d46b08' }} /></Col>
        </Row>
      </div>

      <div className="page-card">
        <Tabs
          activeKey={presence}
          onChange={(k) => {
            setPresence(k as GroupPresence);
            setPage(1);
          }}
          items={(['current', 'left', 'all'] as const).map((k) => ({ key: k, label: t(`wecom.grp.presence.${k}`) }))}
          data-testid="wecom-group-presence"
        />
        <Table<GroupMember>
          rowKey="memberId"
          size="small"
          loading={members.loading}
          dataSource={members.data?.items ?? []}
          columns={columns}
          scroll={{ x: 820 }}
          onChange={(pg) => setPage(pg.current ?? 1)}
          pagination={{ current: page, pageSize: PAGE_SIZE, total: members.data?.total ?? 0, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
          locale={{ emptyText: <span className="muted">{presence === 'left' ? t('wecom.grp.noneLeft') : t('wecom.grp.noMembers')}</span> }}
          onRow={(m) => ({ 'data-testid': `wecom-group-member-${m.memberId}`, 'data-kind': m.kind }) as React.HTMLAttributes<HTMLElement>}
        />
      </div>
    </div>
  );
}
