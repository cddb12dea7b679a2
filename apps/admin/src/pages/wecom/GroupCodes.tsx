import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { Button, Space, Table, type TableProps } from 'antd';
import { BarChartOutlined, PlusOutlined } from '@ant-design/icons';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { tableWidth } from '../../lib/table';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { LoadError } from '../../components/Results';
import { TableFrame } from '../analytics/TableFrame';
import { ChatFillList } from './labels-groups';
import QrImage, { qrPath } from './QrImage';
import type { GroupCode, GroupCodeStats } from './types-groups';
import './wecom.css';
import './groups.css';

/** Each code's joins, fetched beside the list (the list itself carries none). */
function useStats(codes: GroupCode[] | undefined) {
  const [stats, setStats] = useState<Map<string, GroupCodeStats>>(new Map());
  const key = (codes ?? []).map((c) => c.id).join(',');
  useEffect(() => {
    if (!codes?.length) return;
    let live = true;
    Promise.all(codes.map((c) => api.get<GroupCodeStats>(`/wecom/group-codes/${c.id}/stats`).then((s) => [c.id, s] as const).catch(() => null))).then((list) => {
      if (live) setStats(new Map(list.filter((x): x is readonly [string, GroupCodeStats] => !!x)));
    });
    return () => {
      live = false;
    };
  }, [key]); // eslint-disable-line react-hooks/exhaustive-deps
  return stats;
}

/**
 * 群活码: one QR code for up to five customer groups; WeCom puts a scanning customer in the first with room
 * and, when all are full, can open a new group by itself. The state tells which code a member came by.
 */
export default function GroupCodes() {
  const { t } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const writable = can('messaging:write');
  const { data, error, loading, reload } = useApi<{ items: GroupCode[] }>('/wecom/group-codes');
  const stats = useStats(data?.items);

  const remove = async (c: GroupCode) => {
    try {
      await api.del(`/wecom/group-codes/${c.id}`);
      feedback.message.success(t('common.deleted'));
      reload();
    } catch (err) {
      showError(err);
    }
  };

  const num = (id: string, f: (s: GroupCodeStats) => number) => {
    const s = stats.get(id);
    return s ? f(s) : <span className="muted">…</span>;
  };

  const columns: TableProps<GroupCode>['columns'] = [
    { title: t('wecom.code.qr'), key: 'qr', width: 112, render: (_, c) => <QrImage src={qrPath('group-codes', c.id)} original={c.qrCode} name={c.name} testId={`wecom-gcode-qr-${c.id}`} /> },
    {
      title: t('wecom.gcode.name'),
      key: 'name',
      width: 180,
      render: (_, c) => (
        <div>
          <Link to={`/wecom/group-codes/${c.id}/stats`} data-testid="wecom-gcode-name">{c.name}</Link>
          <div className="muted" style={{ fontSize: 12 }}>state: {c.state}</div>
        </div>
      ),
    },
    { title: t('wecom.gcode.chats'), key: 'chats', width: 260, render: (_, c) => <ChatFillList chats={c.chats} /> },
    {
      title: t('wecom.gcode.whenFull'),
      key: 'full',
      render: (_, c) => (c.autoCreateRoom ? <span style={{ fontSize: 13 }}>{t('wecom.gcode.autoCreateAs', { name: `${c.roomBaseName}${c.roomBaseId}` })}</span> : <span className="muted" style={{ fontSize: 13 }}>{t('wecom.gcode.noAutoCreate')}</span>),
    },
    {
      title: t('wecom.gcode.stats'),
      key: 'stats',
      width: 200,
      render: (_, c) => (
        <dl className="wecom-mini-stats" data-testid={`wecom-gcode-stats-cell-${c.id}`}>
          <dt>{t('wecom.gcode.joins')}</dt>
          <dd data-testid={`wecom-gcode-joins-${c.id}`}>{num(c.id, (s) => s.joins)}</dd>
          <dt>{t('wecom.gcode.stillIn')}</dt>
          <dd>{num(c.id, (s) => s.stillIn)}</dd>
          <dt>{t('wecom.gcode.left')}</dt>
          <dd>{num(c.id, (s) => s.left)}</dd>
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
          <Button type="link" size="small" icon={<BarChartOutlined />} onClick={() => navigate(`/wecom/group-codes/${c.id}/stats`)} data-testid={`wecom-gcode-stats-${c.id}`}>
            {t('wecom.gcode.stats')}
          </Button>
          {writable && (
            <Button type="link" size="small" onClick={() => navigate(`/wecom/group-codes/${c.id}`)} data-testid={`wecom-gcode-edit-${c.id}`}>
              {t('common.edit')}
            </Button>
          )}
          {writable && <ConfirmDelete title={t('wecom.gcode.deleteConfirm')} onConfirm={() => remove(c)} testId={`wecom-gcode-delete-${c.id}`} okTestId={`wecom-gcode-delete-ok-${c.id}`} />}
        </Space>
      ),
    },
  ];

  if (error) return <LoadError error={error} onRetry={reload} />;

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.wecomGroupCodes')}</h1>
      <p className="muted wecom-note">{t('wecom.gcode.intro')}</p>
      {writable && (
        <div className="toolbar">
          <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/wecom/group-codes/new')} data-testid="wecom-gcode-new">
            {t('wecom.gcode.new')}
          </Button>
        </div>
      )}
      <TableFrame testId="wecom-gcode-table" label={t('nav.wecomGroupCodes')}>
        <Table<GroupCode>
          rowKey="id"
          loading={loading}
          dataSource={data?.items ?? []}
          columns={columns}
          scroll={{ x: tableWidth(columns, 180) }}
          pagination={{ pageSize: 20, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
          locale={{ emptyText: <span className="muted">{t('wecom.gcode.empty')}</span> }}
          onRow={(c) => ({ 'data-testid': `wecom-gcode-row-${c.name}` }) as React.HTMLAttributes<HTMLElement>}
        />
      </TableFrame>
    </div>
  );
}
