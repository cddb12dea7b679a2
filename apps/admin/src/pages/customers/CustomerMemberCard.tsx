import { useState } from 'react';
import { Alert, Button, Card, Col, Form, Input, InputNumber, Modal, Row, Select, Statistic, Table, Tag } from 'antd';
import { MemberCardGrantBody } from '@siyu/contracts';
import { api, ApiError } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { fmtDate, fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import type { MemberCardPlan } from '../loyalty/MemberCards';
import { useStaffAdjust } from './useStaffAdjust';

export interface CustomerCard {
  planId: string;
  name: string;
  startsAt: string;
  expiresAt: string;
  active: boolean;
  daysLeft: number;
}

type CardLedgerKind = 'purchase' | 'renew' | 'grant' | 'revoke';
interface CardPosting {
  id: number;
  kind: CardLedgerKind;
  days: number;
  expiresBefore: string | null;
  expiresAfter: string;
  note: string | null;
  createdAt: string;
}

interface CardData {
  card: CustomerCard | null;
  ledger: CardPosting[];
}

const KIND_COLOR: Record<CardLedgerKind, string> = { purchase: 'blue', renew: 'cyan', grant: 'green', revoke: 'red' };

/** 付费会员卡 on the customer page: the card and when it ends, its ledger of days, and giving or taking days. */
export default function CustomerMemberCard({ customerId }: { customerId: string }) {
  const { t } = useI18n();
  const { can } = useAuth();
  const data = useApi<CardData>(`/customers/${customerId}/member-card`);
  const [granting, setGranting] = useState(false);
  const card = data.data?.card ?? null;

  return (
    <Card
      title={t('card.customerCard')}
      variant="borderless"
      style={{ marginBottom: 16 }}
      data-testid="customer-member-card"
      extra={
        can('loyalty:manage') && (
          <Button onClick={() => setGranting(true)} disabled={!data.data} data-testid="card-grant">
            {t('card.grant')}
          </Button>
        )
      }
    >
      {data.error ? (
        <Alert type="error" showIcon title={data.error.message} action={<Button size="small" onClick={data.reload}>{t('common.retry')}</Button>} />
      ) : (
        <>
          <Row gutter={16} style={{ marginBottom: 16 }}>
            <Col xs={24} md={8}>
              <Statistic
                title={t('card.current')}
                value={data.data ? (card ? card.name : t('card.none')) : ' '}
                loading={!data.data}
                suffix={card ? <Tag color={card.active ? 'green' : 'default'} style={{ marginLeft: 8 }}>{card.active ? t('card.active') : t('card.expired')}</Tag> : undefined}
                data-testid="card-current"
              />
            </Col>
            <Col xs={12} md={8}>
              <Statistic title={t('card.expiresAt')} value={card ? fmtDate(card.expiresAt) : '-'} loading={!data.data} data-testid="card-expires" />
            </Col>
            <Col xs={12} md={8}>
              <Statistic title={t('card.daysLeft')} value={card?.active ? card.daysLeft : 0} suffix={t('card.dayUnit')} loading={!data.data} data-testid="card-days-left" />
            </Col>
          </Row>
          <Table<CardPosting>
            rowKey="id"
            size="small"
            loading={data.loading}
            dataSource={data.data?.ledger ?? []}
            pagination={false}
            scroll={{ x: 760 }}
            locale={{ emptyText: <span className="muted">{t('card.noLedger')}</span> }}
            data-testid="card-ledger"
            columns={[
              { title: t('sv.col.time'), dataIndex: 'createdAt', width: 170, render: (v: string) => fmtTime(v) },
              { title: t('sv.col.kind'), dataIndex: 'kind', width: 100, render: (k: CardLedgerKind) => <Tag color={KIND_COLOR[k]}>{t(`card.kind.${k}`)}</Tag> },
              {
                title: t('card.days'),
                dataIndex: 'days',
                width: 90,
                align: 'right',
                render: (d: number) => <span style={{ color: d > 0 ? '#237804' : '#cf1322', fontWeight: 500 }}>{d > 0 ? `+${d}` : `−${Math.abs(d)}`}</span>,
              },
              { title: t('card.expiryChange'), key: 'exp', width: 220, render: (_, l) => `${l.expiresBefore ? fmtDate(l.expiresBefore) : '-'} → ${fmtDate(l.expiresAfter)}` },
              { title: t('sv.col.note'), dataIndex: 'note', render: (n: string | null) => n ?? '-' },
            ]}
          />
        </>
      )}
      <GrantModal
        open={granting}
        customerId={customerId}
        card={card}
        onClose={() => setGranting(false)}
        onDone={(next) => {
          setGranting(false);
          data.setData((d) => d && { ...d, card: next });
          data.reload();
        }}
      />
    </Card>
  );
}

interface GrantValues {
  planId?: string;
  days: number | null;
  reason: string;
}

/** 赠送/扣减天数: which card, how many days (negative takes them away), why; one Idempotency-Key per opening. */
function GrantModal({ open, customerId, card, onClose, onDone }: { open: boolean; customerId: string; card: CustomerCard | null; onClose: () => void; onDone: (card: CustomerCard | null) => void }) {
  const { t } = useI18n();
  const { form, saving, send } = useStaffAdjust<GrantValues>(open, (f) => f.setFieldsValue({ planId: card?.active ? card.planId : undefined, days: null, reason: '' }));
  const plans = useApi<MemberCardPlan[]>(open ? '/member-cards' : null);

  const submit = async () => {
    const v = form.getFieldsValue(true) as GrantValues;
    const body = validateBody(form, MemberCardGrantBody, { planId: v.planId, days: v.days ?? undefined, reason: (v.reason ?? '').trim() });
    if (!body) return;
    await send(async (key) => {
      try {
        const res = await api.post<{ card: CustomerCard | null }>(`/customers/${customerId}/member-card/grant`, body, { headers: { 'Idempotency-Key': key } });
        feedback.message.success(res.card ? t('card.granted', { date: fmtDate(res.card.expiresAt) }) : t('common.saved'));
        onDone(res.card);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'CARD_NOT_ACTIVE') form.setFields([{ name: 'days', errors: [t('card.notActive')] }]);
        else if (!applyApiError(form, err)) showError(err);
      }
    });
  };

  return (
    <Modal
      open={open}
      title={t('card.grant')}
      onCancel={onClose}
      onOk={submit}
      confirmLoading={saving}
      okText={t('common.confirm')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'card-grant-submit' } as never}
      forceRender
    >
      <Form<GrantValues> form={form} layout="vertical" name="memberCardGrant">
        <Form.Item name="planId" label={t('card.which')} required rules={[{ required: true, message: t('card.chooseCard') }]} extra={t('card.whichHint')}>
          <Select
            options={(plans.data ?? []).map((p) => ({ value: p.id, label: p.active ? p.name : `${p.name}(${t('card.offSale')})` }))}
            loading={plans.loading}
            placeholder={t('card.chooseCard')}
            data-testid="card-grant-plan"
          />
        </Form.Item>
        <Form.Item name="days" label={t('card.grantDays')} required rules={[zodRule(MemberCardGrantBody.shape.days, (x) => x ?? undefined)]} extra={t('card.grantDaysHint')}>
          <InputNumber min={-3660} max={3660} precision={0} suffix={t('card.dayUnit')} style={{ width: 220 }} data-testid="card-grant-days" />
        </Form.Item>
        <Form.Item name="reason" label={t('common.reason')} required rules={[zodRule(MemberCardGrantBody.shape.reason, (x) => String(asText(x)).trim())]}>
          <Input.TextArea rows={2} maxLength={100} showCount data-testid="card-grant-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
