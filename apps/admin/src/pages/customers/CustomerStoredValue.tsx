import { Col, Form, Input, InputNumber, Modal, Row, Statistic, Table, Tabs, Tag } from 'antd';
import { StoredValueAdjustBody } from '@siyu/contracts';
import { api, ApiError } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { fmtTime } from '../../lib/format';
import { useI18n } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import { postingColumns, type StoredValuePosting } from '../loyalty/StoredValueStatement';
import { yuanBoxToFen } from '../loyalty/StoredValuePlans';
import { CustomerLedgerCard, LedgerLoadMore, useCustomerLedger } from './CustomerLedgerCard';
import { useStaffAdjust } from './useStaffAdjust';

export interface StoredValueAccount {
  principalFen: number;
  bonusFen: number;
  balanceFen: number;
  toppedUpFen: number;
  spentFen: number;
}

type TopupStatus = 'pending' | 'paid' | 'closed';
interface Topup {
  id: string;
  topupNo: string;
  amountFen: number;
  bonusFen: number;
  status: TopupStatus;
  createdAt: string;
  paidAt: string | null;
}

interface Summary {
  account: StoredValueAccount;
  ledger: StoredValuePosting[];
  topups: Topup[];
}

const TOPUP_COLOR: Record<TopupStatus, string> = { pending: 'orange', paid: 'green', closed: 'default' };

/** 储值 on the customer page: balance (principal + bonus), the ledger, recent top-ups, and a hand correction. */
export default function CustomerStoredValue({ customerId }: { customerId: string }) {
  const { t } = useI18n();
  const panel = useCustomerLedger<Summary>(`/customers/${customerId}/stored-value`);
  const { summary, ledger, hasMore, loading, loadingMore, loadMore } = panel;

  const a = summary?.account;

  return (
    <CustomerLedgerCard
      title={t('sv.customerCard')}
      testId="customer-stored-value"
      adjustLabel={t('sv.adjust')}
      adjustTestId="sv-adjust"
      panel={panel}
      renderAdjustModal={(modal) => <AdjustModal {...modal} customerId={customerId} account={a ?? null} />}
    >
      <Row gutter={16} style={{ marginBottom: 16 }}>
        <Col xs={24} md={8}>
          <Statistic title={t('sv.balance')} value={a ? formatFen(a.balanceFen, true) : ''} loading={!a} styles={{ content: { fontSize: 32, fontWeight: 600 } }} data-testid="sv-balance" />
          {a && (
            <div className="muted" data-testid="sv-balance-split">
              {t('sv.split', { principal: formatFen(a.principalFen, true), bonus: formatFen(a.bonusFen, true) })}
            </div>
          )}
        </Col>
        <Col xs={12} md={8}>
          <Statistic title={t('sv.toppedUpTotal')} value={a ? formatFen(a.toppedUpFen, true) : ''} loading={!a} data-testid="sv-topped-up" />
        </Col>
        <Col xs={12} md={8}>
          <Statistic title={t('sv.spentTotal')} value={a ? formatFen(a.spentFen, true) : ''} loading={!a} data-testid="sv-spent" />
        </Col>
      </Row>
      <Tabs
        size="small"
        items={[
          {
            key: 'ledger',
            label: t('sv.ledger'),
            children: (
              <>
                <Table<StoredValuePosting>
                  rowKey="id"
                  size="small"
                  loading={loading}
                  dataSource={ledger}
                  pagination={false}
                  scroll={{ x: 900 }}
                  locale={{ emptyText: <span className="muted">{t('sv.noLedger')}</span> }}
                  columns={postingColumns(t)}
                  data-testid="sv-ledger"
                />
                <LedgerLoadMore hasMore={hasMore} loading={loadingMore} onClick={loadMore} testId="sv-load-more" />
              </>
            ),
          },
          {
            key: 'topups',
            label: t('sv.recentTopups'),
            children: (
              <Table<Topup>
                rowKey="id"
                size="small"
                loading={loading}
                dataSource={summary?.topups ?? []}
                pagination={false}
                scroll={{ x: 760 }}
                locale={{ emptyText: <span className="muted">{t('sv.noTopups')}</span> }}
                data-testid="sv-topups"
                columns={[
                  { title: t('sv.topupNo'), dataIndex: 'topupNo', width: 200 },
                  { title: t('sv.plan.amount'), dataIndex: 'amountFen', width: 110, align: 'right', render: (v: number) => formatFen(v, true) },
                  { title: t('sv.plan.bonus'), dataIndex: 'bonusFen', width: 110, align: 'right', render: (v: number) => (v ? formatFen(v, true) : '-') },
                  { title: t('common.status'), dataIndex: 'status', width: 90, render: (s: TopupStatus) => <Tag color={TOPUP_COLOR[s]}>{t(`sv.topupStatus.${s}`)}</Tag> },
                  { title: t('common.createdAt'), dataIndex: 'createdAt', width: 170, render: (v: string) => fmtTime(v) },
                  { title: t('sv.paidAt'), dataIndex: 'paidAt', width: 170, render: (v: string | null) => fmtTime(v) },
                ]}
              />
            ),
          },
        ]}
      />
    </CustomerLedgerCard>
  );
}

