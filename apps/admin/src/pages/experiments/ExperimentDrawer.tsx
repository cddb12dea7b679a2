import { useEffect, useState } from 'react';
import { Alert, Button, Col, Drawer, Form, Input, InputNumber, Radio, Row, Select, Space, Tag } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { ExperimentBody, ExperimentVariant } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { EventSelect, EventsContext } from '../analytics/builder';
import type { EventInfo } from '../analytics/model';
import { defaultValues, fromExperiment, newVariant, payloadFieldMap, toBody, variantsLocked, weightShares, type FormValues, type PayloadType } from './model';
import type { Experiment } from './types';
import '../analytics/analytics.css';
import './experiments.css';

const MAX_VARIANTS = 5;

/**
 * 新建 / 编辑实验: key, name, hypothesis, the variants with their weights and payloads, and how the result
 * is measured. Once started the key, the variants and their weights are fixed (the server refuses).
 */
export default function ExperimentDrawer({ open, experiment, onClose, onSaved }: { open: boolean; experiment: Experiment | null; onClose: () => void; onSaved: (e: Experiment) => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm();
  const [saving, setSaving] = useState(false);
  const events = useApi<{ items: EventInfo[] }>(open ? '/analytics/events' : null);
  const locked = variantsLocked(experiment?.status);
  const variants = Form.useWatch('variants', form) as FormValues['variants'] | undefined;
  const shares = weightShares(variants ?? []);

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue(experiment ? fromExperiment(experiment) : defaultValues());
  }, [open, experiment, form]);

  const save = async () => {
    const values = form.getFieldsValue(true) as FormValues;
    const { body, issues } = toBody(values);
    const map = payloadFieldMap(values);
    // Errors of the last attempt go first; the checks below put back those that still hold.
    form.setFields(form.getFieldsError().filter((f) => f.errors.length).map((f) => ({ name: f.name, errors: [] })));
    const parsed = validateBody(form, ExperimentBody, body, map);
    if (issues.length) form.setFields(issues.map((i) => ({ name: i.path, errors: [t(i.message)] })));
    if (!parsed || issues.length) return;
    setSaving(true);
    try {
      const saved = experiment ? await api.put<Experiment>(`/experiments/${experiment.id}`, parsed) : await api.post<Experiment>('/experiments', parsed);
      feedback.message.success(t('common.saved'));
      onSaved(saved);
    } catch (err) {
      // On its field when the form has it, and as a toast either way (a state conflict has no field here).
      applyApiError(form, err, map);
      showError(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Drawer
      open={open}
      size={760}
      onClose={onClose}
      title={experiment ? t('exp.edit') : t('exp.new')}
      forceRender
      data-testid="experiment-drawer"
      extra={
        <Space>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="primary" loading={saving} onClick={save} data-testid="experiment-save">
            {t('common.save')}
          </Button>
        </Space>
      }
    >
      <EventsContext.Provider value={events.data?.items}>
        <Form form={form} layout="vertical" name="experiment" requiredMark="optional">
          <h3 className="exp-form-section">{t('exp.form.basics')}</h3>
          <Row gutter={16}>
            <Col xs={24} md={12}>
              <Form.Item name="key" label={t('exp.form.key')} required extra={t('exp.form.keyHint')} rules={[zodRule(ExperimentBody.shape.key, asText)]}>
                <Input maxLength={40} disabled={locked} className="exp-mono" data-testid="experiment-key" />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item name="name" label={t('exp.form.name')} required rules={[zodRule(ExperimentBody.shape.name, asText)]}>
                <Input maxLength={60} data-testid="experiment-name" />
              </Form.Item>
            </Col>
          </Row>
          <Form.Item name="hypothesis" label={t('exp.form.hypothesis')}>
            <Input.TextArea maxLength={500} showCount autoSize={{ minRows: 2, maxRows: 5 }} placeholder={t('exp.form.hypothesisPlaceholder')} data-testid="experiment-hypothesis" />
          </Form.Item>

          <h3 className="exp-form-section">{t('exp.form.variants')}</h3>
          <p className="muted exp-form-hint">{t('exp.form.variantsHint')}</p>
          {locked && <Alert type="info" showIcon className="exp-locked" title={t('exp.form.locked')} data-testid="experiment-variants-locked" />}
          <Form.List name="variants">
            {(fields, { add, remove }, { errors }) => (
              <div className="exp-variants" data-testid="experiment-variants">
                {fields.map((field, i) => (
                  <div key={field.key} className="exp-variant" data-testid={`experiment-variant-${i}`}>
                    <div className="exp-variant-head">
                      <Tag color={i === 0 ? 'default' : 'blue'}>{i === 0 ? t('exp.form.control') : t('exp.form.variant', { n: i })}</Tag>
                      <span className="muted">{t('exp.form.share', { pct: shares[i] ?? 0 })}</span>
                      <span style={{ flex: 1 }} />
                      {!locked && fields.length > 2 && i > 0 && (
                        <Button type="text" size="small" danger icon={<DeleteOutlined />} onClick={() => remove(field.name)} aria-label={t('exp.form.removeVariant')} data-testid={`experiment-variant-remove-${i}`} />
                      )}
                    </div>
                    <Row gutter={12}>
                      <Col xs={24} md={8}>
                        <Form.Item name={[field.name, 'key']} label={t('exp.form.variantKey')} required rules={[zodRule(ExperimentVariant.shape.key, asText)]}>
                          <Input maxLength={40} disabled={locked} className="exp-mono" data-testid={`experiment-variant-key-${i}`} />
                        </Form.Item>
                      </Col>
                      <Col xs={24} md={10}>
                        <Form.Item name={[field.name, 'name']} label={t('exp.form.variantName')} required rules={[zodRule(ExperimentVariant.shape.name, asText)]}>
                          <Input maxLength={30} data-testid={`experiment-variant-name-${i}`} />
                        </Form.Item>
                      </Col>
                      <Col xs={24} md={6}>
                        <Form.Item name={[field.name, 'weight']} label={t('exp.form.weight')} required>
                          <InputNumber min={1} max={1000} precision={0} disabled={locked} style={{ width: '100%' }} data-testid={`experiment-variant-weight-${i}`} />
                        </Form.Item>
                      </Col>
                    </Row>
                    <div className="exp-payload-label">
                      {t('exp.form.payload')} <span className="muted">{t('exp.form.payloadHint')}</span>
                    </div>
                    <Form.List name={[field.name, 'payload']}>
                      {(rows, rowOps) => (
                        <div className="exp-payload">
                          {rows.map((row, j) => (
                            <PayloadRowFields key={row.key} variantIndex={i} rowIndex={j} name={row.name} onRemove={() => rowOps.remove(row.name)} />
                          ))}
                          <Button type="dashed" size="small" icon={<PlusOutlined />} onClick={() => rowOps.add({ key: '', type: 'text', value: '' })} data-testid={`experiment-payload-add-${i}`}>
                            {t('exp.form.addPayload')}
                          </Button>
                        </div>
                      )}
                    </Form.List>
                  </div>
                ))}
                <Form.ErrorList errors={errors} />
                {!locked && fields.length < MAX_VARIANTS && (
                  <Button type="dashed" block icon={<PlusOutlined />} onClick={() => add(newVariant(form.getFieldValue('variants') ?? []))} data-testid="experiment-variant-add">
                    {t('exp.form.addVariant')}
                  </Button>
                )}
              </div>
            )}
          </Form.List>

          <h3 className="exp-form-section">{t('exp.form.measure')}</h3>
          <Row gutter={16}>
            <Col xs={24} md={12}>
              <Form.Item name="metricEvent" label={t('exp.form.metricEvent')} required extra={t('exp.form.metricEventHint')}>
                <EventSelect value="" onChange={() => undefined} ariaLabel={t('exp.form.metricEvent')} testId="experiment-metric-event" width={300} />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item name="primaryMetric" label={t('exp.form.primaryMetric')} required>
                <Radio.Group
                  optionType="button"
                  options={[
                    { value: 'conversion', label: t('exp.metric.conversion') },
                    { value: 'revenue', label: t('exp.metric.revenue') },
                  ]}
                  data-testid="experiment-primary-metric"
                />
              </Form.Item>
            </Col>
          </Row>
          <Row gutter={16}>
            <Col xs={24} md={8}>
              <Form.Item name="trafficPercent" label={t('exp.form.traffic')} required extra={t('exp.form.trafficHint')}>
                <InputNumber min={1} max={100} precision={0} suffix="%" style={{ width: '100%' }} data-testid="experiment-traffic" />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item name="windowDays" label={t('exp.form.windowDays')} required extra={t('exp.form.windowDaysHint')}>
                <InputNumber min={1} max={60} precision={0} suffix={t('exp.form.days')} style={{ width: '100%' }} data-testid="experiment-window" />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item name="minimumDetectableEffectPercent" label={t('exp.form.mde')} required extra={t('exp.form.mdeHint')}>
                <InputNumber min={1} max={200} suffix="%" style={{ width: '100%' }} data-testid="experiment-mde" />
              </Form.Item>
            </Col>
          </Row>
        </Form>
      </EventsContext.Provider>
    </Drawer>
  );
}

/** One payload row: name, type and value (a yes/no choice for booleans). */
function PayloadRowFields({ variantIndex, rowIndex, name, onRemove }: { variantIndex: number; rowIndex: number; name: number; onRemove: () => void }) {
  const { t } = useI18n();
  const form = Form.useFormInstance();
  const type = Form.useWatch(['variants', variantIndex, 'payload', rowIndex, 'type'], form) as PayloadType | undefined;
  const id = `${variantIndex}-${rowIndex}`;
  return (
    // The outer item shows the errors of the row's three noStyle fields.
    <Form.Item className="exp-payload-row">
      <Space.Compact block data-testid={`experiment-payload-${id}`}>
      <Form.Item name={[name, 'key']} noStyle>
        <Input placeholder={t('exp.form.payloadKey')} aria-label={t('exp.form.payloadKey')} maxLength={60} className="exp-mono" style={{ width: '32%' }} data-testid={`experiment-payload-key-${id}`} />
      </Form.Item>
      <Form.Item name={[name, 'type']} noStyle>
        <Select
          aria-label={t('exp.form.payloadType')}
          style={{ width: 96 }}
          options={(['text', 'number', 'boolean'] as const).map((v) => ({ value: v, label: t(`exp.type.${v}`) }))}
          onChange={(v: PayloadType) => {
            if (v === 'boolean') form.setFieldValue(['variants', variantIndex, 'payload', rowIndex, 'value'], 'true');
          }}
        />
      </Form.Item>
      <Form.Item name={[name, 'value']} noStyle>
        {type === 'boolean' ? (
          <Select aria-label={t('exp.form.payloadValue')} style={{ flex: 1 }} options={[{ value: 'true', label: 'true' }, { value: 'false', label: 'false' }]} data-testid={`experiment-payload-value-${id}`} />
        ) : (
          <Input placeholder={t('exp.form.payloadValue')} aria-label={t('exp.form.payloadValue')} maxLength={200} style={{ flex: 1 }} data-testid={`experiment-payload-value-${id}`} />
        )}
      </Form.Item>
        <Button icon={<DeleteOutlined />} onClick={onRemove} aria-label={t('exp.form.removePayload')} />
      </Space.Compact>
    </Form.Item>
  );
}
