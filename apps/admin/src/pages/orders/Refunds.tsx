import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { Alert, Button, Form, Input, Modal, Space, Table, Tabs, Tooltip, type TableProps } from 'antd';
import { RejectBody, refundReasonText } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { textLang, useI18n } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import { formatFen } from '../../lib/money';
import { fmtTime } from '../../lib/format';
import { tableWidth } from '../../lib/table';
import { RefundStatusTag } from '../../components/StatusTag';
import RefundSummary from '../../components/RefundSummary';
import type { Paged, Refund } from '../../lib/types';

const STATUSES: Refund['status'][] = ['requested', 'awaiting_return', 'returned', 'processing', 'refunded', 'rejected', 'cancelled'];

type Deciding = { refund: Refund; action: 'approve' | 'confirm-return' };

/** 售后维权: every request with what it gives back; approving names the items, the amount and where it goes. */
export default function Refunds() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? undefined;
  const page = Number(params.get('page') ?? 1);
  const pageSize = Number(params.get('pageSize') ?? 20);
  const { data, loading, reload } = useApi<Paged<Refund>>('/refunds', { status, page, pageSize });
  const [rejecting, setRejecting] = useState<Refund | null>(null);
  const [deciding, setDeciding] = useState<Deciding | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ reason: string }>();

  const decide = async () => {
    if (!deciding) return;
    setBusy(true);
    try {
      await api.post(`/refunds/${deciding.refund.id}/${deciding.action}`);
      feedback.message.success(t('refund.done'));
      setDeciding(null);
      reload();
    } catch (err) {
      showError(err);
    } finally {
      setBusy(false);
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
  const columns: TableProps<Refund>['columns'] = [
    {
      title: t('refund.no'),
      key: 'no',
      width: 210,
      render: (_, r) => (
        <div>
          <div className="nowrap" style={{ fontSize: 12 }}>{r.refundNo}</div>
          <Link to={`/orders/${r.orderId}`} className="nowrap" style={{ fontSize: 12 }}>
            {t('refund.orderNo')} {r.orderNo ?? r.orderId.slice(0, 8)}
          </Link>
        </div>
      ),
    },
    {
      title: t('refund.goods'),
      key: 'goods',
      render: (_, r) => {
        const [first, ...rest] = r.lines ?? [];
        if (!first) return '-';
        return (
          <div style={{ minWidth: 0 }}>
            <div style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{first.title}</div>
            <div className="muted" style={{ fontSize: 12 }}>
              {[first.specText, first.quantity ? `× ${first.quantity}` : t('refund.priceDifference'), rest.length ? t('refund.moreLines', { n: rest.length }) : ''].filter(Boolean).join(' ')}
            </div>
          </div>
        );
      },
    },
    {
      title: t('refund.amount'),
      key: 'amount',
      width: 130,
      render: (_, r) => (
        <div>
          <div>{formatFen(r.amountFen)}</div>
          {r.balanceFen > 0 && <div className="muted" style={{ fontSize: 12 }}>{t('refund.balancePart', { amount: formatFen(r.balanceFen) })}</div>}
          <div className="muted" style={{ fontSize: 12 }}>
            {t(`refund.type.${r.type}`)} · {t(`refund.by.${r.requestedBy}`)}
          </div>
        </div>
      ),
    },
    {
      title: t('refund.reason'),
      key: 'reason',
      width: 170,
      render: (_, r) => {
        const text = refundReasonText(r, textLang(lang)) || '-';
        return (
          <Tooltip title={text} placement="topLeft">
            <span className="clamp-2" data-testid={`refund-reason-${r.refundNo}`}>{text}</span>
          </Tooltip>
        );
      },
    },
    {
      title: t('common.status'),
      key: 'status',
      width: 120,
      render: (_, r) => (
        <div>
          <RefundStatusTag status={r.status} />
          {r.returnTrackingNo && <div className="muted nowrap" style={{ fontSize: 12, marginTop: 2 }}>{`${r.returnCarrier ?? ''} ${r.returnTrackingNo}`}</div>}
        </div>
      ),
    },
    { title: t('refund.createdAt'), dataIndex: 'createdAt', width: 170, className: 'nowrap', render: (v: string) => <span data-testid="refund-created-at">{fmtTime(v)}</span> },
    {
      title: t('common.actions'),
      key: 'a',
      width: 140,
      fixed: 'right',
      render: (_, r) =>
        writable && (
          <Space size={4} wrap>
            {r.status === 'requested' && (
              <Button type="link" size="small" onClick={() => setDeciding({ refund: r, action: 'approve' })} data-testid={`refund-approve-${r.refundNo}`}>
                {t('refund.approve')}
              </Button>
            )}
            {r.status === 'returned' && (
              <Button type="link" size="small" onClick={() => setDeciding({ refund: r, action: 'confirm-return' })} data-testid={`refund-confirm-return-${r.refundNo}`}>
                {t('refund.confirmReturn')}
              </Button>
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
  ];

  const d = deciding?.refund;
  const refundsNow = deciding?.action === 'confirm-return' || d?.type === 'refund_only';
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
        columns={columns}
        scroll={data?.items.length ? { x: tableWidth(columns, 180) } : undefined}
        onRow={(r) => ({ 'data-testid': `refund-row-${r.refundNo}` }) as React.HTMLAttributes<HTMLElement>}
        onChange={(pg) => setParams({ ...(status ? { status } : {}), page: String(pg.current), pageSize: String(pg.pageSize) })}
        pagination={{ current: page, pageSize, total: data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { n }) }}
      />
      <Modal
        open={!!deciding}
        width={560}
        title={deciding?.action === 'confirm-return' ? t('refund.confirmReturnTitle') : t('refund.approveTitle')}
        onCancel={() => setDeciding(null)}
        onOk={decide}
        confirmLoading={busy}
        okText={
          d
            ? deciding?.action === 'confirm-return'
              ? t('refund.confirmReturnSubmit', { amount: formatFen(d.amountFen) })
              : d.type === 'return_refund'
                ? t('refund.approveSubmitReturn')
                : t('refund.approveSubmitRefund', { amount: formatFen(d.amountFen) })
            : ''
        }
        cancelText={t('common.cancel')}
        okButtonProps={{ 'data-testid': 'refund-decide-submit' } as never}
        destroyOnHidden
      >
        {d && (
          <div data-testid="refund-decide-dialog">
            <div className="muted" style={{ marginBottom: 12 }}>
              {t('refund.orderNo')} {d.orderNo} · {t(`refund.type.${d.type}`)} · {refundReasonText(d, textLang(lang))}
            </div>
            <RefundSummary refund={d} lines={d.lines ?? []} />
            {d.returnTrackingNo && (
              <div style={{ marginTop: 12 }}>
                {t('refund.returnTracking')}:{`${d.returnCarrier ?? ''} ${d.returnTrackingNo}`}
              </div>
            )}
            <Alert
              style={{ marginTop: 16 }}
              type={refundsNow ? 'warning' : 'info'}
              showIcon
              title={refundsNow ? t('refund.refundNowHint', { amount: formatFen(d.amountFen) }) : t('refund.returnFirstHint', { amount: formatFen(d.amountFen) })}
            />
          </div>
        )}
      </Modal>
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
