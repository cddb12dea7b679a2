import { useEffect, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { Alert, Button, Card, Col, DatePicker, Form, Input, Popconfirm, Row, Skeleton, Space, Statistic } from 'antd';
import { ACTIVITY_KINDS, ActivityBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { activityLabel } from '../../lib/promo-label';
import { useAuth } from '../../lib/auth';
import { formatFen } from '../../lib/money';
import { LoadError, NotFound } from '../../components/Results';
import type { Activity, ActivityKind, FullReductionRules } from '../../lib/types';
import { activityBody, activityFieldMap, activityToForm, EMPTY_ACTIVITY, type ActivityValues } from './activityForm';
import { loadProductDetail, rememberProducts } from './ProductPicker';
import { ActivityKindTag, activityKindText, changeStatus, fmtMinute, PhaseTag } from './shared';
import LimitedDiscountFields from './LimitedDiscountFields';
import FullReductionFields from './FullReductionFields';
import BundleFields from './BundleFields';
import './promotions.css';

const nameSchema = ActivityBody.options[0].shape.name;
const descriptionSchema = ActivityBody.options[0].shape.description;

/** 营销活动 create / edit; for an existing activity also its results and pause / resume / end. */
export default function ActivityEdit() {
  const { id } = useParams();
  const isNew = !id;
  const [search] = useSearchParams();
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const [form] = Form.useForm<ActivityValues>();
  const [saving, setSaving] = useState(false);
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const detail = useApi<Activity>(isNew ? null : `/activities/${id}`);
  const [ready, setReady] = useState(isNew);
  const a = detail.data;
  const queryKind = search.get('kind') as ActivityKind | null;
  const kind: ActivityKind | null = a?.kind ?? (queryKind && (ACTIVITY_KINDS as readonly string[]).includes(queryKind) ? queryKind : null);
  const readOnly = !can('promotions:write') || a?.status === 'ended';

  useEffect(() => {
    if (!a) return;
    let cancelled = false;
    // `products` carries the lowest price (and, from this server, the SKUs, which give the highest too).
    rememberProducts(
      a.products.map((p) => ({ id: p.id, title: p.title, imageUrl: p.imageUrl, minPriceFen: p.minPriceFen, maxPriceFen: p.skus?.length ? Math.max(...p.skus.map((s) => s.priceFen)) : p.minPriceFen })),
    );
    (async () => {
      // 满赠 tiers name a SKU only: find the product it belongs to among the products the activity names.
      const owners = new Map<string, string>();
      const gifts = a.kind === 'full_reduction' ? (a.rules as FullReductionRules).tiers.map((x) => x.giftSkuId).filter((x): x is string => !!x) : [];
      if (gifts.length) {
        for (const p of a.products) p.skus?.forEach((s) => owners.set(s.id, p.id));
        if (gifts.some((g) => !owners.has(g))) {
          const detailsList = await Promise.all(a.products.filter((p) => !p.skus).map((p) => loadProductDetail(p.id)));
          for (const d of detailsList) d?.skus.forEach((s) => owners.set(s.id, d.id));
        }
      }
      if (cancelled) return;
      form.setFieldsValue(activityToForm(a, (skuId) => owners.get(skuId)));
      setReady(true);
    })();
    return () => {
      cancelled = true;
    };
  }, [a, form]);

  const act = async (action: 'pause' | 'resume' | 'end') => {
    if (!a) return;
    setBusy(true);
    const res = await changeStatus<Activity>(`/activities/${a.id}`, action, t);
    setBusy(false);
    if (res) detail.setData(res);
  };

  const submit = async () => {
    if (!kind) return;
    setFormError(null);
    let v: ActivityValues;
    try {
      await form.validateFields();
      v = form.getFieldsValue(true) as ActivityValues;
    } catch {
      return;
    }
    const body = activityBody(kind, v);
    const fieldMap = activityFieldMap(kind, v);
    if (!validateBody(form, ActivityBody, body, fieldMap)) return;
    setSaving(true);
    try {
      if (isNew) {
        const saved = await api.post<Activity>('/activities', body);
        feedback.message.success(t('activity.created'));
        navigate(`/activities/${saved.id}`, { replace: true });
      } else {
        const saved = await api.put<Activity>(`/activities/${id}`, body);
        feedback.message.success(t('common.saved'));
        detail.setData(saved);
      }
    } catch (err) {
      const onField = applyApiError(form, err, fieldMap);
      setFormError((err as Error).message);
      if (!onField) showError(err);
    } finally {
      setSaving(false);
    }
  };

  if (detail.error) return <LoadError error={detail.error} onRetry={detail.reload} />;
  if (!kind) return <NotFound />;
  if (!ready) return <div className="page-card"><Skeleton active /></div>;

  return (
    <div>
      {a && (
        <div className="page-card" data-testid="activity-header">
          <div className="promo-head">
            <div>
              <Space size={8} wrap>
                <h1>{a.name}</h1>
                <ActivityKindTag kind={a.kind} />
                <PhaseTag phase={a.phase} />
              </Space>
              <div className="promo-meta">
                <span data-testid="activity-label">{activityLabel(a, lang)}</span>
                <span>
                  {fmtMinute(a.startsAt)} ~ {fmtMinute(a.endsAt)}
                </span>
              </div>
            </div>
            <span className="spacer" />
            {can('promotions:write') && a.status !== 'ended' && (
              <Space wrap>
                {a.status === 'active' ? (
                  <Popconfirm title={t('activity.pauseConfirm')} onConfirm={() => act('pause')} okText={t('common.confirm')} cancelText={t('common.cancel')}>
                    <Button loading={busy} data-testid="activity-pause">{t('promo.action.pause')}</Button>
                  </Popconfirm>
                ) : (
                  <Popconfirm title={t('activity.resumeConfirm')} onConfirm={() => act('resume')} okText={t('common.confirm')} cancelText={t('common.cancel')}>
                    <Button loading={busy} data-testid="activity-resume">{t('promo.action.resume')}</Button>
                  </Popconfirm>
                )}
                <Popconfirm title={t('activity.endConfirm')} onConfirm={() => act('end')} okText={t('promo.action.end')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
                  <Button danger data-testid="activity-end">{t('promo.action.end')}</Button>
                </Popconfirm>
              </Space>
            )}
          </div>
          <Row gutter={16} style={{ marginTop: 16 }}>
            {[
              { key: 'orders', label: t('activity.stats.orders'), value: a.stats.orders },
              { key: 'revenue', label: t('activity.stats.revenue'), value: formatFen(a.stats.revenueFen, true) },
              { key: 'discount', label: t('activity.stats.discount'), value: formatFen(a.stats.discountFen, true) },
              { key: 'units', label: t('activity.stats.units'), value: a.stats.units },
            ].map((s) => (
              <Col key={s.key} span={6}>
                <Statistic title={<span className="stat-label">{s.label}</span>} value={s.value} data-testid={`activity-stat-${s.key}`} />
              </Col>
            ))}
          </Row>
        </div>
      )}

      <Form<ActivityValues>
        form={form}
        layout="horizontal"
        labelCol={{ flex: '140px' }}
        initialValues={EMPTY_ACTIVITY}
        disabled={readOnly}
        name="activity"
        className="promo-form"
        data-testid="activity-form"
        data-kind={kind}
        onValuesChange={() => formError && setFormError(null)}
      >
        {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 12 }} data-testid="activity-form-error" />}
        {a?.status === 'ended' && <Alert type="info" showIcon title={t('activity.endedReadOnly')} style={{ marginBottom: 12 }} />}
        <Card title={`${t('activity.section.basic')} · ${activityKindText(kind, lang)}`} variant="borderless" style={{ marginBottom: 16 }}>
          <Form.Item name="name" label={t('activity.name')} required rules={[zodRule(nameSchema, asText)]}>
            <Input maxLength={40} showCount style={{ maxWidth: 420 }} data-testid="activity-name" />
          </Form.Item>
          <Form.Item name="range" label={t('activity.period')} required rules={[{ required: true, message: t('common.required') }]}>
            <DatePicker.RangePicker
              showTime={{ format: 'HH:mm' }}
              format="YYYY-MM-DD HH:mm"
              placeholder={[t('activity.startsAt'), t('activity.endsAt')]}
              data-testid="activity-range"
            />
          </Form.Item>
          <Form.Item name="description" label={t('activity.description')} rules={[zodRule(descriptionSchema)]}>
            <Input.TextArea rows={2} maxLength={500} showCount style={{ maxWidth: 560 }} placeholder={t('activity.descriptionPlaceholder')} data-testid="activity-description" />
          </Form.Item>
        </Card>
        {kind === 'limited_discount' && <LimitedDiscountFields form={form} disabled={readOnly} />}
        {kind === 'full_reduction' && <FullReductionFields form={form} disabled={readOnly} />}
        {kind === 'bundle' && <BundleFields form={form} disabled={readOnly} />}
        <div className="form-footer">
          <Button onClick={() => navigate('/activities')} disabled={false}>
            {readOnly ? t('common.back') : t('common.cancel')}
          </Button>
          {!readOnly && (
            <Button type="primary" loading={saving} onClick={submit} data-testid="activity-save">
              {isNew ? t('activity.create') : t('common.save')}
            </Button>
          )}
        </div>
      </Form>
    </div>
  );
}
