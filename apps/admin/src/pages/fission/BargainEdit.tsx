import { Card, Form, Input, InputNumber, Select, Space } from 'antd';
import type { Dayjs } from 'dayjs';
import { BargainBody as BargainSchema } from '@siyu/contracts';
import { moneyRule } from '../../lib/form';
import { useI18n } from '../../lib/i18n';
import { fenToYuan, formatFen, yuanToFen } from '../../lib/money';
import { CountItem, CreateForm, ModeRadioItem, NameItem, ProductItem, TimeRangeItem, useCreateSubmit, usePickedProduct } from '../promotions/SalesForm';
import { maxHelpers } from './helpers';
import { fissionNameRules } from './shared';
import type { BargainBody, BargainBuyMode } from './types';
import '../promotions/promotions.css';

interface Values {
  name: string;
  productId?: string;
  skuId?: string;
  range?: [Dayjs, Dayjs];
  startPrice: string;
  floorPrice: string;
  helpersNeeded: number;
  launchHours: number;
  buyMode: BargainBuyMode;
  helpsPerHelperPerDay: number;
  launchesPerCustomer: number;
  stock: number;
  firstCutMin: number;
  firstCutMax: number;
}

/** New 砍价: one SKU, its start and floor price, how many friends it takes, how long, and the anti-abuse caps. */
export default function BargainEdit() {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const productId = Form.useWatch('productId', form);
  const skuId = Form.useWatch('skuId', form) as string | undefined;
  const startFen = yuanToFen(Form.useWatch('startPrice', form) as string | undefined);
  const floorFen = yuanToFen(Form.useWatch('floorPrice', form) as string | undefined);
  const helpers = Form.useWatch('helpersNeeded', form) as number | undefined;
  const product = usePickedProduct(
    productId,
    () => form.setFieldsValue({ skuId: undefined }),
    (d) => {
      const first = d?.skus[0];
      form.setFieldsValue({ skuId: first?.id, startPrice: first ? fenToYuan(first.price) : '' });
    },
  );
  const sku = product?.skus.find((s) => s.id === skuId);
  const cap = maxHelpers(startFen, floorFen);

  const state = useCreateSubmit(form, {
    endpoint: '/bargains',
    created: 'fission.created',
    openPath: (id) => `/bargains/${id}`,
    prepare: (v) => {
      const start = yuanToFen(v.startPrice) ?? 0;
      const floor = yuanToFen(v.floorPrice) ?? 0;
      const body: BargainBody = {
        name: v.name.trim(),
        productId: v.productId!,
        skuId: v.skuId!,
        startsAt: v.range![0].toISOString(),
        endsAt: v.range![1].toISOString(),
        startPriceFen: start,
        floorPriceFen: floor,
        helpersNeeded: v.helpersNeeded,
        launchHours: v.launchHours,
        buyMode: v.buyMode,
        helpsPerHelperPerDay: v.helpsPerHelperPerDay,
        launchesPerCustomer: v.launchesPerCustomer,
        stock: v.stock,
        firstCutPct: [v.firstCutMin, v.firstCutMax],
      };
      const fieldMap: Record<string, string> = {
        startsAt: 'range',
        endsAt: 'range',
        startPriceFen: 'startPrice',
        floorPriceFen: 'floorPrice',
        firstCutPct: 'firstCutMin',
        'firstCutPct.0': 'firstCutMin',
        'firstCutPct.1': 'firstCutMax',
      };
      return { body, schema: BargainSchema, fieldMap };
    },
  });

  return (
    <CreateForm<Values>
      form={form}
      name="bargain"
      labelWidth="150px"
      initialValues={{ name: '', startPrice: '', floorPrice: '', helpersNeeded: 5, launchHours: 24, buyMode: 'current_price', helpsPerHelperPerDay: 3, launchesPerCustomer: 1, stock: 100, firstCutMin: 30, firstCutMax: 50 }}
      state={state}
      cancelTo="/bargains"
      createLabel={t('fission.bg.create')}
    >
      <Card title={t('fission.section.basic')} variant="borderless" style={{ marginBottom: 16 }}>
        <NameItem label={t('fission.name')} rules={fissionNameRules(t)} placeholder={t('fission.bg.namePlaceholder')} testId="bargain-name" />
        <TimeRangeItem name="range" label={t('fission.window')} placeholder={[t('fission.startsAt'), t('fission.endsAt')]} testId="bargain-range" />
        <ProductItem label={t('fission.product')} message={t('fission.pickProduct')} testId="bargain-product" />
        {product && (
          <Form.Item name="skuId" label={t('fission.sku')} required rules={[{ required: true, message: t('fission.pickSku') }]}>
            <Select
              style={{ maxWidth: 420 }}
              data-testid="bargain-sku"
              aria-label={t('fission.sku')}
              onChange={(id: string) => {
                const s = product.skus.find((x) => x.id === id);
                if (s) form.setFieldValue('startPrice', fenToYuan(s.price));
              }}
              options={product.skus.map((s) => ({ value: s.id, label: `${s.specText || t('fission.defaultSku')} · ${formatFen(s.price)} · ${t('fission.bg.skuStock', { n: s.stock.available })}` }))}
            />
          </Form.Item>
        )}
      </Card>
      <Card title={t('fission.bg.section.price')} variant="borderless" style={{ marginBottom: 16 }}>
        <Form.Item
          name="startPrice"
          label={t('fission.bg.startPrice')}
          required
          extra={sku ? t('fission.bg.startPriceHint', { price: formatFen(sku.price) }) : undefined}
          rules={[
            moneyRule(true),
            {
              validator: async (_r, v) => {
                const f = yuanToFen(v as string);
                if (f !== null && sku && f > sku.price) throw new Error(t('fission.bg.startAbovePrice'));
              },
            },
          ]}
        >
          <Input prefix="¥" style={{ width: 180 }} data-testid="bargain-start" />
        </Form.Item>
        <Form.Item
          name="floorPrice"
          label={t('fission.bg.floorPrice')}
          required
          dependencies={['startPrice']}
          extra={t('fission.bg.floorHint')}
          rules={[
            moneyRule(true),
            {
              validator: async (_r, v) => {
                const f = yuanToFen(v as string);
                const s = yuanToFen(form.getFieldValue('startPrice') as string);
                if (f !== null && s !== null && f >= s) throw new Error(t('fission.bg.floorBelowStart'));
              },
            },
          ]}
        >
          <Input prefix="¥" style={{ width: 180 }} data-testid="bargain-floor" />
        </Form.Item>
        <Form.Item
          name="helpersNeeded"
          label={t('fission.bg.helpersNeeded')}
          required
          dependencies={['startPrice', 'floorPrice']}
          extra={cap !== null ? t('fission.bg.helpersCap', { max: cap, gap: formatFen(cap) }) : t('fission.bg.helpersHint')}
          rules={[
            { required: true, message: t('common.required') },
            {
              validator: async (_r, v) => {
                const s = yuanToFen(form.getFieldValue('startPrice') as string);
                const f = yuanToFen(form.getFieldValue('floorPrice') as string);
                const max = maxHelpers(s, f);
                if (typeof v === 'number' && max !== null && v > max) throw new Error(t('fission.bg.helpersTooMany', { n: v, gap: formatFen(max), max }));
              },
            },
          ]}
        >
          <InputNumber min={1} max={1000} precision={0} suffix={t('fission.unit.people')} data-testid="bargain-helpers" />
        </Form.Item>
        {cap !== null && helpers !== undefined && helpers > 0 && helpers <= cap && (
          <Form.Item label=" " colon={false}>
            <span className="muted" data-testid="bargain-avg-cut">
              {t('fission.bg.avgCut', { avg: formatFen(Math.floor(cap / helpers)) })}
            </span>
          </Form.Item>
        )}
        <Form.Item label={t('fission.bg.firstCut')} required extra={t('fission.bg.firstCutHint')}>
          <Space>
            <Form.Item name="firstCutMin" noStyle rules={[{ required: true, message: t('common.required') }]}>
              <InputNumber min={1} max={90} precision={0} suffix="%" aria-label={t('fission.bg.firstCutMin')} data-testid="bargain-first-min" />
            </Form.Item>
            <span>~</span>
            <Form.Item
              name="firstCutMax"
              noStyle
              dependencies={['firstCutMin']}
              rules={[
                { required: true, message: t('common.required') },
                {
                  validator: async (_r, v) => {
                    const min = form.getFieldValue('firstCutMin') as number | undefined;
                    if (typeof v === 'number' && typeof min === 'number' && v < min) throw new Error(t('fission.bg.firstCutOrder'));
                  },
                },
              ]}
            >
              <InputNumber min={1} max={90} precision={0} suffix="%" aria-label={t('fission.bg.firstCutMax')} data-testid="bargain-first-max" />
            </Form.Item>
          </Space>
        </Form.Item>
        <ModeRadioItem
          name="buyMode"
          label={t('fission.bg.buyModeLabel')}
          modes={['current_price', 'floor_only'] as const}
          text={(m) => t(`fission.bg.buyMode.${m}`)}
          hint={(m) => t(`fission.bg.buyModeHint.${m}`)}
          testId="bargain-buy-mode"
        />
      </Card>
      <Card title={t('fission.bg.section.limits')} variant="borderless" style={{ marginBottom: 16 }}>
        <CountItem name="launchHours" label={t('fission.bg.launchHours')} extra={t('fission.bg.launchHoursHint')} max={720} suffix={t('fission.unit.hour')} testId="bargain-hours" />
        <CountItem name="helpsPerHelperPerDay" label={t('fission.bg.helpsPerDay')} extra={t('fission.bg.helpsPerDayHint')} max={100} suffix={t('fission.unit.times')} testId="bargain-helps-per-day" />
        <CountItem name="launchesPerCustomer" label={t('fission.bg.launchesPerCustomer')} max={100} suffix={t('fission.unit.times')} testId="bargain-launches" />
        <CountItem
          name="stock"
          label={t('fission.bg.stock')}
          extra={sku ? t('fission.bg.stockHint', { n: sku.stock.available }) : t('fission.bg.stockHintNoSku')}
          max={1000000}
          suffix={t('fission.unit.pieces')}
          testId="bargain-stock"
        />
      </Card>
    </CreateForm>
  );
}
