import { Alert, Button, Card, Form, InputNumber, Select, Space, Switch } from 'antd';
import type { Dayjs } from 'dayjs';
import { GroupBuyBody } from '@siyu/contracts';
import { useI18n } from '../../lib/i18n';
import { yuanToFen } from '../../lib/money';
import {
  CountItem,
  CreateForm,
  itemsFieldMap,
  ModeRadioItem,
  NameItem,
  ProductItem,
  RowMoneyInput,
  SkuRowsItem,
  skuRowsOf,
  TimeRangeItem,
  useCreateSubmit,
  usePickedProduct,
  type SkuRowBase,
} from '../promotions/SalesForm';
import { fissionNameRules } from './shared';
import type { GroupBuyBody as Body, LeaderMode } from './types';
import '../promotions/promotions.css';

interface SkuRow extends SkuRowBase {
  groupPrice: string;
  leaderPrice: string;
  /** 阶梯团: the price of tiers 2…5 (tier 1 is groupPrice). */
  tier1?: string;
  tier2?: string;
  tier3?: string;
  tier4?: string;
}

const TIER_FIELDS = ['groupPrice', 'tier1', 'tier2', 'tier3', 'tier4'] as const;
const MAX_TIERS = 5;

interface Values {
  name: string;
  productId?: string;
  rows: SkuRow[];
  range?: [Dayjs, Dayjs];
  groupSize: number;
  duration: number;
  durationUnit: 'minutes' | 'hours';
  leaderMode: LeaderMode;
  newCustomerOnly: boolean;
  virtualOn: boolean;
  virtualThresholdPct?: number;
  perOrderLimit: number;
  perCustomerLimit: number;
  tieredOn: boolean;
  tierSizes: number[];
}

const MIN_MINUTES = 5;
const MAX_MINUTES = 10080;

