import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { Button, Space, Table, Tag, Tooltip, type TableProps } from 'antd';
import { BarChartOutlined, PlusOutlined } from '@ant-design/icons';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import { tableWidth } from '../../lib/table';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { LoadError } from '../../components/Results';
import { TableFrame } from '../analytics/TableFrame';
import { scheduleText } from './helpers';
import { CorpTagList } from './labels';
import QrImage, { qrPath } from './QrImage';
import type { ChannelCode, ChannelCodeStats, CorpTag, StaffMember } from './types';
import './wecom.css';

/** Each code's statistics, fetched beside the list (the list itself carries none). */
function useStats(codes: ChannelCode[] | undefined) {
  const [stats, setStats] = useState<Map<string, ChannelCodeStats>>(new Map());
  const key = (codes ?? []).map((c) => c.id).join(',');
  useEffect(() => {
    if (!codes?.length) return;
    let live = true;
    Promise.all(codes.map((c) => api.get<ChannelCodeStats>(`/wecom/channel-codes/${c.id}/stats`).catch(() => null))).then((list) => {
      if (live) setStats(new Map(list.filter((s): s is ChannelCodeStats => !!s).map((s) => [s.id, s])));
    });
    return () => {
      live = false;
    };
  }, [key]); // eslint-disable-line react-hooks/exhaustive-deps
  return stats;
}

/**
 * 渠道活码: 联系我 codes with a state that tells which code a customer came through; who answers
 * (one member or a rotation, by schedule, with a backup), the tags and welcome a new customer gets, and
 * what the customers added through each code did afterwards.
 */
