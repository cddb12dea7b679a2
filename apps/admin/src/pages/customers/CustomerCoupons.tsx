import { useMemo } from 'react';
import { Link } from 'react-router-dom';
import { Alert, Button, Card, Col, Row, Statistic, Table, Tag, type TableProps } from 'antd';
import dayjs from 'dayjs';
import { discountText, yuanShort } from '@siyu/contracts';
import { useAuth } from '../../lib/auth';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { textLang, useI18n, type Lang, type TFunction } from '../../lib/i18n';
import { zh, type MessageKey } from '../../lib/dict';
import type { CouponKind, IssuedCoupon } from '../../lib/types';
import { couponKindText } from '../promotions/shared';

type CouponStatus = IssuedCoupon['status'];

/** One coupon as the server's `myView` gives it: the same shape the storefront's 我的优惠券 reads. */
interface CustomerCoupon {
  id: string;
  templateId: string;
  name: string;
  kind: CouponKind;
  thresholdFen: number;
  amountOffFen: number | null;
  percentPaid: number | null;
  maxDiscountFen: number | null;
  description: string | null;
  validFrom: string;
  validTo: string;
  status: CouponStatus;
  usedAt: string | null;
  orderId: string | null;
  source: string;
}

interface CouponsData {
  items: CustomerCoupon[];
  counts: { unused: number; used: number; expired: number };
}

const STATUS_COLORS: Record<CouponStatus, string> = { unused: 'blue', used: 'green', expired: 'default', revoked: 'red' };
// The server orders by the status text, which puts expired before unused; staff look for what can still be used.
const STATUS_RANK: Record<CouponStatus, number> = { unused: 0, used: 1, expired: 2, revoked: 3 };
const COUNTED = ['unused', 'used', 'expired'] as const;
const PAGE_SIZE = 5;

/** The face value (¥20, 8.5折 / 15% off, 兑换券) and the rule under it (满 100 可用 · 最多减 ¥30). */
function couponValue(c: CustomerCoupon, lang: Lang, t: TFunction): { value: string; rule: string } {
  const value = c.kind === 'gift' ? couponKindText('gift', lang) : c.kind === 'percent_off' && c.percentPaid ? discountText(c.percentPaid, textLang(lang)) : `¥${yuanShort(c.amountOffFen ?? 0)}`;
  const rule = [
    c.thresholdFen > 0 ? t('coupon.preview.threshold', { n: yuanShort(c.thresholdFen) }) : c.kind === 'gift' ? '' : t('coupon.preview.noThreshold'),
    c.kind === 'percent_off' && c.maxDiscountFen ? t('coupon.preview.cap', { n: yuanShort(c.maxDiscountFen) }) : '',
  ].filter(Boolean);
  return { value, rule: rule.join(' · ') };
}

/** The promotions pages name most sources; the rest have their words here, and an unknown one shows as stored. */
function sourceText(source: string, t: TFunction) {
  for (const key of [`coupon.source.${source}`, `c360.couponSource.${source}`]) if (key in zh) return t(key as MessageKey);
  return source;
}

/** 优惠券 on the customer page: how many are unused, used and expired, and each coupon with its value and validity. */
export default function CustomerCoupons({ customerId }: { customerId: string }) {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const { data, error, reload } = useApi<CouponsData>(`/customers/${customerId}/coupons`);
  const items = useMemo(
    () => [...(data?.items ?? [])].sort((a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || a.validTo.localeCompare(b.validTo)),
    [data],
  );

  const columns: TableProps<CustomerCoupon>['columns'] = [
    {
      title: t('coupon.name'),
      dataIndex: 'name',
      render: (_, c) => (
        <div>
          <Link to={`/coupons/${c.templateId}`}>{c.name}</Link>
          <div className="muted" style={{ fontSize: 12 }}>
            {sourceText(c.source, t)}
          </div>
        </div>
      ),
    },
    {
      title: t('c360.couponValue'),
      key: 'value',
      width: 180,
      render: (_, c) => {
        const v = couponValue(c, lang, t);
        return (
          <div data-testid="customer-coupon-value">
            <b>{v.value}</b>
            {v.rule && (
              <div className="muted" style={{ fontSize: 12 }}>
                {v.rule}
              </div>
            )}
          </div>
        );
      },
    },
    { title: t('coupon.validity'), key: 'validity', width: 190, render: (_, c) => `${dayjs(c.validFrom).format('YYYY.MM.DD')}–${dayjs(c.validTo).format('YYYY.MM.DD')}` },
    {
      title: t('common.status'),
      dataIndex: 'status',
      width: 170,
      render: (s: CouponStatus, c) => (
        <div>
          <Tag color={STATUS_COLORS[s]}>{t(`coupon.couponStatus.${s}`)}</Tag>
          {s === 'used' && c.usedAt && (
            <div className="muted" style={{ fontSize: 12 }}>
              {c.orderId && can('orders:read') ? <Link to={`/orders/${c.orderId}`}>{fmtTime(c.usedAt)}</Link> : fmtTime(c.usedAt)}
            </div>
          )}
        </div>
      ),
    },
  ];

  return (
    <Card title={t('c360.coupons')} variant="borderless" style={{ marginBottom: 16 }} data-testid="customer-coupons">
      {error ? (
        <Alert type="error" showIcon title={error.message} action={<Button size="small" onClick={reload}>{t('common.retry')}</Button>} />
      ) : (
        <>
          <Row gutter={16} style={{ marginBottom: 16 }}>
            {COUNTED.map((s) => (
              <Col key={s} xs={8} md={6}>
                <Statistic title={t(`coupon.couponStatus.${s}`)} value={data ? data.counts[s] : ' '} loading={!data} styles={{ content: { fontSize: 20 } }} data-testid={`customer-coupons-${s}`} />
              </Col>
            ))}
          </Row>
          <Table<CustomerCoupon>
            rowKey="id"
            size="small"
            loading={!data}
            dataSource={items}
            columns={columns}
            scroll={items.length ? { x: 640 } : undefined}
            pagination={{ pageSize: PAGE_SIZE, size: 'small', hideOnSinglePage: true, showSizeChanger: false, showTotal: (n) => t('common.total', { n }) }}
            locale={{ emptyText: <span className="muted">{t('c360.noCoupons')}</span> }}
            data-testid="customer-coupons-table"
          />
        </>
      )}
    </Card>
  );
}
