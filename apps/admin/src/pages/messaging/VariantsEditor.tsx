import { Button, Col, Form, Input, InputNumber, Row, Select, Tag } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { BroadcastVariant } from '@siyu/contracts';
import { asText, zodRule } from '../../lib/form';
import { useI18n } from '../../lib/i18n';
import { weightShares } from '../experiments/model';
import { MAX_VARIANTS, MIN_VARIANTS, newVariant, variantLetter, type VariantValues } from './ab';
import { channelText } from './labels';
import type { MessageTemplate, SendChannel } from './types';

const shape = BroadcastVariant.shape;

/**
 * The arms of a broadcast's A/B test inside the wizard's form (`variants`): name, weight and share, a
 * template per channel of the chain (empty keeps the broadcast's) and the values of the variables the
 * arm's templates use. Field paths are the contract's, so the server's `variants.1.templateIds.sms` lands here.
 */
export default function VariantsEditor({
  variants,
  onChain,
  promotion,
  baseTemplates,
  variablesOf,
  examples,
}: {
  variants: VariantValues[];
  onChain: SendChannel[];
  promotion: MessageTemplate[];
  baseTemplates: Partial<Record<SendChannel, MessageTemplate>>;
  variablesOf: (v: VariantValues) => string[];
  examples: Record<string, string>;
}) {
  const { t, lang } = useI18n();
  const form = Form.useFormInstance();
  const shares = weightShares(variants);
  const nameOf = (letter: string) => t('msg.ab.defaultName', { letter });

  return (
    <Form.List name="variants">
      {(fields, { add, remove }, { errors }) => (
        <div className="msg-ab-variants" data-testid="broadcast-variants">
          {fields.map((f, i) => {
            const v = variants[i];
            if (!v) return null;
            const letter = variantLetter(v.key);
            const vars = variablesOf(v);
            return (
              <div key={f.key} className="msg-ab-variant" data-testid={`broadcast-variant-${v.key}`}>
                <div className="msg-ab-variant-head">
                  <Tag color={i === 0 ? 'default' : 'blue'} className="msg-ab-letter">
                    {t('msg.ab.letter', { letter })}
                    {i === 0 ? ` · ${t('msg.ab.control')}` : ''}
                  </Tag>
                  <span className="muted" data-testid={`broadcast-variant-share-${v.key}`}>{t('msg.ab.share', { pct: shares[i] ?? 0 })}</span>
                  <span style={{ flex: 1 }} />
                  {fields.length > MIN_VARIANTS && i > 0 && (
                    <Button type="text" size="small" danger icon={<DeleteOutlined />} onClick={() => remove(f.name)} aria-label={t('msg.ab.remove', { letter })} data-testid={`broadcast-variant-remove-${v.key}`} />
                  )}
                </div>
                <Row gutter={12}>
                  <Col xs={24} md={16}>
                    <Form.Item name={[f.name, 'name']} label={t('msg.ab.name')} rules={[zodRule(shape.name, asText)]}>
                      <Input maxLength={30} data-testid={`broadcast-variant-name-${v.key}`} />
                    </Form.Item>
                  </Col>
                  <Col xs={24} md={8}>
                    <Form.Item name={[f.name, 'weight']} label={t('msg.ab.weight')} rules={[zodRule(shape.weight, (x) => (x === null || x === undefined ? Number.NaN : x))]}>
                      <InputNumber min={1} max={100} precision={0} style={{ width: '100%' }} data-testid={`broadcast-variant-weight-${v.key}`} />
                    </Form.Item>
                  </Col>
                </Row>
                <div className="stat-label msg-ab-sub">{t('msg.ab.templates')}</div>
                <Row gutter={12}>
                  {onChain.map((c) => {
                    const base = baseTemplates[c];
                    return (
                      <Col key={c} xs={24} md={12}>
                        <Form.Item name={[f.name, 'templateIds', c]} label={channelText(c, lang)}>
                          <Select
                            allowClear
                            options={promotion.filter((x) => x.channel === c).map((x) => ({ value: x.id, label: x.name }))}
                            placeholder={base ? t('msg.ab.sameTemplate', { name: base.name }) : t('msg.ab.sameTemplateNone')}
                            data-testid={`broadcast-variant-template-${v.key}-${c}`}
                          />
                        </Form.Item>
                      </Col>
                    );
                  })}
                </Row>
                <div className="stat-label msg-ab-sub">
                  {t('msg.ab.vars')} {vars.length > 0 && <span className="muted msg-ab-hint">{t('msg.ab.varsHint')}</span>}
                </div>
                {vars.length ? (
                  <Row gutter={12}>
                    {vars.map((k) => (
                      <Col key={k} xs={24} md={12}>
                        <Form.Item name={[f.name, 'vars', k]} label={`{{${k}}}`} rules={[{ required: true, whitespace: true, message: t('msg.bc.varRequired') }, { max: 200 }]}>
                          <Input maxLength={200} placeholder={examples[k] ?? ''} data-testid={`broadcast-variant-var-${v.key}-${k}`} />
                        </Form.Item>
                      </Col>
                    ))}
                  </Row>
                ) : (
                  <div className="muted msg-ab-hint" style={{ marginBottom: 12 }}>{t('msg.ab.noVars')}</div>
                )}
              </div>
            );
          })}
          <Form.ErrorList errors={errors} />
          {fields.length < MAX_VARIANTS && (
            <Button
              type="dashed"
              block
              icon={<PlusOutlined />}
              onClick={() => {
                const next = newVariant(form.getFieldValue('variants') ?? [], form.getFieldValue('vars') ?? {}, nameOf);
                if (next) add(next);
              }}
              data-testid="broadcast-variant-add"
            >
              {t('msg.ab.add')}
            </Button>
          )}
        </div>
      )}
    </Form.List>
  );
}
