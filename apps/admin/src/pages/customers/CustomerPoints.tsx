import { Col, Form, Input, InputNumber, Modal, Row, Statistic, Table } from 'antd';
import { POINTS_LEDGER_KINDS, PointsAdjustBody } from '@siyu/contracts';
import { api, ApiError } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { fmtDate, fmtTime } from '../../lib/format';
import { useI18n } from '../../lib/i18n';
import { CustomerLedgerCard, LedgerLoadMore, useCustomerLedger } from './CustomerLedgerCard';
import { useStaffAdjust } from './useStaffAdjust';

interface LedgerEntry {
  id: number;
  delta: number;
  balanceAfter: number;
  kind: string;
  ref: string;
  note: string | null;
  createdAt: string;
}

interface PointsSummary {
  balance: number;
  earnedTotal: number;
  expiringSoon: { points: number; at: string } | null;
  ledger: LedgerEntry[];
}

/** 积分 on the customer page: balance, lifetime earned, what expires soon, the ledger, and a hand adjustment. */
export default function CustomerPoints({ customerId }: { customerId: string }) {
  const { t, lang } = useI18n();
  const panel = useCustomerLedger<PointsSummary>(`/customers/${customerId}/points`);
  const { summary, ledger, hasMore, loading, loadingMore, loadMore } = panel;

  const kindText = (kind: string) => POINTS_LEDGER_KINDS[kind]?.[lang === 'zh-CN' ? 'zh' : 'en'] ?? kind;

  return (
    <CustomerLedgerCard
      title={t('points.card')}
      testId="customer-points"
      adjustLabel={t('points.adjust')}
      adjustTestId="points-adjust"
      panel={panel}
      renderAdjustModal={(modal) => <AdjustModal {...modal} customerId={customerId} balance={summary?.balance ?? 0} />}
    >
      <Row gutter={16} style={{ marginBottom: 16 }}>
        <Col xs={24} md={8}>
          <Statistic title={t('points.balance')} value={summary?.balance ?? 0} loading={!summary} styles={{ content: { fontSize: 32, fontWeight: 600 } }} data-testid="points-balance" />
        </Col>
        <Col xs={24} md={8}>
          <Statistic title={t('points.earnedTotal')} value={summary?.earnedTotal ?? 0} loading={!summary} data-testid="points-earned" />
        </Col>
        <Col xs={24} md={8}>
          <Statistic
            title={t('points.expiringSoon')}
            value={summary?.expiringSoon?.points ?? 0}
            loading={!summary}
            suffix={summary?.expiringSoon ? <span className="muted" style={{ fontSize: 13 }}>{t('points.expiresOn', { date: fmtDate(summary.expiringSoon.at) })}</span> : undefined}
            data-testid="points-expiring"
          />
        </Col>
      </Row>
      <Table<LedgerEntry>
        rowKey="id"
        size="small"
        loading={loading}
        dataSource={ledger}
        pagination={false}
        locale={{ emptyText: <span className="muted">{t('points.noLedger')}</span> }}
        columns={[
          { title: t('points.col.time'), dataIndex: 'createdAt', width: 180, render: (v: string) => fmtTime(v) },
          { title: t('points.col.kind'), dataIndex: 'kind', width: 140, render: (k: string) => kindText(k) },
          {
            title: t('points.col.delta'),
            dataIndex: 'delta',
            width: 120,
            align: 'right',
            render: (d: number) => (
              <span style={{ color: d > 0 ? '#237804' : '#cf1322', fontWeight: 500 }}>
                {d > 0 ? `+${d}` : `−${Math.abs(d)}`}
              </span>
            ),
          },
          { title: t('points.col.balanceAfter'), dataIndex: 'balanceAfter', width: 120, align: 'right' },
          { title: t('points.col.note'), dataIndex: 'note', render: (n: string | null) => n ?? '-' },
        ]}
      />
      <LedgerLoadMore hasMore={hasMore} loading={loadingMore} onClick={loadMore} testId="points-load-more" />
    </CustomerLedgerCard>
  );
}

interface AdjustValues {
  delta: number | null;
  reason: string;
}

const adjustShape = PointsAdjustBody.shape;

/** 调整积分: a signed amount and a reason; one Idempotency-Key per opening, so a retried submit posts once. */
function AdjustModal({ open, customerId, balance, onClose, onDone }: { open: boolean; customerId: string; balance: number; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const { form, saving, send } = useStaffAdjust<AdjustValues>(open);

  const delta = Form.useWatch('delta', form);

  const submit = async () => {
    const v = form.getFieldsValue(true) as AdjustValues;
    const body = validateBody(form, PointsAdjustBody, { delta: v.delta ?? undefined, reason: (v.reason ?? '').trim() });
    if (!body) return;
    await send(async (key) => {
      try {
        const res = await api.post<{ balance: number }>(`/customers/${customerId}/points/adjust`, body, { headers: { 'Idempotency-Key': key } });
        feedback.message.success(t('points.adjusted', { n: res.balance }));
        onDone();
      } catch (err) {
        if (err instanceof ApiError && err.code === 'POINTS_INSUFFICIENT') {
          const left = typeof err.details?.balance === 'number' ? err.details.balance : balance;
          form.setFields([{ name: 'delta', errors: [t('points.insufficient', { n: left })] }]);
        } else if (!applyApiError(form, err)) showError(err);
      }
    });
  };

  const after = typeof delta === 'number' ? balance + delta : null;

  return (
    <Modal
      open={open}
      title={t('points.adjust')}
      onCancel={onClose}
      onOk={submit}
      confirmLoading={saving}
      okText={t('common.confirm')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'points-adjust-submit' } as never}
      forceRender
    >
      <Form<AdjustValues> form={form} layout="vertical" name="pointsAdjust" initialValues={{ delta: null, reason: '' }}>
        <Form.Item
          name="delta"
          label={t('points.delta')}
          required
          rules={[zodRule(adjustShape.delta, (x) => x ?? undefined)]}
          extra={after === null ? t('points.deltaHint', { n: balance }) : t('points.deltaAfter', { n: balance, after })}
        >
          <InputNumber min={-1_000_000} max={1_000_000} precision={0} style={{ width: 220 }} placeholder={t('points.deltaPlaceholder')} data-testid="points-adjust-delta" />
        </Form.Item>
        <Form.Item name="reason" label={t('common.reason')} required rules={[zodRule(adjustShape.reason, (x) => String(asText(x)).trim())]}>
          <Input.TextArea rows={2} maxLength={100} showCount data-testid="points-adjust-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