interface AdjustValues {
  /** Signed yuan. */
  principal: number | null;
  bonus: number | null;
  reason: string;
}

const FIELDS = { principalDeltaFen: 'principal', bonusDeltaFen: 'bonus' };
/** A signed yuan box → signed fen; empty is 0 (only one of the two parts may change). */
const signedFen = (v: number | null | undefined) => {
  if (v === null || v === undefined) return 0;
  const fen = yuanBoxToFen(Math.abs(v)) ?? Number.NaN;
  return v < 0 ? -fen : fen;
};

/** 调整余额: signed principal and bonus amounts and a reason; one Idempotency-Key per opening. */
function AdjustModal({ open, customerId, account, onClose, onDone }: { open: boolean; customerId: string; account: StoredValueAccount | null; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const { form, saving, send } = useStaffAdjust<AdjustValues>(open);

  const principal = Form.useWatch('principal', form);
  const bonus = Form.useWatch('bonus', form);

  const submit = async () => {
    const v = form.getFieldsValue(true) as AdjustValues;
    const body = validateBody(form, StoredValueAdjustBody, { principalDeltaFen: signedFen(v.principal), bonusDeltaFen: signedFen(v.bonus), reason: (v.reason ?? '').trim() }, FIELDS);
    if (!body) return;
    await send(async (key) => {
      try {
        const res = await api.post<{ posted: boolean; account: StoredValueAccount }>(`/customers/${customerId}/stored-value/adjust`, body, { headers: { 'Idempotency-Key': key } });
        feedback.message.success(t('sv.adjusted', { n: formatFen(res.account.balanceFen, true) }));
        onDone();
      } catch (err) {
        if (err instanceof ApiError && err.code === 'BALANCE_INSUFFICIENT') {
          const field = err.field === 'bonusFen' ? 'bonus' : 'principal';
          form.setFields([{ name: field, errors: [t('sv.insufficient', { principal: formatFen(account?.principalFen ?? 0, true), bonus: formatFen(account?.bonusFen ?? 0, true) })] }]);
        } else if (!applyApiError(form, err, FIELDS)) showError(err);
      }
    });
  };

  const pAfter = account ? account.principalFen + signedFen(principal) : 0;
  const bAfter = account ? account.bonusFen + signedFen(bonus) : 0;

  return (
    <Modal
      open={open}
      title={t('sv.adjust')}
      onCancel={onClose}
      onOk={submit}
      confirmLoading={saving}
      okText={t('common.confirm')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'sv-adjust-submit' } as never}
      forceRender
    >
      <Form<AdjustValues> form={form} layout="vertical" name="storedValueAdjust" initialValues={{ principal: null, bonus: null, reason: '' }}>
        <p className="muted">{t('sv.adjustHint')}</p>
        <Form.Item name="principal" label={t('sv.adjustPrincipal')} extra={account ? t('sv.adjustAfter', { now: formatFen(account.principalFen, true), after: formatFen(pAfter, true) }) : undefined}>
          <InputNumber min={-100_000} max={100_000} precision={2} prefix="¥" style={{ width: 220 }} placeholder={t('sv.adjustPlaceholder')} data-testid="sv-adjust-principal" />
        </Form.Item>
        <Form.Item name="bonus" label={t('sv.adjustBonus')} extra={account ? t('sv.adjustAfter', { now: formatFen(account.bonusFen, true), after: formatFen(bAfter, true) }) : undefined}>
          <InputNumber min={-100_000} max={100_000} precision={2} prefix="¥" style={{ width: 220 }} placeholder={t('sv.adjustPlaceholder')} data-testid="sv-adjust-bonus" />
        </Form.Item>
        <Form.Item name="reason" label={t('common.reason')} required rules={[zodRule(StoredValueAdjustBody.shape.reason, (x) => String(asText(x)).trim())]}>
          <Input.TextArea rows={2} maxLength={100} showCount data-testid="sv-adjust-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
