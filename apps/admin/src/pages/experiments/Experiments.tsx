import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Button, Empty, Space, Table, Tag, Tooltip, type TableProps } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useAuth } from '../../lib/auth';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { LoadError } from '../../components/Results';
import { useExperimentActions } from './actions';
import ExperimentDrawer from './ExperimentDrawer';
import { ExperimentStatusTag } from './labels';
import { weightShares } from './model';
import type { Experiment, ExperimentListItem } from './types';
import './experiments.css';

/** A/B 实验: the storefront's experiments, their state and reach; start, stop (shipping one variant) and edit. */
export default function Experiments() {
  const { t } = useI18n();
  const { can } = useAuth();
  const writable = can('analytics:write');
  const { data, error, loading, reload } = useApi<{ items: ExperimentListItem[] }>('/experiments');
  const [editing, setEditing] = useState<{ experiment: Experiment | null } | null>(null);
  const { startButton, stopButton, stopModal } = useExperimentActions(reload, reload);

  const columns: TableProps<ExperimentListItem>['columns'] = [
    {
      title: t('exp.col.name'),
      dataIndex: 'name',
      width: 240,
      render: (_, e) => (
        <div>
          <Link to={`/analytics/experiments/${e.id}`} data-testid={`experiment-link-${e.key}`}>
            {e.name}
          </Link>
          {e.hypothesis && (
            <div className="muted" style={{ fontSize: 12, maxWidth: 320 }}>
              {e.hypothesis}
            </div>
          )}
        </div>
      ),
    },
    { title: t('exp.col.key'), dataIndex: 'key', width: 190, render: (k: string) => <span className="exp-code">{k}</span> },
    {
      title: t('common.status'),
      dataIndex: 'status',
      width: 150,
      render: (s: Experiment['status'], e) => (
        <div>
          <ExperimentStatusTag status={s} />
          {s === 'stopped' && (
            <div className="muted" style={{ fontSize: 12, marginTop: 2 }} data-testid={`experiment-shipped-${e.key}`}>
              {e.shippedVariant ? t('exp.shipped', { name: e.variants.find((v) => v.key === e.shippedVariant)?.name ?? e.shippedVariant }) : t('exp.keptControl')}
            </div>
          )}
        </div>
      ),
    },
    {
      title: t('exp.col.variants'),
      key: 'variants',
      width: 240,
      render: (_, e) => {
        const shares = weightShares(e.variants);
        return (
          <div className="exp-variant-tags">
            {e.variants.map((v, i) => (
              <Tooltip key={v.key} title={<span className="exp-mono">{JSON.stringify(v.payload)}</span>}>
                <Tag color={i === 0 ? 'default' : 'blue'}>
                  {v.name} · {shares[i]}%
                </Tag>
              </Tooltip>
            ))}
          </div>
        );
      },
    },
    { title: t('exp.col.exposed'), dataIndex: 'exposedDevices', width: 110, align: 'right', render: (n: number) => <span data-testid="experiment-exposed">{n.toLocaleString('en-US')}</span> },
    {
      title: t('exp.col.time'),
      key: 'time',
      width: 200,
      render: (_, e) => (
        <div style={{ fontSize: 12 }}>
          {e.startedAt ? <div>{t('exp.startedAt', { time: fmtTime(e.startedAt) })}</div> : <div className="muted">{t('exp.notStarted')}</div>}
          {e.stoppedAt && <div>{t('exp.stoppedAt', { time: fmtTime(e.stoppedAt) })}</div>}
        </div>
      ),
    },
    {
      title: t('common.actions'),
      key: 'a',
      width: 220,
      fixed: 'right',
      render: (_, e) => (
        <Space size={0} wrap>
          <Link to={`/analytics/experiments/${e.id}`} style={{ padding: '0 7px' }}>
            {t('exp.action.result')}
          </Link>
          {writable && (
            <Button type="link" size="small" onClick={() => setEditing({ experiment: e })} data-testid={`experiment-edit-${e.key}`}>
              {t('common.edit')}
            </Button>
          )}
          {writable && e.status !== 'running' && startButton(e, 'small', true)}
          {writable && e.status === 'running' && stopButton(e, null, 'small', true)}
        </Space>
      ),
    },
  ];

  if (error) return <LoadError error={error} onRetry={reload} />;

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.analyticsExperiments')}</h1>
      <p className="muted" style={{ maxWidth: 900 }}>
        {t('exp.intro')}
      </p>
      {writable && (
        <div className="toolbar">
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({ experiment: null })} data-testid="experiment-new">
            {t('exp.new')}
          </Button>
        </div>
      )}
      <Table<ExperimentListItem>
        rowKey="id"
        loading={loading && !data}
        dataSource={data?.items ?? []}
        columns={columns}
        scroll={data?.items.length ? { x: 1300 } : undefined}
        pagination={{ pageSize: 20, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('exp.empty')} /> }}
        onRow={(e) => ({ 'data-testid': `experiment-row-${e.key}`, 'data-status': e.status }) as React.HTMLAttributes<HTMLElement>}
        data-testid="experiment-table"
      />
      <ExperimentDrawer
        open={!!editing}
        experiment={editing?.experiment ?? null}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          reload();
        }}
      />
      {stopModal}
    </div>
  );
}
