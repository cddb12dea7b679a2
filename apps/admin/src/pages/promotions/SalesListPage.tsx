/**
 * The list page the sales activities share (定金预售, 拼团, 砍价): title and 新建, a hint, the load error,
 * the table with its page's columns, then 查看 / 结束 on each row.
 */
import { useState, type ReactNode } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { Button, Popconfirm, Space, Table, type TableProps } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { useI18n, type TFunction } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import './promotions.css';

type Key = Parameters<TFunction>[0];

/** The name, linking to the activity's page (`${testPrefix}-link-${id}`). */
export function ActivityLink({ a, basePath, testPrefix }: { a: { id: string; name: string }; basePath: string; testPrefix: string }) {
  return (
    <Link to={`${basePath}/${a.id}`} data-testid={`${testPrefix}-link-${a.id}`}>
      {a.name}
    </Link>
  );
}

export function SalesListPage<T extends { id: string }>({
  basePath,
  testPrefix,
  title,
  hint,
  newLabel,
  errorBar,
  list,
  loading,
  reload,
  columns,
  scroll,
  emptyText,
  actions,
}: {
  /** The activities' route and API path: `${basePath}/new`, `${basePath}/:id`, POST `${basePath}/:id/end`. */
  basePath: string;
  /** Test ids: `new-${p}`, `${p}-table`, `${p}-row-${id}`, `${p}-open-${id}`, `${p}-end-${id}`. */
  testPrefix: string;
  title: string;
  hint: string;
  newLabel: string;
  errorBar: ReactNode;
  list: T[];
  loading: boolean;
  reload: () => void;
  /** The page's own columns; the actions column comes last. */
  columns: NonNullable<TableProps<T>['columns']>;
  scroll: TableProps<T>['scroll'];
  emptyText?: string;
  actions: { width: number; canEnd: (a: T) => boolean; endConfirm: string; endLabel: string; ended: Key };
}) {
  const { t } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const [busy, setBusy] = useState<string | null>(null);
  const writable = can('promotions:write');

  const end = async (a: T) => {
    setBusy(a.id);
    try {
      await api.post(`${basePath}/${a.id}/end`);
      feedback.message.success(t(actions.ended));
      reload();
    } catch (err) {
      showError(err);
    } finally {
      setBusy(null);
    }
  };

  const all: TableProps<T>['columns'] = [
    ...columns,
    {
      title: t('common.actions'),
      key: 'a',
      width: actions.width,
      fixed: 'right',
      render: (_, a) => (
        <Space size={0} wrap>
          <Button type="link" size="small" onClick={() => navigate(`${basePath}/${a.id}`)} data-testid={`${testPrefix}-open-${a.id}`}>
            {t('common.view')}
          </Button>
          {writable && actions.canEnd(a) && (
            <Popconfirm title={actions.endConfirm} onConfirm={() => end(a)} okText={actions.endLabel} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
              <Button type="link" size="small" danger loading={busy === a.id} data-testid={`${testPrefix}-end-${a.id}`}>
                {actions.endLabel}
              </Button>
            </Popconfirm>
          )}
        </Space>
      ),
    },
  ];

  return (
    <div className="page-card">
      <div className="toolbar">
        <h1 className="page-title" style={{ margin: 0 }}>
          {title}
        </h1>
        <span className="spacer" />
        {writable && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate(`${basePath}/new`)} data-testid={`new-${testPrefix}`}>
            {newLabel}
          </Button>
        )}
      </div>
      <p className="muted">{hint}</p>
      {errorBar}
      <Table<T>
        rowKey="id"
        loading={loading}
        columns={all}
        dataSource={list}
        scroll={scroll}
        locale={emptyText === undefined ? undefined : { emptyText: <span className="muted">{emptyText}</span> }}
        pagination={list.length > 20 ? { pageSize: 20, showSizeChanger: false, showTotal: (n) => t('common.total', { n }) } : false}
        onRow={(a) => ({ 'data-testid': `${testPrefix}-row-${a.id}` }) as never}
        data-testid={`${testPrefix}-table`}
      />
    </div>
  );
}