export default function ChannelCodes() {
  const { t } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const writable = can('messaging:write');
  const { data, error, loading, reload } = useApi<{ items: ChannelCode[] }>('/wecom/channel-codes');
  const staff = useApi<{ items: StaffMember[] }>('/wecom/staff');
  const tags = useApi<{ items: CorpTag[] }>(can('customers:read') ? '/wecom/tags' : null);
  const stats = useStats(data?.items);
  const names = useMemo(() => new Map((staff.data?.items ?? []).map((s) => [s.userid, s.name])), [staff.data]);
  const tagMap = useMemo(() => new Map((tags.data?.items ?? []).map((x) => [x.id, x])), [tags.data]);
  const who = (ids: string[]) => ids.map((u) => names.get(u) ?? u).join(t('common.listSep'));

  const remove = async (c: ChannelCode) => {
    try {
      await api.del(`/wecom/channel-codes/${c.id}`);
      feedback.message.success(t('common.deleted'));
      reload();
    } catch (err) {
      showError(err);
    }
  };

  const num = (id: string, f: (s: ChannelCodeStats) => string | number) => {
    const s = stats.get(id);
    return s ? f(s) : <span className="muted">…</span>;
  };

  const columns: TableProps<ChannelCode>['columns'] = [
    { title: t('wecom.code.qr'), key: 'qr', width: 112, render: (_, c) => <QrImage src={qrPath('channel-codes', c.id)} original={c.qrCode} name={c.name} testId={`wecom-code-qr-${c.id}`} /> },
    {
      title: t('wecom.code.name'),
      key: 'name',
      width: 180,
      render: (_, c) => (
        <div>
          <Link to={`/wecom/channel-codes/${c.id}/stats`} data-testid="wecom-code-name">{c.name}</Link>
          <div className="muted" style={{ fontSize: 12 }}>state: {c.state}</div>
          <Tag style={{ marginTop: 4 }}>{c.mode === 'single' ? t('wecom.code.mode.single') : t('wecom.code.mode.rotation')}</Tag>
        </div>
      ),
    },
    {
      title: t('wecom.code.members'),
      key: 'members',
      width: 190,
      render: (_, c) => (
        <div style={{ fontSize: 13 }}>
          <div>
            <span className="muted">{t('wecom.code.now')}</span> <span data-testid={`wecom-code-current-${c.id}`}>{who(c.currentUsers) || '-'}</span>
          </div>
          {c.schedules.length > 0 && (
            <Tooltip title={c.schedules.map((s, i) => <div key={i}>{scheduleText(s, t)}: {who(s.users)}</div>)}>
              <div className="muted">{t('wecom.code.schedulesN', { n: c.schedules.length })}</div>
            </Tooltip>
          )}
          {c.backupUserid && <div className="muted">{t('wecom.code.backupIs', { name: names.get(c.backupUserid) ?? c.backupUserid })}</div>}
        </div>
      ),
    },
    {
      title: t('wecom.code.onAdd'),
      key: 'onAdd',
      render: (_, c) => (
        <div>
          <CorpTagList ids={c.tagIds} tags={tagMap} />
          {c.welcome ? (
            <Tooltip title={c.welcome.text}>
              <div className="clamp-2" style={{ fontSize: 12, marginTop: 4 }}>
                {c.welcome.couponTemplateId && <Tag color="orange">{t('wecom.code.withCoupon')}</Tag>}
                {c.welcome.miniprogram && <Tag color="blue">{t('wecom.code.withMini')}</Tag>}
                {c.welcome.text}
              </div>
            </Tooltip>
          ) : (
            <div className="muted" style={{ fontSize: 12 }}>{t('wecom.code.noWelcome')}</div>
          )}
        </div>
      ),
    },
    {
      title: t('wecom.code.stats'),
      key: 'stats',
      width: 190,
      render: (_, c) => (
        <dl className="wecom-mini-stats" data-testid={`wecom-code-stats-cell-${c.id}`}>
          <dt>{t('wecom.stats.adds')}</dt>
          <dd data-testid={`wecom-code-adds-${c.id}`}>{num(c.id, (s) => s.adds)}</dd>
          <dt>{t('wecom.stats.deletions')}</dt>
          <dd>{num(c.id, (s) => s.deletions)}</dd>
          <dt>{t('wecom.stats.firstOrders')}</dt>
          <dd>{num(c.id, (s) => s.firstOrders)}</dd>
          <dt>{t('wecom.stats.revenue')}</dt>
          <dd>{num(c.id, (s) => formatFen(s.revenueFen, true))}</dd>
        </dl>
      ),
    },
    {
      title: t('common.actions'),
      key: 'a',
      width: 150,
      fixed: 'right',
      render: (_, c) => (
        <Space size={0} wrap>
          <Button type="link" size="small" icon={<BarChartOutlined />} onClick={() => navigate(`/wecom/channel-codes/${c.id}/stats`)} data-testid={`wecom-code-stats-${c.id}`}>
            {t('wecom.code.stats')}
          </Button>
          {writable && (
            <Button type="link" size="small" onClick={() => navigate(`/wecom/channel-codes/${c.id}`)} data-testid={`wecom-code-edit-${c.id}`}>
              {t('common.edit')}
            </Button>
          )}
          {writable && <ConfirmDelete title={t('wecom.code.deleteConfirm')} onConfirm={() => remove(c)} testId={`wecom-code-delete-${c.id}`} okTestId={`wecom-code-delete-ok-${c.id}`} />}
        </Space>
      ),
    },
  ];

  if (error) return <LoadError error={error} onRetry={reload} />;

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.wecomCodes')}</h1>
      <p className="muted wecom-note">{t('wecom.code.intro')}</p>
      {writable && (
        <div className="toolbar">
          <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/wecom/channel-codes/new')} data-testid="wecom-code-new">
            {t('wecom.code.new')}
          </Button>
        </div>
      )}
      <TableFrame testId="wecom-code-table" label={t('nav.wecomCodes')}>
        <Table<ChannelCode>
          rowKey="id"
          loading={loading}
          dataSource={data?.items ?? []}
          columns={columns}
          scroll={{ x: tableWidth(columns, 220) }}
          pagination={{ pageSize: 20, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
          locale={{ emptyText: <span className="muted">{t('wecom.code.empty')}</span> }}
          onRow={(c) => ({ 'data-testid': `wecom-code-row-${c.name}` }) as React.HTMLAttributes<HTMLElement>}
        />
      </TableFrame>
    </div>
  );
}
