import { useEffect, useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import { Button, Space, Table, type TableProps } from 'antd';
import { BarChartOutlined, PlusOutlined } from '@ant-design/icons';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import type { MessageKey } from '../../lib/dict';
import { useI18n } from '../../lib/i18n';
import { tableWidth } from '../../lib/table';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { TableFrame } from '../analytics/TableFrame';
import './wecom.css';

/** The two kinds of QR code the console lists the same way: 渠道活码 (contact ways) and 群活码 (join ways). */
export type CodeKind = 'channel-codes' | 'group-codes';

interface CodeTexts {
  title: MessageKey;
  intro: MessageKey;
  create: MessageKey;
  stats: MessageKey;
  deleteConfirm: MessageKey;
  empty: MessageKey;
}

/** Each code's statistics, fetched beside the list (the list itself carries none). */
export function useCodeStats<S>(kind: CodeKind, codes: { id: string }[] | undefined) {
  const [stats, setStats] = useState<Map<string, S>>(new Map());
  const key = (codes ?? []).map((c) => c.id).join(',');
  useEffect(() => {
    if (!codes?.length) return;
    let live = true;
    Promise.all(codes.map((c) => api.get<S>(`/wecom/${kind}/${c.id}/stats`).then((s) => [c.id, s] as const).catch(() => null))).then((list) => {
      if (live) setStats(new Map(list.filter((x): x is readonly [string, Awaited<S>] => !!x)));
    });
    return () => {
      live = false;
    };
  }, [key]); // eslint-disable-line react-hooks/exhaustive-deps
  const num = (id: string, f: (s: S) => ReactNode) => {
    const s = stats.get(id);
    return s ? f(s) : <span className="muted">…</span>;
  };
  return { stats, num };
}

/**
 * A code list page: intro, the new-code button, the table with the caller's columns and an actions column
 * (statistics, edit, delete). `testId` prefixes every test id (wecom-code, wecom-gcode).
 */
export function CodeListPage<T extends { id: string; name: string }>(props: {
  kind: CodeKind;
  texts: CodeTexts;
  testId: string;
  writable: boolean;
  items: T[];
  loading: boolean;
  reload: () => void;
  columns: NonNullable<TableProps<T>['columns']>;
  minWidth: number;
}) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const { kind, texts, testId: p, writable } = props;
  const remove = async (c: T) => {
    try {
      await api.del(`/wecom/${kind}/${c.id}`);
      feedback.message.success(t('common.deleted'));
      props.reload();
    } catch (err) {
      showError(err);
    }
  };
  const columns: NonNullable<TableProps<T>['columns']> = [
    ...props.columns,
    {
      title: t('common.actions'),
      key: 'a',
      width: 150,
      fixed: 'right',
      render: (_, c) => (
        <Space size={0} wrap>
          <Button type="link" size="small" icon={<BarChartOutlined />} onClick={() => navigate(`/wecom/${kind}/${c.id}/stats`)} data-testid={`${p}-stats-${c.id}`}>
            {t(texts.stats)}
          </Button>
          {writable && (
            <Button type="link" size="small" onClick={() => navigate(`/wecom/${kind}/${c.id}`)} data-testid={`${p}-edit-${c.id}`}>
              {t('common.edit')}
            </Button>
          )}
          {writable && <ConfirmDelete title={t(texts.deleteConfirm)} onConfirm={() => remove(c)} testId={`${p}-delete-${c.id}`} okTestId={`${p}-delete-ok-${c.id}`} />}
        </Space>
      ),
    },
  ];
  return (
    <div className="page-card">
      <h1 className="page-title">{t(texts.title)}</h1>
      <p className="muted wecom-note">{t(texts.intro)}</p>
      {writable && (
        <div className="toolbar">
          <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate(`/wecom/${kind}/new`)} data-testid={`${p}-new`}>
            {t(texts.create)}
          </Button>
        </div>
      )}
      <TableFrame testId={`${p}-table`} label={t(texts.title)}>
        <Table<T>
          rowKey="id"
          loading={props.loading}
          dataSource={props.items}
          columns={columns}
          scroll={{ x: tableWidth(columns, props.minWidth) }}
          pagination={{ pageSize: 20, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
          locale={{ emptyText: <span className="muted">{t(texts.empty)}</span> }}
          onRow={(c) => ({ 'data-testid': `${p}-row-${c.name}` }) as React.HTMLAttributes<HTMLElement>}
        />
      </TableFrame>
    </div>
  );
}