/** New 拼团: a product, per SKU the group price (and the leader's), group size and time, who may join, limits. */
export default function GroupBuyEdit() {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const productId = Form.useWatch('productId', form);
  const rows = (Form.useWatch('rows', { form, preserve: true }) ?? []) as SkuRow[];
  const leaderMode = (Form.useWatch('leaderMode', form) ?? 'same') as LeaderMode;
  const virtualOn = !!Form.useWatch('virtualOn', form);
  const virtualPct = Form.useWatch('virtualThresholdPct', form) as number | undefined;
  const groupSize = (Form.useWatch('groupSize', form) ?? 2) as number;
  const tieredOn = !!Form.useWatch('tieredOn', form);
  const tierSizes = ((Form.useWatch('tierSizes', form) ?? []) as (number | null)[]).map((n) => n ?? 0);
  const product = usePickedProduct(
    productId,
    () => form.setFieldValue('rows', []),
    (d) => form.setFieldValue('rows', skuRowsOf(d, { groupPrice: '', leaderPrice: '', tier1: '', tier2: '', tier3: '', tier4: '' })),
  );

  const minutesOf = (v: Values) => Math.round((v.duration ?? 0) * (v.durationUnit === 'hours' ? 60 : 1));

  const state = useCreateSubmit(form, {
    endpoint: '/group-buys',
    created: 'fission.created',
    openPath: (id) => `/group-buys/${id}`,
    prepare: (v) => {
      const chosen = v.rows.filter((r) => r.on);
      if (chosen.length === 0) {
        form.setFields([{ name: 'productId', errors: [t('fission.pickSku')] }]);
        return null;
      }
      const minutes = minutesOf(v);
      if (minutes < MIN_MINUTES || minutes > MAX_MINUTES) {
        form.setFields([{ name: 'duration', errors: [t('fission.gb.durationRange')] }]);
        return null;
      }
      const tiers = v.tieredOn ? v.tierSizes : null;
      if (tiers) {
        // 阶梯团: sizes rise from 2; the largest tier is the group's size.
        const bad = tiers.findIndex((n, k) => !n || n < 2 || n > 50 || (k > 0 && n <= tiers[k - 1]));
        if (bad >= 0) {
          form.setFields([{ name: ['tierSizes', bad], errors: [t('fission.gb.tierSizeRange')] }]);
          return null;
        }
      }
      // The group price must be a real discount on the SKU; a leader's price a further one; each tier cheaper than the last.
      for (let i = 0; i < v.rows.length; i++) {
        const r = v.rows[i];
        if (!r.on) continue;
        const g = yuanToFen(r.groupPrice) ?? 0;
        if (g <= 0 || g >= r.priceFen) {
          form.setFields([{ name: ['rows', i, 'groupPrice'], errors: [t('fission.gb.groupPriceRange')] }]);
          return null;
        }
        for (let k = 1; tiers && k < tiers.length; k++) {
          const fen = yuanToFen(r[TIER_FIELDS[k]] ?? '');
          const before = yuanToFen(r[TIER_FIELDS[k - 1]] ?? '') ?? 0;
          if (fen === null || fen >= before) {
            form.setFields([{ name: ['rows', i, TIER_FIELDS[k]], errors: [t('fission.gb.tierPriceRange')] }]);
            return null;
          }
        }
        if (v.leaderMode === 'discount') {
          const l = yuanToFen(r.leaderPrice);
          if (l === null || l >= g) {
            form.setFields([{ name: ['rows', i, 'leaderPrice'], errors: [t('fission.gb.leaderPriceRange')] }]);
            return null;
          }
        }
      }
      const body: Body = {
        name: (v.name ?? '').trim(),
        productId: v.productId!,
        startsAt: v.range![0].toISOString(),
        endsAt: v.range![1].toISOString(),
        groupSize: tiers ? tiers[tiers.length - 1] : v.groupSize,
        durationMinutes: minutes,
        leaderMode: tiers ? 'same' : v.leaderMode,
        newCustomerOnly: !!v.newCustomerOnly,
        ...(!tiers && v.virtualOn && v.virtualThresholdPct ? { virtualThresholdPct: v.virtualThresholdPct } : {}),
        ...(tiers ? { tierSizes: tiers } : {}),
        perOrderLimit: v.perOrderLimit,
        perCustomerLimit: v.perCustomerLimit,
        items: chosen.map((r) => ({
          skuId: r.skuId,
          groupPriceFen: yuanToFen(r.groupPrice) ?? 0,
          ...(!tiers && v.leaderMode === 'discount' ? { leaderPriceFen: yuanToFen(r.leaderPrice) ?? 0 } : {}),
          ...(tiers ? { tierPricesFen: tiers.map((_, k) => yuanToFen(r[TIER_FIELDS[k]] ?? '') ?? 0) } : {}),
        })),
      };
      const tierFields = Object.fromEntries(TIER_FIELDS.map((f, k) => [`tierPricesFen.${k}`, f]));
      const fieldMap = itemsFieldMap(
        v.rows,
        { groupPriceFen: 'groupPrice', leaderPriceFen: 'leaderPrice', skuId: 'groupPrice', tierPricesFen: 'groupPrice', ...tierFields },
        {
          startsAt: 'range', endsAt: 'range', virtualThresholdPct: 'virtualThresholdPct', durationMinutes: 'duration', items: 'productId', groupSize: 'tierSizes', tierSizes: 'tierSizes',
          ...Object.fromEntries(Array.from({ length: MAX_TIERS }, (_, k) => [`tierSizes.${k}`, `tierSizes.${k}`])),
        },
      );
      return { body, schema: GroupBuyBody, fieldMap };
    },
  });

  const leaderCell = (r: SkuRow | undefined) => {
    if (!r?.on) return <span className="muted">-</span>;
    if (leaderMode === 'free') return <span style={{ color: '#cf1322' }}>{t('fission.gb.leaderFreeCell')}</span>;
    return <span className="muted">{t('fission.gb.leaderSameCell')}</span>;
  };

  return (
    <CreateForm<Values>
      form={form}
      name="groupbuy"
      labelWidth="150px"
      initialValues={{ name: '', rows: [], groupSize: 2, duration: 24, durationUnit: 'hours', leaderMode: 'same', newCustomerOnly: false, virtualOn: false, virtualThresholdPct: 80, perOrderLimit: 1, perCustomerLimit: 1, tieredOn: false, tierSizes: [2, 3, 5] }}
      state={state}
      cancelTo="/group-buys"
      createLabel={t('fission.gb.create')}
    >
      <Card title={t('fission.section.basic')} variant="borderless" style={{ marginBottom: 16 }}>
        <NameItem label={t('fission.name')} rules={fissionNameRules(t)} placeholder={t('fission.gb.namePlaceholder')} testId="groupbuy-name" />
        <TimeRangeItem name="range" label={t('fission.window')} extra={t('fission.gb.windowHint')} placeholder={[t('fission.startsAt'), t('fission.endsAt')]} testId="groupbuy-range" />
        <ProductItem label={t('fission.product')} message={t('fission.pickProduct')} testId="groupbuy-product" />
        {product && (
          <SkuRowsItem
            product={product}
            rows={rows}
            label={t('fission.skus')}
            extra={t(tieredOn ? 'fission.gb.tierSkusHint' : 'fission.gb.skusHint')}
            maxWidth={860}
            testPrefix="groupbuy"
            keys={{ include: 'fission.include', includeSku: 'fission.includeSku', sku: 'fission.sku', price: 'fission.price', defaultSku: 'fission.defaultSku' }}
            columns={tieredOn ? tierSizes.map((n, k) => ({
              title: t('fission.gb.tierPrice', { n: n || '?' }),
              key: TIER_FIELDS[k],
              width: 140,
              render: (_: unknown, f: { name: number }) => <RowMoneyInput rows={rows} row={f.name} field={TIER_FIELDS[k]} label={t('fission.gb.tierPrice', { n: n || '?' })} testId={`groupbuy-tier-price-${k}`} />,
            })) : [
              {
                title: t('fission.gb.groupPrice'),
                key: 'groupPrice',
                width: 160,
                render: (_, f) => <RowMoneyInput rows={rows} row={f.name} field="groupPrice" label={t('fission.gb.groupPrice')} testId="groupbuy-group-price" />,
              },
              {
                title: t('fission.gb.leaderPrice'),
                key: 'leaderPrice',
                width: 160,
                render: (_, f) =>
                  leaderMode === 'discount' ? <RowMoneyInput rows={rows} row={f.name} field="leaderPrice" label={t('fission.gb.leaderPrice')} testId="groupbuy-leader-price" /> : leaderCell(rows[f.name]),
              },
            ]}
          />
        )}
      </Card>
      <Card title={t('fission.gb.section.rules')} variant="borderless" style={{ marginBottom: 16 }}>
        <Form.Item name="tieredOn" label={t('fission.gb.tiered')} valuePropName="checked" extra={t('fission.gb.tieredHint')}>
          <Switch data-testid="groupbuy-tiered" />
        </Form.Item>
        {tieredOn ? (
          <Form.Item label={t('fission.gb.tierSizes')} required extra={t('fission.gb.tierSizesHint')}>
            <Form.List name="tierSizes">
              {(fields, { add, remove }) => (
                <Space wrap data-testid="groupbuy-tier-sizes">
                  {fields.map((f, k) => (
                    <Space.Compact key={f.key}>
                      <Form.Item name={f.name} noStyle rules={[{ required: true, message: t('common.required') }]}>
                        <InputNumber min={2} max={50} precision={0} suffix={t('fission.unit.people')} aria-label={t('fission.gb.tierN', { n: k + 1 })} data-testid={`groupbuy-tier-size-${k}`} style={{ width: 110 }} />
                      </Form.Item>
                      {fields.length > 2 && <Button onClick={() => remove(f.name)} aria-label={t('fission.gb.tierRemove', { n: k + 1 })}>×</Button>}
                    </Space.Compact>
                  ))}
                  {fields.length < MAX_TIERS && (
                    <Button type="dashed" onClick={() => add(Math.min(50, (tierSizes[tierSizes.length - 1] ?? 2) + 1))} data-testid="groupbuy-tier-add">
                      {t('fission.gb.tierAdd')}
                    </Button>
                  )}
                </Space>
              )}
            </Form.List>
          </Form.Item>
        ) : (
          <CountItem name="groupSize" label={t('fission.gb.groupSize')} extra={t('fission.gb.groupSizeHint')} min={2} max={50} suffix={t('fission.unit.people')} testId="groupbuy-size" />
        )}
        <Form.Item label={t('fission.gb.duration')} required extra={t('fission.gb.durationHint')}>
          <Space.Compact>
            <Form.Item name="duration" noStyle rules={[{ required: true, message: t('common.required') }]}>
              <InputNumber min={1} max={10080} precision={0} aria-label={t('fission.gb.duration')} data-testid="groupbuy-duration" />
            </Form.Item>
            <Form.Item name="durationUnit" noStyle>
              <Select
                style={{ width: 90 }}
                aria-label={t('fission.gb.durationUnit')}
                options={[
                  { value: 'hours', label: t('fission.unit.hour') },
                  { value: 'minutes', label: t('fission.unit.minute') },
                ]}
              />
            </Form.Item>
          </Space.Compact>
        </Form.Item>
        {!tieredOn && <ModeRadioItem
          name="leaderMode"
          label={t('fission.gb.leaderMode')}
          modes={['same', 'discount', 'free'] as const}
          text={(m) => t(`fission.gb.leader.${m}`)}
          hint={(m) => t(`fission.gb.leaderHint.${m}`)}
          testId="groupbuy-leader-mode"
        />}
        <Form.Item name="newCustomerOnly" label={t('fission.gb.newOnly')} valuePropName="checked" extra={t('fission.gb.newOnlyHint')}>
          <Switch data-testid="groupbuy-new-only" />
        </Form.Item>
        {!tieredOn && (
          <Form.Item name="virtualOn" label={t('fission.gb.virtual')} valuePropName="checked" extra={t('fission.gb.virtualHint')}>
            <Switch data-testid="groupbuy-virtual" />
          </Form.Item>
        )}
        {!tieredOn && virtualOn && (
          <>
            <CountItem name="virtualThresholdPct" label={t('fission.gb.virtualPct')} max={100} suffix="%" testId="groupbuy-virtual-pct" />
            <Form.Item label=" " colon={false}>
              <Alert
                type="warning"
                showIcon
                style={{ maxWidth: 640 }}
                title={t('fission.gb.virtualWarnTitle')}
                description={t('fission.gb.virtualWarn', { pct: virtualPct ?? '-', n: Math.max(1, Math.ceil(((virtualPct ?? 100) / 100) * groupSize)), size: groupSize })}
                data-testid="groupbuy-virtual-warning"
              />
            </Form.Item>
          </>
        )}
        <CountItem name="perOrderLimit" label={t('fission.gb.perOrder')} max={100} suffix={t('fission.unit.pieces')} testId="groupbuy-per-order" />
        <CountItem name="perCustomerLimit" label={t('fission.gb.perCustomer')} extra={t('fission.gb.perCustomerHint')} max={100} suffix={t('fission.unit.pieces')} testId="groupbuy-per-customer" />
      </Card>
    </CreateForm>
  );
}
