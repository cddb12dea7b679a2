import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { Button, Empty, Popconfirm, Space, Table, type TableProps } from 'antd';
import { AppstoreAddOutlined, PlusOutlined } from '@ant-design/icons';
import { useAuth } from '../../lib/auth';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { LoadError } from '../../components/Results';
import { pctText } from '../messaging/labels';
import { JourneyStatusTag, triggerText } from './labels';
import { useGroups } from './lookups';
import PlaybookGallery from './PlaybookGallery';
import { journeyAction, type Action } from './actions';
import { listItem } from './normalize';
import { JOURNEY_WRITE, type JourneyListItem } from './types';
import './journeys.css';

const REFRESH_MS = 5000;
/** 自动化营销: every journey with its state, trigger and who went through; live ones refresh on their own. */
export default function Journeys() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const canWrite = can(JOURNEY_WRITE);
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const { data: raw, error, loading, reload } = useApi<{ items: unknown[] }>('/journeys');
  const data = useMemo(() => (raw ? { items: raw.items.map(listItem) } : null), [raw]);
  const { names } = useGroups();
  const [busy, setBusy] = useState<string | null>(null);
  const galleryOpen = params.get('playbooks') === '1';
  const setGallery = (open: boolean) => {
    const next = new URLSearchParams(params);
    if (open) next.set('playbooks', '1');
    else next.delete('playbooks');
    setParams(next, { replace: true });
  };
  const live = !!data?.items.some((j) => j.status === 'live');

  useEffect(() => {
    if (!live) return;
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [live, reload]);

  const act = async (j: JourneyListItem, action: Action) => {
    setBusy(`${j.id}:${action}`);
    try {
      await journeyAction(j.id, action, t);
    } catch {
      /* shown */
    } finally {
      setBusy(null);
      reload();
    }
  };

  const columns: TableProps<JourneyListItem>['columns'] = [
    {
      title: t('jr.col.name'),
      dataIndex: 'name',
      render: (_, j) => (
        <div>
          <Link to={`/journeys/${j.id}`} data-testid={`journey-link-${j.id}`}>
            {j.name}
          </Link>
          <div className="muted" style={{ fontSize: 12 }}>
            {triggerText(j.trigger, t, lang, names)}
          </div>
        </div>
      ),
    },
    { title: t('common.status'), dataIndex: 'status', width: 100, render: (_, j) => <JourneyStatusTag status={j.status} /> },
    { title: t('jr.col.version'), dataIndex: 'version', width: 80, render: (v: number, j) => (j.status === 'draft' && v <= 1 ? <span className="muted">-</span> : `v${v}`) },
    { title: t('jr.stat.entered'), key: 'entered', width: 100, align: 'right', render: (_, j) => <span data-testid="journey-entered">{j.stats.entered.toLocaleString()}</span> },
    { title: t('jr.stat.active'), key: 'active', width: 100, align: 'right', render: (_, j) => j.stats.active.toLocaleString() },
    {
      title: t('jr.stat.converted'),
      key: 'converted',
      width: 130,
      align: 'right',
      render: (_, j) => (
        <span>
          {j.stats.converted.toLocaleString()}
          {j.stats.entered > 0 && <span className="muted" style={{ fontSize: 12 }}> ({pctText(j.stats.converted / j.stats.entered, 1)})</span>}
        </span>
      ),
    },
    { title: t('jr.stat.holdout'), key: 'holdout', width: 100, align: 'right', render: (_, j) => j.stats.holdout.toLocaleString() },
    { title: t('jr.col.updatedAt'), dataIndex: 'updatedAt', width: 170, render: (v: string) => <span style={{ fontSize: 12 }}>{fmtTime(v)}</span> },
    {
      title: t('common.actions'),
      key: 'a',
      width: 220,
      fixed: 'right',
      render: (_, j) => (
        <Space size={0} wrap>
          <Button type="link" size="small" onClick={() => navigate(`/journeys/${j.id}`)} data-testid={`journey-edit-${j.id}`}>
            {canWrite && j.status !== 'ended' ? t('common.edit') : t('common.view')}
          </Button>
          {canWrite && j.status === 'live' && (
            <Button type="link" size="small" loading={busy === `${j.id}:pause`} onClick={() => act(j, 'pause')} data-testid={`journey-pause-${j.id}`}>
              {t('jr.action.pause')}
            </Button>
          )}
          {canWrite && j.status === 'paused' && (
            <Button type="link" size="small" loading={busy === `${j.id}:resume`} onClick={() => act(j, 'resume')} data-testid={`journey-resume-${j.id}`}>
              {t('jr.action.resume')}
            </Button>
          )}
          {canWrite && (j.status === 'live' || j.status === 'paused') && (
            <Popconfirm title={t('jr.endConfirm')} onConfirm={() => act(j, 'end')} okText={t('jr.action.end')} cancelText={t('common.cancel')} okButtonProps={{ danger: true, 'data-testid': `journey-end-ok-${j.id}` } as never}>
              <Button type="link" size="small" danger loading={busy === `${j.id}:end`} data-testid={`journey-end-${j.id}`}>
                {t('jr.action.end')}
              </Button>
            </Popconfirm>
          )}
        </Space>
      ),
    },
  ];

  if (error) return <LoadError error={error} onRetry={reload} />;

  const empty = (
    <Empty description={t('jr.empty')} data-testid="journeys-empty">
      {canWrite && (
        <Space>
          <Button type="primary" icon={<AppstoreAddOutlined />} onClick={() => setGallery(true)}>
            {t('jr.fromPlaybook')}
          </Button>
          <Button icon={<PlusOutlined />} onClick={() => navigate('/journeys/new')}>
            {t('jr.newBlank')}
          </Button>
        </Space>
      )}
    </Empty>
  );

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.journeys')}</h1>
      <p className="muted msg-note">{t('jr.intro')}</p>
      <div className="toolbar">
        {canWrite && (
          <>
            <Button type="primary" icon={<AppstoreAddOutlined />} onClick={() => setGallery(true)} data-testid="journey-from-playbook">
              {t('jr.fromPlaybook')}
            </Button>
            <Button icon={<PlusOutlined />} onClick={() => navigate('/journeys/new')} data-testid="journey-new">
              {t('jr.newBlank')}
            </Button>
          </>
        )}
      </div>
      <Table<JourneyListItem>
        rowKey="id"
        loading={loading && !data}
        dataSource={data?.items ?? []}
        columns={columns}
        scroll={data?.items.length ? { x: 1200 } : undefined}
        pagination={{ pageSize: 20, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
        locale={{ emptyText: empty }}
        onRow={(j) => ({ 'data-testid': `journey-row-${j.name}`, 'data-status': j.status }) as React.HTMLAttributes<HTMLElement>}
        data-testid="journey-table"
      />
      {canWrite && <PlaybookGallery open={galleryOpen} onClose={() => setGallery(false)} />}
    </div>
  );
}
