import { Card, Form, Switch } from 'antd';
import type { Dayjs } from 'dayjs';
import { PresaleBody } from '@siyu/contracts';
import { asText, zodRule } from '../../lib/form';
import { useI18n } from '../../lib/i18n';
import { formatFen, yuanToFen } from '../../lib/money';
import { CountItem, CreateForm, itemsFieldMap, NameItem, ProductItem, RowMoneyInput, SkuRowsItem, skuRowsOf, TimeRangeItem, useCreateSubmit, usePickedProduct, type SkuRowBase } from './SalesForm';
import './promotions.css';

interface SkuRow extends SkuRowBase {
  deposit: string;
  deduct: string;
}

interface Values {
  name: string;
  productId?: string;
  rows: SkuRow[];
  depositRange?: [Dayjs, Dayjs];
  balanceRange?: [Dayjs, Dayjs];
  depositRefundable: boolean;
  perCustomerLimit: number;
}

const nameSchema = PresaleBody.shape.name;
const yuan = (fen: number) => (fen / 100).toFixed(fen % 100 === 0 ? 0 : 2);
/** "定金¥50抵¥100" as the storefront and the order show it. */
export const deductText = (depositFen: number, deductFen: number) => (deductFen > depositFen ? `定金¥${yuan(depositFen)}抵¥${yuan(deductFen)}` : `定金¥${yuan(depositFen)}`);

/** New 定金预售: a product, per SKU the deposit and what it counts for, the two windows, refundable, limit. */
export default function PresaleEdit() {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const productId = Form.useWatch('productId', form);
  const rows = (Form.useWatch('rows', { form, preserve: true }) ?? []) as SkuRow[];
  const product = usePickedProduct(
    productId,
    () => form.setFieldValue('rows', []),
    (d) => form.setFieldValue('rows', skuRowsOf(d, { deposit: '', deduct: '' })),
  );

  const fieldMapOf = (v: Values) =>
    itemsFieldMap(v.rows, { depositFen: 'deposit', deductFen: 'deduct', skuId: 'deposit' }, {
      depositStartsAt: 'depositRange',
      depositEndsAt: 'depositRange',
      balanceStartsAt: 'balanceRange',
      balanceEndsAt: 'balanceRange',
      items: 'productId',
    });

  const state = useCreateSubmit(form, {
    endpoint: '/presales',
    created: 'presale.created',
    openPath: (id) => `/presales/${id}`,
    prepare: (v) => {
      const chosen = v.rows.filter((r) => r.on);
      const body = {
        name: (v.name ?? '').trim(),
        productId: v.productId,
        depositStartsAt: v.depositRange?.[0]?.toISOString(),
        depositEndsAt: v.depositRange?.[1]?.toISOString(),
        balanceStartsAt: v.balanceRange?.[0]?.toISOString(),
        balanceEndsAt: v.balanceRange?.[1]?.toISOString(),
        depositRefundable: !!v.depositRefundable,
        perCustomerLimit: v.perCustomerLimit,
        items: chosen.map((r) => ({ skuId: r.skuId, depositFen: yuanToFen(r.deposit) ?? 0, deductFen: yuanToFen(r.deduct || r.deposit) ?? 0 })),
      };
      const fieldMap = fieldMapOf(v);
      if (chosen.length === 0) {
        form.setFields([{ name: 'productId', errors: [t('presale.pickSku')] }]);
        return null;
      }
      // The deposit must count for less than the price: the balance must be something.
      const dear = v.rows.findIndex((r) => r.on && (yuanToFen(r.deduct || r.deposit) ?? 0) >= r.priceFen);
      if (dear >= 0) {
        form.setFields([{ name: ['rows', dear, 'deduct'], errors: [t('presale.deductTooHigh')] }]);
        return null;
      }
      return { body, schema: PresaleBody, fieldMap };
    },
  });

  return (
    <CreateForm<Values>
      form={form}
      name="presale"
      labelWidth="140px"
      initialValues={{ name: '', rows: [], depositRefundable: false, perCustomerLimit: 1 }}
      state={state}
      cancelTo="/presales"
      createLabel={t('presale.create')}
    >
      <Card title={t('presale.section.basic')} variant="borderless" style={{ marginBottom: 16 }}>
        <NameItem label={t('presale.name')} rules={[zodRule(nameSchema, asText)]} placeholder={t('presale.namePlaceholder')} testId="presale-name" />
        <ProductItem label={t('presale.product')} message={t('presale.pickProduct')} testId="presale-product" />
        {product && (
          <SkuRowsItem
            product={product}
            rows={rows}
            label={t('presale.skus')}
            extra={t('presale.skusHint')}
            maxWidth={900}
            testPrefix="presale"
            keys={{ include: 'presale.include', includeSku: 'presale.includeSku', sku: 'presale.sku', price: 'presale.price', defaultSku: 'activity.ld.defaultSku' }}
            columns={[
              {
                title: t('presale.depositAmount'),
                key: 'deposit',
                width: 150,
                render: (_, f) => <RowMoneyInput rows={rows} row={f.name} field="deposit" label={t('presale.depositAmount')} testId="presale-deposit" />,
              },
              {
                title: t('presale.deductAmount'),
                key: 'deduct',
                width: 150,
                render: (_, f) => <RowMoneyInput rows={rows} row={f.name} field="deduct" label={t('presale.deductAmount')} required={false} placeholder={t('presale.deductPlaceholder')} testId="presale-deduct" />,
              },
              {
                title: t('presale.preview'),
                key: 'preview',
                width: 210,
                render: (_, f) => {
                  const r = rows[f.name];
                  const dep = r ? yuanToFen(r.deposit) : null;
                  const ded = r ? yuanToFen(r.deduct || r.deposit) : null;
                  if (!r?.on || dep === null || ded === null) return <span className="muted">-</span>;
                  return (
                    <div data-testid="presale-preview">
                      <div style={{ color: '#cf1322' }}>{deductText(dep, ded)}</div>
                      <div className="muted" style={{ fontSize: 12 }}>
                        {t('presale.balanceDue', { amount: formatFen(Math.max(0, r.priceFen - ded)) })}
                      </div>
                    </div>
                  );
                },
              },
            ]}
          />
        )}
      </Card>
      <Card title={t('presale.section.windows')} variant="borderless" style={{ marginBottom: 16 }}>
        <TimeRangeItem name="depositRange" label={t('presale.depositWindow')} extra={t('presale.depositWindowHint')} placeholder={[t('presale.depositStarts'), t('presale.depositEnds')]} testId="presale-deposit-range" />
        <TimeRangeItem name="balanceRange" label={t('presale.balanceWindow')} extra={t('presale.balanceWindowHint')} placeholder={[t('presale.balanceStarts'), t('presale.balanceEnds')]} testId="presale-balance-range" />
      </Card>
      <Card title={t('presale.section.rules')} variant="borderless" style={{ marginBottom: 16 }}>
        <Form.Item name="depositRefundable" label={t('presale.refundable')} valuePropName="checked" extra={t('presale.refundableHint')}>
          <Switch data-testid="presale-refundable" />
        </Form.Item>
        <CountItem name="perCustomerLimit" label={t('presale.limit')} max={100} suffix={t('presale.unitsSuffix')} testId="presale-limit" />
      </Card>
    </CreateForm>
  );
}
