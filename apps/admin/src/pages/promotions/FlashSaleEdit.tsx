import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { Alert, Button, Card, DatePicker, Form, Input, InputNumber, Popconfirm, Select, Skeleton, Space, Table, Tag } from 'antd';
import { DeleteOutlined, PlusOutlined, ThunderboltOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { FlashSaleInput } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, moneyRule, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { useAuth } from '../../lib/auth';
import { fenToYuan, formatFen, yuanToFen } from '../../lib/money';
import { LoadError } from '../../components/Results';
import { loadProductDetail, ProductPickerModal } from './ProductPicker';
import { flashAction, FlashStatusTag, SessionTag } from './FlashSaleList';
import type { FlashSaleDetail } from './salesTypes';
import './promotions.css';

interface ItemRow {
  skuId: string;
  productId: string;
  title: string;
  specText: string;
  originalPriceFen: number;
  sale: string;
  stock?: number;
}

interface Values {
  name: string;
  perCustomerLimit: number;
  ipRatePerSecond: number;
  customerRatePerSecond: number;
  items: ItemRow[];
  sessions: { range?: [Dayjs, Dayjs] }[];
  genDays?: [Dayjs, Dayjs];
  genSlots: string[];
  genMinutes: number;
}

const nameSchema = FlashSaleInput.shape.name;
const SLOT = /^([01]?\d|2[0-3]):([0-5]\d)$/;
const EMPTY: Values = { name: '', perCustomerLimit: 1, ipRatePerSecond: 20, customerRatePerSecond: 3, items: [], sessions: [], genSlots: ['10:00', '14:00', '20:00'], genMinutes: 60 };

function toForm(d: FlashSaleDetail): Values {
  // The form sells the same SKUs in every session; a sale made through the API may differ per session.
  const items = new Map<string, ItemRow>();
  for (const s of d.sessions)
    for (const i of s.items)
      if (!items.has(i.skuId)) items.set(i.skuId, { skuId: i.skuId, productId: i.productId, title: i.title, specText: i.specText, originalPriceFen: i.originalPriceFen, sale: fenToYuan(i.priceFen), stock: i.stock });
  return {
    ...EMPTY,
    name: d.name,
    perCustomerLimit: d.perCustomerLimit,
    ipRatePerSecond: d.ipRatePerSecond,
    customerRatePerSecond: d.customerRatePerSecond,
    items: [...items.values()],
    sessions: d.sessions.map((s) => ({ range: [dayjs(s.startsAt), dayjs(s.endsAt)] })),
  };
}

/** 秒杀 create / edit (drafts), and for any sale its sessions with sold and remaining, publish and end. */
export default function FlashSaleEdit() {
  const { id } = useParams();
  const isNew = !id;
  const { t } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const detail = useApi<FlashSaleDetail>(isNew ? null : `/flash-sales/${id}`);
  const d = detail.data;
  const [saving, setSaving] = useState(false);
  const [busy, setBusy] = useState(false);
  const [picking, setPicking] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const [ready, setReady] = useState(isNew);
  const writable = can('promotions:write');
  const readOnly = !writable || (!!d && d.status !== 'draft');
  const items = (Form.useWatch('items', { form, preserve: true }) ?? []) as ItemRow[];
  const differs = !!d && new Set(d.sessions.map((s) => s.items.map((i) => `${i.skuId}:${i.priceFen}:${i.stock}`).join(','))).size > 1;

  useEffect(() => {
    if (!d) return;
    form.setFieldsValue(toForm(d));
    setReady(true);
  }, [d, form]);

  const addProducts = async (ids: string[]) => {
    setPicking(false);
    const have = new Set((form.getFieldValue('items') as ItemRow[]).map((i) => i.skuId));
    const loaded = await Promise.all(ids.map((pid) => loadProductDetail(pid)));
    const rows: ItemRow[] = [];
    for (const p of loaded) {
      if (!p) continue;
      for (const s of p.skus) if (!have.has(s.id)) rows.push({ skuId: s.id, productId: p.id, title: p.title, specText: s.specText, originalPriceFen: s.price, sale: '', stock: undefined });
    }
    form.setFieldValue('items', [...(form.getFieldValue('items') as ItemRow[]), ...rows]);
    form.setFields([{ name: 'items', errors: [] }]);
  };

  const generate = () => {
    const v = form.getFieldsValue(true) as Values;
    const slots = (v.genSlots ?? []).map((s) => SLOT.exec(s.trim())).filter((m): m is RegExpExecArray => !!m);
    if (!v.genDays || slots.length === 0 || !v.genMinutes) {
      form.setFields([{ name: 'genDays', errors: [t('flash.gen.missing')] }]);
      return;
    }
    const out: [Dayjs, Dayjs][] = (v.sessions ?? []).filter((s) => s.range).map((s) => s.range!);
    for (let day = v.genDays[0].startOf('day'); !day.isAfter(v.genDays[1], 'day'); day = day.add(1, 'day')) {
      for (const m of slots) {
        const start = day.hour(Number(m[1])).minute(Number(m[2])).second(0).millisecond(0);
        if (!out.some(([a]) => a.isSame(start))) out.push([start, start.add(v.genMinutes, 'minute')]);
      }
    }
    out.sort((a, b) => a[0].valueOf() - b[0].valueOf());
    form.setFieldValue('sessions', out.map((range) => ({ range })));
    form.setFields([{ name: 'genDays', errors: [] }, { name: 'sessions', errors: [] }]);
  };

  const submit = async () => {
    setFormError(null);
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const v = form.getFieldsValue(true) as Values;
    const body = {
      name: (v.name ?? '').trim(),
      perCustomerLimit: v.perCustomerLimit,
      ipRatePerSecond: v.ipRatePerSecond,
      customerRatePerSecond: v.customerRatePerSecond,
      sessions: (v.sessions ?? []).map((s) => ({
        startsAt: s.range?.[0]?.toISOString(),
        endsAt: s.range?.[1]?.toISOString(),
        items: v.items.map((i) => ({ skuId: i.skuId, priceFen: yuanToFen(i.sale) ?? 0, stock: i.stock })),
      })),
    };
    const fieldMap: Record<string, string> = { sessions: 'sessions' };
    body.sessions.forEach((_, n) => {
      fieldMap[`sessions.${n}.startsAt`] = `sessions.${n}.range`;
      fieldMap[`sessions.${n}.endsAt`] = `sessions.${n}.range`;
      fieldMap[`sessions.${n}.items`] = 'items';
      v.items.forEach((_i, m) => {
        fieldMap[`sessions.${n}.items.${m}.priceFen`] = `items.${m}.sale`;
        fieldMap[`sessions.${n}.items.${m}.stock`] = `items.${m}.stock`;
        fieldMap[`sessions.${n}.items.${m}.skuId`] = `items.${m}.sale`;
      });
    });
    if (v.items.length === 0) return void form.setFields([{ name: 'items', errors: [t('flash.items.empty')] }]);
    if (body.sessions.length === 0) return void form.setFields([{ name: 'sessions', errors: [t('flash.sessions.empty')] }]);
    const dear = v.items.findIndex((i) => (yuanToFen(i.sale) ?? 0) > i.originalPriceFen);
    if (dear >= 0) return void form.setFields([{ name: ['items', dear, 'sale'], errors: [t('flash.items.tooHigh')] }]);
    if (!validateBody(form, FlashSaleInput, body, fieldMap)) return;
    setSaving(true);
    try {
      const saved = isNew ? await api.post<FlashSaleDetail>('/flash-sales', body) : await api.put<FlashSaleDetail>(`/flash-sales/${id}`, body);
      feedback.message.success(isNew ? t('flash.created') : t('common.saved'));
      if (isNew) navigate(`/flash-sales/${saved.id}`, { replace: true });
      else detail.setData(saved);
    } catch (err) {
      const onField = applyApiError(form, err, fieldMap);
      setFormError((err as Error).message);
      if (!onField) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const act = async (action: 'publish' | 'end' | 'delete') => {
    if (!d) return;
    setBusy(true);
    const ok = await flashAction(d.id, action, t);
    setBusy(false);
    if (!ok) return;
    if (action === 'delete') navigate('/flash-sales', { replace: true });
    else detail.reload();
  };

  if (detail.error) return <LoadError error={detail.error} onRetry={detail.reload} />;
  if (!ready) return <div className="page-card"><Skeleton active /></div>;

  return (
    <div>
      {d && (
        <div className="page-card" data-testid="flash-header">
          <div className="promo-head">
            <div>
              <Space size={8} wrap>
                <h1>{d.name}</h1>
                <FlashStatusTag status={d.status} />
              </Space>
              <div className="promo-meta">
                <span>{t('flash.limitText', { n: d.perCustomerLimit })}</span>
                <span>{t('flash.sessionCount', { n: d.sessions.length })}</span>
              </div>
            </div>
            <span className="spacer" />
            <Space wrap>
              {d.status !== 'draft' && (
                <Button type="primary" icon={<ThunderboltOutlined />} onClick={() => navigate(`/flash-sales/${d.id}/live`)} data-testid="flash-live">
                  {t('flash.live')}
                </Button>
              )}
              {writable && d.status === 'draft' && (
                <Popconfirm title={t('flash.publishConfirm')} onConfirm={() => act('publish')} okText={t('flash.publish')} cancelText={t('common.cancel')}>
                  <Button type="primary" loading={busy} data-testid="flash-publish">
                    {t('flash.publish')}
                  </Button>
                </Popconfirm>
              )}
              {writable && d.status === 'draft' && (
                <Popconfirm title={t('common.deleteConfirm')} onConfirm={() => act('delete')} okText={t('common.delete')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
                  <Button danger data-testid="flash-delete">{t('common.delete')}</Button>
                </Popconfirm>
              )}
              {writable && d.status === 'published' && (
                <Popconfirm title={t('flash.endConfirm')} onConfirm={() => act('end')} okText={t('promo.action.end')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
                  <Button danger loading={busy} data-testid="flash-end">
                    {t('promo.action.end')}
                  </Button>
                </Popconfirm>
              )}
            </Space>
          </div>
        </div>
      )}

      {d && d.status !== 'draft' ? (
        <div className="page-card" data-testid="flash-sessions-view">
          <h2 className="page-title" style={{ fontSize: 16 }}>
            {t('flash.sessions')}
          </h2>
          {d.sessions.map((s) => (
            <div key={s.id} style={{ marginBottom: 16 }}>
              <SessionTag s={s} t={t} />
              <Table
                size="small"
                rowKey="id"
                pagination={false}
                dataSource={s.items}
                style={{ marginTop: 6 }}
                columns={[
                  { title: t('flash.items.product'), key: 'p', render: (_, i) => <span>{i.title} <span className="muted">{i.specText}</span></span> },
                  { title: t('flash.items.original'), dataIndex: 'originalPriceFen', width: 100, render: (v: number) => formatFen(v) },
                  { title: t('flash.items.price'), dataIndex: 'priceFen', width: 100, render: (v: number) => <span style={{ color: '#cf1322' }}>{formatFen(v)}</span> },
                  { title: t('flash.items.stock'), dataIndex: 'stock', width: 90 },
                  { title: t('flash.live.sold'), dataIndex: 'sold', width: 90 },
                  { title: t('flash.live.remaining'), key: 'rem', width: 110, render: (_, i) => (i.soldOut ? <Tag color="red">{t('flash.soldOut')}</Tag> : i.remaining) },
                ]}
              />
            </div>
          ))}
        </div>
      ) : (
        <Form<Values>
          form={form}
          layout="horizontal"
          labelCol={{ flex: '140px' }}
          initialValues={EMPTY}
          disabled={readOnly}
          name="flashSale"
          className="promo-form"
          data-testid="flash-form"
          onValuesChange={() => formError && setFormError(null)}
        >
          {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 12 }} data-testid="flash-form-error" />}
          <Card title={t('flash.section.basic')} variant="borderless" style={{ marginBottom: 16 }}>
            <Form.Item name="name" label={t('flash.name')} required rules={[zodRule(nameSchema, asText)]}>
              <Input maxLength={40} showCount style={{ maxWidth: 420 }} placeholder={t('flash.namePlaceholder')} data-testid="flash-name" />
            </Form.Item>
            <Form.Item name="perCustomerLimit" label={t('flash.limit')} required rules={[{ required: true, message: t('common.required') }]} extra={t('flash.limitHint')}>
              <InputNumber min={1} max={100} precision={0} suffix={t('presale.unitsSuffix')} data-testid="flash-limit" />
            </Form.Item>
            <Form.Item label={t('flash.rate')} extra={t('flash.rateHint')}>
              <Space wrap>
                <Form.Item name="ipRatePerSecond" noStyle>
                  <InputNumber min={1} max={1_000_000} precision={0} prefix={t('flash.rateIp')} suffix={t('flash.perSecond')} aria-label={t('flash.rateIp')} style={{ width: 200 }} />
                </Form.Item>
                <Form.Item name="customerRatePerSecond" noStyle>
                  <InputNumber min={1} max={100} precision={0} prefix={t('flash.rateCustomer')} suffix={t('flash.perSecond')} aria-label={t('flash.rateCustomer')} style={{ width: 200 }} />
                </Form.Item>
              </Space>
            </Form.Item>
          </Card>

          <Card title={t('flash.section.items')} variant="borderless" style={{ marginBottom: 16 }}>
            <Form.List name="items" rules={[{ validator: async (_r, v: ItemRow[] | undefined) => { if (!v?.length) throw new Error(t('flash.items.empty')); } }]}>
              {(fields, { remove }, { errors }) => (
                <>
                  <div className="toolbar" style={{ marginBottom: 8 }}>
                    <Button icon={<PlusOutlined />} onClick={() => setPicking(true)} data-testid="flash-pick-products">
                      {t('flash.items.add')}
                    </Button>
                    <span className="muted">{t('flash.items.hint')}</span>
                  </div>
                  <Table<{ key: number; name: number }>
                    size="small"
                    bordered
                    pagination={false}
                    rowKey="key"
                    dataSource={fields.map((f) => ({ key: f.key, name: f.name }))}
                    data-testid="flash-items"
                    locale={{ emptyText: <span className="muted">{t('flash.items.empty')}</span> }}
                    columns={[
                      {
                        title: t('flash.items.product'),
                        key: 'p',
                        render: (_, f) => (
                          <div>
                            <div>{items[f.name]?.title}</div>
                            <div className="muted" style={{ fontSize: 12 }}>{items[f.name]?.specText || t('activity.ld.defaultSku')}</div>
                          </div>
                        ),
                      },
                      { title: t('flash.items.original'), key: 'o', width: 100, render: (_, f) => (items[f.name] ? formatFen(items[f.name].originalPriceFen) : '') },
                      {
                        title: t('flash.items.price'),
                        key: 'sale',
                        width: 150,
                        render: (_, f) => (
                          <Form.Item name={[f.name, 'sale']} rules={[moneyRule(true)]} style={{ margin: 0 }}>
                            <Input prefix="¥" aria-label={`${t('flash.items.price')} ${items[f.name]?.title ?? ''} ${items[f.name]?.specText ?? ''}`} data-testid="flash-item-price" />
                          </Form.Item>
                        ),
                      },
                      {
                        title: t('flash.items.stockPerSession'),
                        key: 'stock',
                        width: 150,
                        render: (_, f) => (
                          <Form.Item name={[f.name, 'stock']} rules={[{ required: true, message: t('common.required') }]} style={{ margin: 0 }}>
                            <InputNumber min={1} max={10_000_000} precision={0} aria-label={`${t('flash.items.stockPerSession')} ${items[f.name]?.title ?? ''} ${items[f.name]?.specText ?? ''}`} data-testid="flash-item-stock" />
                          </Form.Item>
                        ),
                      },
                      {
                        title: t('common.actions'),
                        key: 'a',
                        width: 70,
                        render: (_, f) => (
                          <Button type="text" danger size="small" icon={<DeleteOutlined />} aria-label={`${t('common.delete')} ${items[f.name]?.title ?? ''} ${items[f.name]?.specText ?? ''}`} onClick={() => remove(f.name)} />
                        ),
                      },
                    ]}
                  />
                  <Form.ErrorList errors={errors} />
                </>
              )}
            </Form.List>
          </Card>

          <Card title={t('flash.section.sessions')} variant="borderless" style={{ marginBottom: 16 }}>
            {differs && <Alert type="warning" showIcon title={t('flash.sessions.differ')} style={{ marginBottom: 12 }} />}
            <div className="tier-box" data-testid="flash-generator">
              <Form.Item name="genDays" label={t('flash.gen.days')}>
                <DatePicker.RangePicker placeholder={[t('common.startDate'), t('common.endDate')]} aria-label={t('flash.gen.days')} data-testid="flash-gen-days" />
              </Form.Item>
              <Form.Item name="genSlots" label={t('flash.gen.slots')} extra={t('flash.gen.slotsHint')}>
                <Select
                  mode="tags"
                  style={{ maxWidth: 420 }}
                  aria-label={t('flash.gen.slots')}
                  tokenSeparators={[',', ' ', '，']}
                  options={['00:00', '08:00', '10:00', '12:00', '14:00', '16:00', '20:00', '22:00'].map((v) => ({ value: v, label: v }))}
                  data-testid="flash-gen-slots"
                />
              </Form.Item>
              <Form.Item label={t('flash.gen.minutes')}>
                <Space wrap>
                  <Form.Item name="genMinutes" noStyle>
                    <InputNumber min={1} max={24 * 60} precision={0} suffix={t('flash.minutes')} aria-label={t('flash.gen.minutes')} data-testid="flash-gen-minutes" />
                  </Form.Item>
                  <Button onClick={generate} data-testid="flash-generate">
                    {t('flash.gen.run')}
                  </Button>
                </Space>
              </Form.Item>
            </div>
            <Form.List name="sessions" rules={[{ validator: async (_r, v: unknown[] | undefined) => { if (!v?.length) throw new Error(t('flash.sessions.empty')); } }]}>
              {(fields, { add, remove }, { errors }) => (
                <>
                  {fields.map((f, i) => (
                    <Form.Item key={f.key} label={t('flash.sessionN', { n: i + 1 })} required>
                      <Space align="start" wrap>
                        <Form.Item name={[f.name, 'range']} rules={[{ required: true, message: t('common.required') }]} noStyle>
                          <DatePicker.RangePicker
                            showTime={{ format: 'HH:mm' }}
                            format="YYYY-MM-DD HH:mm"
                            placeholder={[t('flash.startsAt'), t('flash.endsAt')]}
                            aria-label={t('flash.sessionN', { n: i + 1 })}
                            data-testid="flash-session-range"
                          />
                        </Form.Item>
                        <Button type="text" danger icon={<DeleteOutlined />} aria-label={`${t('common.delete')} ${t('flash.sessionN', { n: i + 1 })}`} onClick={() => remove(f.name)} />
                      </Space>
                    </Form.Item>
                  ))}
                  <Form.Item label=" " colon={false}>
                    <Button icon={<PlusOutlined />} onClick={() => add({})} data-testid="flash-add-session">
                      {t('flash.addSession')}
                    </Button>
                    <Form.ErrorList errors={errors} />
                  </Form.Item>
                </>
              )}
            </Form.List>
          </Card>

          <div className="form-footer">
            <Button onClick={() => navigate('/flash-sales')} disabled={false}>
              {readOnly ? t('common.back') : t('common.cancel')}
            </Button>
            {!readOnly && (
              <Button type="primary" loading={saving} onClick={submit} data-testid="flash-save">
                {isNew ? t('flash.create') : t('common.save')}
              </Button>
            )}
          </div>
          <ProductPickerModal open={picking} selected={[...new Set(items.map((i) => i.productId))]} onClose={() => setPicking(false)} onOk={(ids) => void addProducts(ids)} />
        </Form>
      )}
    </div>
  );
}
