import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { Alert, Button, Popconfirm, Space, Table, Tag, type TableProps } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import { formatFen } from '../../lib/money';
import { ProductThumb, useProductBriefs } from './ProductPicker';
import { fmtMinute } from './shared';
import type { Presale, PresalePhase } from './salesTypes';
import './promotions.css';

const PHASE_COLORS: Record<PresalePhase, string> = { upcoming: 'blue', deposit: 'red', waiting: 'gold', balance: 'green', ended: 'default' };

export function PresalePhaseTag({ phase }: { phase: PresalePhase }) {
  const { t } = useI18n();
  return <Tag color={PHASE_COLORS[phase]} data-testid="presale-phase">{t(`presale.phase.${phase}`)}</Tag>;
}

/** Two lines: the deposit phase, then the balance window. */
export function PresaleWindows({ p }: { p: Pick<Presale, 'depositStartsAt' | 'depositEndsAt' | 'balanceStartsAt' | 'balanceEndsAt'> }) {
  const { t } = useI18n();
  return (
    <div style={{ fontSize: 12 }}>
      <div>
        <span className="muted">{t('presale.depositShort')} </span>
        {fmtMinute(p.depositStartsAt)} ~ {fmtMinute(p.depositEndsAt)}
      </div>
      <div>
        <span className="muted">{t('presale.balanceShort')} </span>
        {fmtMinute(p.balanceStartsAt)} ~ {fmtMinute(p.balanceEndsAt)}
      </div>
    </div>
  );
}

/** 定金预售: every pre-sale with its phase and how deposits turned out; 结束 ends one now. */
export default function PresaleList() {
  const { t } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const { data, loading, error, reload } = useApi<Presale[]>('/presales');
  const [busy, setBusy] = useState<string | null>(null);
  const writable = can('promotions:write');
  const list = data ?? [];
  const briefs = useProductBriefs([...new Set(list.map((p) => p.productId))]);

  const end = async (p: Presale) => {
    setBusy(p.id);
    try {
      await api.post(`/presales/${p.id}/end`);
      feedback.message.success(t('presale.ended'));
      reload();
    } catch (err) {
      showError(err);
    } finally {
      setBusy(null);
    }
  };

  const columns: TableProps<Presale>['columns'] = [
    {
      title: t('presale.name'),
      dataIndex: 'name',
      render: (_, p) => (
        <Link to={`/presales/${p.id}`} data-testid={`presale-link-${p.id}`}>
          {p.name}
        </Link>
      ),
    },
    { title: t('presale.product'), key: 'product', width: 220, render: (_, p) => <ProductThumb id={p.productId} brief={briefs.get(p.productId)} /> },
    { title: t('presale.deposit'), key: 'deposit', width: 150, render: (_, p) => p.items.map((i) => <div key={i.skuId}>{i.label}</div>) },
    { title: t('presale.windows'), key: 'windows', width: 260, render: (_, p) => <PresaleWindows p={p} /> },
    { title: t('presale.phaseTitle'), dataIndex: 'phase', width: 100, render: (ph: PresalePhase) => <PresalePhaseTag phase={ph} /> },
    { title: t('presale.stats.deposits'), key: 'deposits', width: 80, render: (_, p) => p.stats.deposits },
    { title: t('presale.stats.units'), key: 'units', width: 80, render: (_, p) => p.stats.units },
    { title: t('presale.stats.completed'), key: 'completed', width: 90, render: (_, p) => p.stats.completed },
    { title: t('presale.stats.forfeited'), key: 'forfeited', width: 90, render: (_, p) => p.stats.forfeited },
    { title: t('presale.stats.depositFen'), key: 'depositFen', width: 120, render: (_, p) => formatFen(p.stats.depositFen, true) },
    {
      title: t('common.actions'),
      key: 'a',
      width: 140,
      fixed: 'right',
      render: (_, p) => (
        <Space size={0} wrap>
          <Button type="link" size="small" onClick={() => navigate(`/presales/${p.id}`)} data-testid={`presale-open-${p.id}`}>
            {t('common.view')}
          </Button>
          {writable && p.status !== 'ended' && p.phase !== 'ended' && (
            <Popconfirm title={t('presale.endConfirm')} onConfirm={() => end(p)} okText={t('promo.action.end')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
              <Button type="link" size="small" danger loading={busy === p.id} data-testid={`presale-end-${p.id}`}>
                {t('promo.action.end')}
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
          {t('nav.presales')}
        </h1>
        <span className="spacer" />
        {writable && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/presales/new')} data-testid="new-presale">
            {t('presale.new')}
          </Button>
        )}
      </div>
      <p className="muted">{t('presale.hint')}</p>
      {error && <Alert type="error" showIcon title={error.message} action={<Button size="small" onClick={reload}>{t('common.retry')}</Button>} style={{ marginBottom: 12 }} />}
      <Table<Presale>
        rowKey="id"
        loading={loading}
        columns={columns}
        dataSource={list}
        scroll={{ x: 1400 }}
        pagination={list.length > 20 ? { pageSize: 20, showSizeChanger: false, showTotal: (n) => t('common.total', { n }) } : false}
        onRow={(p) => ({ 'data-testid': `presale-row-${p.id}` }) as never}
        data-testid="presale-table"
      />
    </div>
  );
}
