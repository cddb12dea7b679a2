import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { Button, Form, Input, Modal, Popconfirm, Space, Table, Tabs } from 'antd';
import { RejectBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import { formatFen } from '../../lib/money';
import { fmtTime } from '../../lib/format';
import { RefundStatusTag } from '../../components/StatusTag';
import type { Paged, Refund } from '../../lib/types';

const STATUSES: Refund['status'][] = ['requested', 'awaiting_return', 'returned', 'processing', 'refunded', 'rejected', 'cancelled'];

export default function Refunds() {
  const { t } = useI18n();
  const { can } = useAuth();
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? undefined;
  const page = Number(params.get('page') ?? 1);
  const pageSize = Number(params.get('pageSize') ?? 20);
  const { data, loading, reload } = useApi<Paged<Refund>>('/refunds', { status, page, pageSize });
  const [rejecting, setRejecting] = useState<Refund | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ reason: string }>();

  const act = async (r: Refund, action: 'approve' | 'confirm-return') => {
    try {
      await api.post(`/refunds/${r.id}/${action}`);
      feedback.message.success(t('refund.done'));
      reload();
    } catch (err) {
      showError(err);
    }
  };

  const reject = async () => {
    if (!rejecting) return;
    const body = validateBody(form, RejectBody, { reason: form.getFieldValue('reason') ?? '' });
    if (!body) return;
    setBusy(true);
    try {
      await api.post(`/refunds/${rejecting.id}/reject`, body);
      feedback.message.success(t('refund.done'));
      setRejecting(null);
      reload();
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setBusy(false);
    }
  };

  const writable = can('orders:refund');
  return (
    <div className="page-card">
      <h1 className="page-title">{t('refund.title')}</h1>
      <Tabs
        activeKey={status ?? 'all'}
        onChange={(k) => setParams(k === 'all' ? {} : { status: k })}
        items={[{ key: 'all', label: t('common.all') }, ...STATUSES.map((s) => ({ key: s, label: t(`refund.status.${s}`) }))]}
      />
      <Table<Refund>
        rowKey="id"
        loading={loading}
        dataSource={data?.items ?? []}
        scroll={data?.items.length ? { x: 1100 } : undefined}
        onRow={(r) => ({ 'data-testid': `refund-row-${r.refundNo}` }) as React.HTMLAttributes<HTMLElement>}
        onChange={(pg) => setParams({ ...(status ? { status } : {}), page: String(pg.current), pageSize: String(pg.pageSize) })}
        pagination={{ current: page, pageSize, total: data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { n }) }}
        columns={[
          { title: t('refund.no'), dataIndex: 'refundNo', width: 220 },
          { title: t('refund.order'), dataIndex: 'orderId', width: 110, render: (id: string) => <Link to={`/orders/${id}`}>{t('common.view')}</Link> },
          { title: t('refund.type'), dataIndex: 'type', width: 110, render: (v: Refund['type']) => t(`refund.type.${v}`) },
          { title: t('refund.amount'), dataIndex: 'amountFen', width: 110, render: (v: number) => formatFen(v) },
          { title: t('refund.reason'), dataIndex: 'reason', ellipsis: true },
          { title: t('refund.by'), dataIndex: 'requestedBy', width: 90, render: (v: Refund['requestedBy']) => t(`refund.by.${v}`) },
          {
            title: t('refund.returnTracking'),
            key: 'ret',
            width: 160,
            render: (_, r) => (r.returnTrackingNo ? `${r.returnCarrier ?? ''} ${r.returnTrackingNo}` : '-'),
          },
          { title: t('common.status'), dataIndex: 'status', width: 110, render: (s: Refund['status']) => <RefundStatusTag status={s} /> },
          { title: t('common.createdAt'), dataIndex: 'createdAt', width: 170, render: fmtTime },
          {
            title: t('common.actions'),
            key: 'a',
            width: 220,
            fixed: 'right',
            render: (_, r) =>
              writable && (
                <Space size={4} wrap>
                  {r.status === 'requested' && (
                    <Popconfirm title={t('refund.approveConfirm')} onConfirm={() => act(r, 'approve')} okText={t('common.confirm')} cancelText={t('common.cancel')}>
                      <Button type="link" size="small" data-testid={`refund-approve-${r.refundNo}`}>
                        {t('refund.approve')}
                      </Button>
                    </Popconfirm>
                  )}
                  {r.status === 'returned' && (
                    <Popconfirm title={t('refund.confirmReturnConfirm')} onConfirm={() => act(r, 'confirm-return')} okText={t('common.confirm')} cancelText={t('common.cancel')}>
                      <Button type="link" size="small" data-testid={`refund-confirm-return-${r.refundNo}`}>
                        {t('refund.confirmReturn')}
                      </Button>
                    </Popconfirm>
                  )}
                  {['requested', 'awaiting_return', 'returned'].includes(r.status) && (
                    <Button
                      type="link"
                      size="small"
                      danger
                      onClick={() => {
                        form.resetFields();
                        setRejecting(r);
                      }}
                      data-testid={`refund-reject-${r.refundNo}`}
                    >
                      {t('refund.reject')}
                    </Button>
                  )}
                </Space>
              ),
          },
        ]}
      />
      <Modal
        open={!!rejecting}
        title={t('refund.rejectTitle')}
        onCancel={() => setRejecting(null)}
        onOk={reject}
        confirmLoading={busy}
        okText={t('refund.reject')}
        cancelText={t('common.cancel')}
        okButtonProps={{ danger: true, 'data-testid': 'refund-reject-submit' } as never}
        forceRender
      >
        <Form form={form} layout="vertical" name="reject">
          <Form.Item name="reason" label={t('common.reason')} required rules={[zodRule(RejectBody.shape.reason, asText)]}>
            <Input.TextArea rows={3} maxLength={200} data-testid="refund-reject-reason" />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
