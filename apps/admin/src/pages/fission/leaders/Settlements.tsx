import { useState } from 'react';
import { Alert, Button, DatePicker, Form, Input, Modal, Space, Table, Tabs, Tag, type TableProps } from 'antd';
import { DownloadOutlined, FileDoneOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { api, downloadUrl, type Query } from '../../../lib/api';
import { feedback, showError } from '../../../lib/feedback';
import { fmtDate, fmtTime } from '../../../lib/format';
import { useApi } from '../../../lib/hooks';
import { useI18n } from '../../../lib/i18n';
import { useAuth } from '../../../lib/auth';
import { formatFen } from '../../../lib/money';
import { useListParams } from '../../promotions/shared';
import { ErrorBar } from '../shared';
import { shanghaiToday, type Settlement, type SettlementStatus } from './types';
import '../../promotions/promotions.css';

const STATUSES: SettlementStatus[] = ['open', 'paid'];

/**
 * 团长结算: 生成结算单 settles every leader's unsettled commission up to a day (one per leader, once per
 * period: running it again changes nothing); 标记已付 once paid offline or by transfer; Excel export.
 */
export default function Settlements() {
  const { t } = useI18n();
  const { can } = useAuth();
  const manage = can('distribution:manage');
  const payout = can('distribution:payout');
  const { params, update, page, pageSize } = useListParams();
  const status = (params.get('status') ?? undefined) as SettlementStatus | undefined;
  const query: Query = { status, page, pageSize };
  const { data, loading, error, reload } = useApi<{ items: Settlement[]; total: number }>('/leader-settlements', query);
  const [running, setRunning] = useState(false);
  const [runOpen, setRunOpen] = useState(false);
  const [periodTo, setPeriodTo] = useState<Dayjs>(() => dayjs(shanghaiToday()).subtract(1, 'day'));
  const [paying, setPaying] = useState<Settlement | null>(null);
  const [note, setNote] = useState('');
  const [saving, setSaving] = useState(false);

  const run = async () => {
    setRunning(true);
    try {
      const res = await api.post<{ items?: Settlement[]; created?: number } | Settlement[] | null>('/leader-settlements/run', { periodTo: periodTo.format('YYYY-MM-DD') });
      const n = Array.isArray(res) ? res.length : (res?.created ?? res?.items?.length);
      feedback.message.success(n === undefined ? t('fission.ld.runDone') : n === 0 ? t('fission.ld.runNothing') : t('fission.ld.runCreated', { n }));
      setRunOpen(false);
      reload();
    } catch (err) {
      showError(err);
    } finally {
      setRunning(false);
    }
  };

  const markPaid = async () => {
    if (!paying) return;
    setSaving(true);
    try {
      await api.post(`/leader-settlements/${paying.id}/paid`, note.trim() ? { note: note.trim() } : {});
      feedback.message.success(t('fission.ld.paidDone'));
      setPaying(null);
      reload();
    } catch (err) {
      showError(err);
    } finally {
      setSaving(false);
    }
  };

  const columns: TableProps<Settlement>['columns'] = [
    { title: t('fission.ld.settlementNo'), dataIndex: 'settlementNo', width: 180 },
    { title: t('fission.ld.leader'), dataIndex: 'leaderName', width: 130, render: (v: string | null, s) => v || s.customerId.slice(0, 8) },
    { title: t('fission.ld.period'), key: 'period', width: 190, render: (_, s) => `${s.periodFrom ? fmtDate(s.periodFrom) : '…'} ~ ${fmtDate(s.periodTo)}` },
    { title: t('fission.ld.orderCount'), dataIndex: 'orders', width: 80, align: 'right' },
    { title: t('fission.ld.commission'), dataIndex: 'commissionFen', width: 120, align: 'right', render: (v: number) => <b>{formatFen(v, true)}</b> },
    { title: t('common.status'), dataIndex: 'status', width: 90, render: (v: SettlementStatus) => <Tag color={v === 'paid' ? 'green' : 'gold'}>{t(`fission.ld.settle.${v}`)}</Tag> },
    { title: t('fission.ld.createdAt'), dataIndex: 'createdAt', width: 160, render: (v: string) => fmtTime(v) },
    { title: t('fission.ld.paidAt'), dataIndex: 'paidAt', width: 160, render: (v: string | null) => fmtTime(v) },
    {
      title: t('common.actions'),
      key: 'a',
      width: 110,
      fixed: 'right',
      render: (_, s) =>
        payout && s.status === 'open' ? (
          <Button type="link" size="small" onClick={() => { setNote(''); setPaying(s); }} data-testid={`settlement-pay-${s.id}`}>
            {t('fission.ld.markPaid')}
          </Button>
        ) : null,
    },
  ];

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.leaderSettlements')}</h1>
      <p className="muted">{t('fission.ld.settlementsHint')}</p>
      <Tabs
        activeKey={status ?? 'all'}
        onChange={(k) => update({ status: k === 'all' ? undefined : k })}
        items={[{ key: 'all', label: t('common.all') }, ...STATUSES.map((s) => ({ key: s, label: t(`fission.ld.settle.${s}`) }))]}
        data-testid="settlement-tabs"
      />
      <div className="filters">
        <span style={{ flex: 1 }} />
        <Space>
          {manage && (
            <Button type="primary" icon={<FileDoneOutlined />} onClick={() => setRunOpen(true)} data-testid="settlement-run">
              {t('fission.ld.run')}
            </Button>
          )}
          <Button icon={<DownloadOutlined />} href={downloadUrl('/leader-settlements.xlsx', { status })} disabled={!data?.total} data-testid="settlement-export">
            {t('common.export')}
          </Button>
        </Space>
      </div>
      <ErrorBar error={error} onRetry={reload} />
      <Table<Settlement>
        rowKey="id"
        loading={loading}
        columns={columns}
        dataSource={data?.items ?? []}
        scroll={data?.items.length ? { x: 1220 } : undefined}
        locale={{ emptyText: <span className="muted">{t('fission.ld.noSettlements')}</span> }}
        onChange={(pg) => update({ page: pg.current ?? 1, pageSize: pg.pageSize ?? 20 })}
        pagination={{ current: page, pageSize, total: data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { n }) }}
        onRow={(s) => ({ 'data-testid': `settlement-row-${s.id}`, 'data-status': s.status }) as never}
        data-testid="settlement-table"
      />
      <Modal
        open={runOpen}
        title={t('fission.ld.run')}
        onCancel={() => setRunOpen(false)}
        onOk={run}
        okText={t('fission.ld.runOk')}
        cancelText={t('common.cancel')}
        okButtonProps={{ loading: running, 'data-testid': 'settlement-run-ok' } as never}
        destroyOnHidden
      >
        <Form layout="vertical">
          <Form.Item label={t('fission.ld.periodTo')} extra={t('fission.ld.periodToHint')}>
            <DatePicker
              allowClear={false}
              value={periodTo}
              onChange={(d) => d && setPeriodTo(d)}
              disabledDate={(d) => d.format('YYYY-MM-DD') > shanghaiToday()}
              data-testid="settlement-period-to"
            />
          </Form.Item>
        </Form>
        <Alert type="info" showIcon title={t('fission.ld.runIdempotent')} />
      </Modal>
      <Modal
        open={!!paying}
        title={t('fission.ld.markPaidTitle', { name: paying?.leaderName ?? '', amount: formatFen(paying?.commissionFen ?? 0, true) })}
        onCancel={() => setPaying(null)}
        onOk={markPaid}
        okText={t('fission.ld.markPaid')}
        cancelText={t('common.cancel')}
        okButtonProps={{ loading: saving, 'data-testid': 'settlement-pay-ok' } as never}
        destroyOnHidden
      >
        <Form layout="vertical">
          <Form.Item label={t('fission.ld.payNote')} extra={t('fission.ld.payNoteHint')}>
            <Input.TextArea rows={2} maxLength={200} showCount value={note} onChange={(e) => setNote(e.target.value)} data-testid="settlement-pay-note" />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
