import { useEffect, useMemo, useState } from 'react';
import { Alert, Button, Col, Dropdown, Empty, Form, Input, Modal, Radio, Row, Select, Space, Spin, Switch, Table, Tag, Tooltip, type MenuProps, type TableProps } from 'antd';
import { CloudDownloadOutlined, DeleteOutlined, DownOutlined, ImportOutlined, PlusOutlined } from '@ant-design/icons';
import { MessageTemplateBody, SMS_OPT_OUT_SUFFIX, TOPICS, TOPIC_VARIABLES, isTransactional, renderTemplateText, type Topic } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { LoadError } from '../../components/Results';
import { channelText, contentKeywords, fillContent, smsSegments, topicText } from './labels';
import VarChips, { useVarInserter } from './VarChips';
import { SEND_CHANNELS, type Channels, type MessageTemplate, type SendChannel, type VendorTemplate } from './types';
import './messaging.css';

interface Values {
  name: string;
  topic: Topic;
  channel: SendChannel;
  vendorTemplateId: string;
  content: string;
  fields: { key: string; value: string }[];
  link: string;
  enabled: boolean;
}

const shape = MessageTemplateBody.shape;
const fieldShape = shape.fields.element.shape;
const trim = (v: unknown) => String(asText(v)).trim();

function toBody(v: Values) {
  return {
    name: trim(v.name),
    topic: v.topic,
    channel: v.channel,
    vendorTemplateId: trim(v.vendorTemplateId),
    fields: (v.fields ?? []).map((f) => ({ key: trim(f?.key), value: String(asText(f?.value)) })),
    content: trim(v.content),
    link: trim(v.link) || null,
    enabled: v.enabled !== false,
  };
}

/** The message as a customer would read it, with the topic's example values. */
export function TemplatePreview({ content, fields, topic, vars, channel, testId }: { content: string; fields: { key: string; value: string }[]; topic: Topic | undefined; vars?: Record<string, string>; channel?: SendChannel; testId?: string }) {
  const { t } = useI18n();
  const values = { ...(topic ? TOPIC_VARIABLES[topic] : {}), ...vars };
  const rendered = fields.filter((f) => f?.key).map((f) => ({ key: f.key, value: renderTemplateText(String(f.value ?? ''), values) }));
  const text = content ? fillContent(content, rendered) : '';
  return (
    <div className="msg-preview" data-testid={testId}>
      {text ? <div data-testid={testId ? `${testId}-text` : undefined}>{text}</div> : <span className="muted">{t('msg.tpl.previewEmpty')}</span>}
      {rendered.length > 0 && (
        <ul className="msg-preview-fields">
          {rendered.map((f) => (
            <li key={f.key}>
              <span>{f.key}</span>
              <span>{f.value || <span className="muted">-</span>}</span>
            </li>
          ))}
        </ul>
      )}
      {channel === 'sms' && text && <div className="muted" style={{ fontSize: 12, marginTop: 6 }}>{t('msg.tpl.smsLength', { n: [...text].length, segments: smsSegments(text) })}</div>}
    </div>
  );
}

/** 从平台导入: the vendor's approved templates for a channel; picking one fills the form. */
function VendorImport({ channel, open, onClose, onPick }: { channel: SendChannel; open: boolean; onClose: () => void; onPick: (v: VendorTemplate) => void }) {
  const { t, lang } = useI18n();
  const { data, error, loading, reload } = useApi<{ items: VendorTemplate[] }>(open ? '/messaging/vendor-templates' : null, { channel });
  const [picked, setPicked] = useState<string | null>(null);
  useEffect(() => setPicked(null), [open, channel]);
  const items = data?.items ?? [];
  return (
    <Modal
      open={open}
      width={720}
      title={t('msg.tpl.importTitle', { channel: channelText(channel, lang) })}
      onCancel={onClose}
      onOk={() => {
        const v = items.find((i) => i.templateId === picked);
        if (v) onPick(v);
      }}
      okText={t('msg.tpl.importUse')}
      cancelText={t('common.cancel')}
      okButtonProps={{ disabled: !picked, 'data-testid': 'vendor-template-use' } as never}
      destroyOnHidden
    >
      {error ? (
        <Alert type="error" showIcon title={error.message} action={<Button size="small" onClick={reload}>{t('common.retry')}</Button>} />
      ) : loading && !data ? (
        <div className="page-loading"><Spin /></div>
      ) : !items.length ? (
        <Empty description={t('msg.tpl.importEmpty')} />
      ) : (
        <Radio.Group value={picked} onChange={(e) => setPicked(e.target.value as string)} style={{ width: '100%' }} data-testid="vendor-templates">
          <Space orientation="vertical" style={{ width: '100%' }}>
            {items.map((v) => (
              <Radio key={v.templateId} value={v.templateId} data-testid={`vendor-template-${v.templateId}`}>
                <div>
                  <b>{v.title}</b> <span className="muted" style={{ fontSize: 12 }}>{v.templateId}</span>
                </div>
                <div className="msg-preview" style={{ marginTop: 4 }}>{v.content}</div>
                {v.example && <div className="muted" style={{ fontSize: 12, marginTop: 4 }}>{t('msg.tpl.example', { text: v.example })}</div>}
              </Radio>
            ))}
          </Space>
        </Radio.Group>
      )}
    </Modal>
  );
}

/** The channels whose vendor templates 一键导入 can bring in, and the account each needs. */
const IMPORT_FROM = [
  { channel: 'oa_template', account: 'oa', label: 'msg.tpl.importFromOa', name: 'msg.ch.oa' },
  { channel: 'mini_subscribe', account: 'mini', label: 'msg.tpl.importFromMini', name: 'msg.ch.mini' },
] as const;
type ImportChannel = (typeof IMPORT_FROM)[number]['channel'];
interface ImportResult {
  channel: ImportChannel;
  imported: { topic: Topic; title: string }[];
  skipped: { title: string; why: string }[];
}

/**
 * 一键导入: brings in every approved vendor template of a connected account whose topic has no template on
 * that channel yet (POST /messaging/templates/import), then lists what came in and what was skipped and why.
 */
function ImportRecommended({ onImported }: { onImported: () => void }) {
  const { t, lang } = useI18n();
  const { data: channels } = useApi<Channels>('/messaging/channels');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ImportResult | null>(null);
  const connected = (account: 'oa' | 'mini') => !!channels?.[account];
  const none = !!channels && !IMPORT_FROM.some((x) => connected(x.account));

  const run = async (channel: ImportChannel) => {
    setBusy(true);
    try {
      const r = await api.post<Omit<ImportResult, 'channel'>>('/messaging/templates/import', { channel });
      setResult({ channel, ...r });
      onImported();
    } catch (err) {
      showError(err);
    } finally {
      setBusy(false);
    }
  };

  const items: MenuProps['items'] = IMPORT_FROM.map((x) => ({
    key: x.channel,
    disabled: !connected(x.account),
    label: (
      <div data-testid={`template-import-recommended-${x.channel}`}>
        <div>{t(x.label)}</div>
        {!connected(x.account) && <div className="muted" style={{ fontSize: 12 }}>{t('msg.tpl.importNotConnected', { channel: t(x.name) })}</div>}
      </div>
    ),
  }));

  return (
    <>
      <Dropdown trigger={['click']} disabled={!channels || none || busy} menu={{ items, onClick: ({ key }) => void run(key as ImportChannel) }}>
        <Button icon={<CloudDownloadOutlined />} loading={busy} title={none ? t('msg.tpl.importNoAccount') : t('msg.tpl.importRecommendedHint')} data-testid="template-import-recommended">
          {t('msg.tpl.importRecommended')} <DownOutlined />
        </Button>
      </Dropdown>
      {none && <span className="muted" style={{ fontSize: 12 }} data-testid="template-import-recommended-hint">{t('msg.tpl.importNoAccount')}</span>}
      <Modal
        open={!!result}
        title={result ? t('msg.tpl.importResultTitle', { channel: channelText(result.channel, lang) }) : ''}
        onCancel={() => setResult(null)}
        footer={<Button type="primary" onClick={() => setResult(null)} data-testid="template-import-result-ok">{t('common.confirm')}</Button>}
        destroyOnHidden
      >
        {result && (
          <div data-testid="template-import-result">
            {!result.imported.length && !result.skipped.length && <Empty description={t('msg.tpl.importNothing')} />}
            {result.imported.length > 0 && (
              <>
                <div className="stat-label">{t('msg.tpl.importedList', { n: result.imported.length })}</div>
                <ul data-testid="template-import-imported">
                  {result.imported.map((x) => (
                    <li key={x.topic}>
                      {x.title} <Tag>{topicText(x.topic, lang)}</Tag>
                    </li>
                  ))}
                </ul>
              </>
            )}
            {result.skipped.length > 0 && (
              <>
                <div className="stat-label">{t('msg.tpl.skippedList', { n: result.skipped.length })}</div>
                <ul data-testid="template-import-skipped">
                  {result.skipped.map((x, i) => (
                    <li key={i}>
                      {x.title} <span className="muted">{x.why}</span>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </div>
        )}
      </Modal>
    </>
  );
}

/** Tries a saved template on the server: its fields filled with the examples, or the values typed here. */
function PreviewModal({ template, onClose }: { template: MessageTemplate | null; onClose: () => void }) {
  const { t } = useI18n();
  const [vars, setVars] = useState<Record<string, string>>({});
  const [result, setResult] = useState<{ text: string; fields: { key: string; value: string }[] } | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (tpl: MessageTemplate, v: Record<string, string>) => {
    setBusy(true);
    try {
      setResult(await api.post(`/messaging/templates/${tpl.id}/preview`, { vars: v }));
    } catch (err) {
      showError(err);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    if (!template) return;
    const initial = { ...TOPIC_VARIABLES[template.topic] };
    setVars(initial);
    setResult(null);
    void run(template, initial);
  }, [template]);

  return (
    <Modal open={!!template} width={680} title={t('msg.tpl.previewTitle', { name: template?.name ?? '' })} onCancel={onClose} footer={null} destroyOnHidden>
      {template && (
        <Row gutter={24}>
          <Col xs={24} md={11}>
            <div className="stat-label" style={{ marginBottom: 8 }}>{t('msg.tpl.previewVars')}</div>
            {Object.keys(TOPIC_VARIABLES[template.topic] ?? {}).map((k) => (
              <div key={k} style={{ marginBottom: 8 }}>
                <Input prefix={<span className="muted">{k}</span>} value={vars[k] ?? ''} onChange={(e) => setVars((x) => ({ ...x, [k]: e.target.value }))} maxLength={200} aria-label={k} data-testid={`preview-var-${k}`} />
              </div>
            ))}
            <Button onClick={() => run(template, vars)} loading={busy} data-testid="template-preview-run">
              {t('msg.tpl.previewRun')}
            </Button>
          </Col>
          <Col xs={24} md={13}>
            <div className="stat-label" style={{ marginBottom: 8 }}>{t('msg.tpl.previewResult')}</div>
            <Spin spinning={busy}>
              <div className="msg-preview" data-testid="template-preview-result">
                {result ? (
                  <>
                    <div data-testid="template-preview-text">{result.text}</div>
                    <ul className="msg-preview-fields">
                      {result.fields.map((f) => (
                        <li key={f.key}>
                          <span>{f.key}</span>
                          <span>{f.value}</span>
                        </li>
                      ))}
                    </ul>
                  </>
                ) : (
                  <span className="muted">{t('common.loading')}</span>
                )}
              </div>
            </Spin>
          </Col>
        </Row>
      )}
    </Modal>
  );
}

/**
 * 消息模板: the shop's library of vendor templates (WeChat subscribe / template messages, SMS), each bound
 * to a topic, with the text of every keyword written with the topic's {{variables}}.
 */
export default function Templates() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const writable = can('messaging:write');
  const { data, error, loading, reload } = useApi<{ items: MessageTemplate[] }>('/messaging/templates');
  const [editing, setEditing] = useState<MessageTemplate | 'new' | null>(null);
  const [previewing, setPreviewing] = useState<MessageTemplate | null>(null);
  const [importing, setImporting] = useState(false);
  const [saving, setSaving] = useState(false);
  const [filter, setFilter] = useState<{ channel?: SendChannel; topic?: Topic }>({});
  const [form] = Form.useForm<Values>();
  const vars = useVarInserter(form);

  const topic = Form.useWatch('topic', form);
  const channel = Form.useWatch('channel', form);
  const content = Form.useWatch('content', form) ?? '';
  const fields = (Form.useWatch('fields', form) ?? []) as Values['fields'];

  useEffect(() => {
    if (!editing) return;
    form.resetFields();
    if (editing === 'new') form.setFieldsValue({ name: '', topic: 'promotion', channel: 'mini_subscribe', vendorTemplateId: '', content: '', fields: [{ key: '', value: '' }], link: '', enabled: true });
    else form.setFieldsValue({ ...editing, link: editing.link ?? '', fields: editing.fields.map((f) => ({ ...f })) });
  }, [editing, form]);

  const items = useMemo(() => (data?.items ?? []).filter((x) => (!filter.channel || x.channel === filter.channel) && (!filter.topic || x.topic === filter.topic)), [data, filter]);

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const body = validateBody(form, MessageTemplateBody, toBody(form.getFieldsValue(true) as Values));
    if (!body) return;
    setSaving(true);
    try {
      if (editing === 'new') await api.post('/messaging/templates', body);
      else if (editing) await api.put(`/messaging/templates/${editing.id}`, body);
      feedback.message.success(t('common.saved'));
      setEditing(null);
      reload();
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const remove = async (tpl: MessageTemplate) => {
    try {
      await api.del(`/messaging/templates/${tpl.id}`);
      feedback.message.success(t('common.deleted'));
      reload();
    } catch (err) {
      showError(err);
    }
  };

  const applyVendor = (v: VendorTemplate) => {
    const keys = contentKeywords(v.content);
    const current = form.getFieldsValue(true) as Values;
    const known = new Map((current.fields ?? []).map((f) => [f?.key, f?.value]));
    form.setFieldsValue({
      vendorTemplateId: v.templateId,
      content: v.content,
      name: trim(current.name) ? current.name : v.title.slice(0, 40),
      fields: (keys.length ? keys : ['']).map((k) => ({ key: k, value: known.get(k) ?? '' })),
    });
    setImporting(false);
    feedback.message.success(t('msg.tpl.imported'));
  };

  const columns: TableProps<MessageTemplate>['columns'] = [
    {
      title: t('msg.tpl.name'),
      dataIndex: 'name',
      render: (_, x) => (
        <div>
          <div>{x.name}</div>
          <div className="muted" style={{ fontSize: 12 }}>{x.vendorTemplateId}</div>
        </div>
      ),
    },
    {
      title: t('msg.tpl.topic'),
      dataIndex: 'topic',
      width: 170,
      render: (x: Topic) => (
        <Space size={4} wrap>
          <span>{topicText(x, lang)}</span>
          {isTransactional(x) ? <Tag color="blue">{t('msg.transactional')}</Tag> : <Tag color="orange">{t('msg.marketing')}</Tag>}
        </Space>
      ),
    },
    { title: t('msg.channel'), dataIndex: 'channel', width: 170, render: (c: SendChannel) => channelText(c, lang) },
    {
      title: t('msg.tpl.content'),
      dataIndex: 'content',
      render: (c: string) => (
        <Tooltip title={c}>
          <span className="clamp-2">{c}</span>
        </Tooltip>
      ),
    },
    { title: t('common.status'), dataIndex: 'enabled', width: 80, render: (e: boolean) => (e ? <Tag color="green">{t('common.enabled')}</Tag> : <Tag>{t('common.disabled')}</Tag>) },
    { title: t('common.createdAt'), dataIndex: 'createdAt', width: 170, render: fmtTime },
    {
      title: t('common.actions'),
      key: 'a',
      width: 190,
      fixed: 'right',
      render: (_, x) => (
        <Space size={0}>
          <Button type="link" size="small" onClick={() => setPreviewing(x)} data-testid={`template-preview-${x.id}`}>
            {t('msg.tpl.preview')}
          </Button>
          {writable && (
            <>
              <Button type="link" size="small" onClick={() => setEditing(x)} data-testid={`template-edit-${x.id}`}>
                {t('common.edit')}
              </Button>
              <ConfirmDelete title={t('msg.tpl.deleteConfirm', { name: x.name })} onConfirm={() => remove(x)} testId={`template-delete-${x.id}`} okTestId="template-delete-ok" />
            </>
          )}
        </Space>
      ),
    },
  ];

  if (error) return <LoadError error={error} onRetry={reload} />;

  const smsMarketing = channel === 'sms' && topic && !isTransactional(topic);

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.msgTemplates')}</h1>
      <p className="muted msg-note">{t('msg.tpl.intro')}</p>
      <div className="toolbar">
        {writable && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="template-new">
            {t('msg.tpl.new')}
          </Button>
        )}
        {writable && <ImportRecommended onImported={reload} />}
        <Select
          allowClear
          placeholder={t('msg.channel')}
          value={filter.channel}
          onChange={(c) => setFilter((f) => ({ ...f, channel: c }))}
          options={SEND_CHANNELS.map((c) => ({ value: c, label: channelText(c, lang) }))}
          style={{ width: 200 }}
          aria-label={t('msg.channel')}
          data-testid="template-filter-channel"
        />
        <Select
          allowClear
          placeholder={t('msg.tpl.topic')}
          value={filter.topic}
          onChange={(x) => setFilter((f) => ({ ...f, topic: x }))}
          options={TOPICS.map((x) => ({ value: x, label: topicText(x, lang) }))}
          style={{ width: 200 }}
          aria-label={t('msg.tpl.topic')}
          data-testid="template-filter-topic"
        />
      </div>
      <Table<MessageTemplate>
        rowKey="id"
        loading={loading}
        dataSource={items}
        columns={columns}
        scroll={items.length ? { x: 1100 } : undefined}
        pagination={{ pageSize: 20, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
        locale={{ emptyText: <span className="muted">{t('msg.tpl.empty')}</span> }}
        onRow={(x) => ({ 'data-testid': `template-row-${x.name}` }) as React.HTMLAttributes<HTMLElement>}
      />

      <Modal
        open={!!editing}
        width={980}
        title={editing === 'new' ? t('msg.tpl.new') : t('msg.tpl.edit')}
        onCancel={() => setEditing(null)}
        onOk={save}
        confirmLoading={saving}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        okButtonProps={{ 'data-testid': 'template-save' } as never}
        forceRender
      >
        <Row gutter={24}>
          <Col xs={24} md={15}>
            <Form<Values> form={form} layout="vertical" name="messageTemplate" requiredMark={false}>
              <Form.Item name="topic" label={t('msg.tpl.topic')} extra={topic ? (isTransactional(topic) ? t('msg.tpl.transactionalHint') : t('msg.tpl.marketingHint')) : undefined}>
                <Select options={TOPICS.map((x) => ({ value: x, label: topicText(x, lang) }))} data-testid="template-topic" />
              </Form.Item>
              <Form.Item name="channel" label={t('msg.channel')}>
                <Radio.Group data-testid="template-channel">
                  {SEND_CHANNELS.map((c) => (
                    <Radio key={c} value={c}>
                      {channelText(c, lang)}
                    </Radio>
                  ))}
                </Radio.Group>
              </Form.Item>
              <div className="msg-row" style={{ alignItems: 'flex-end' }}>
                <Form.Item name="vendorTemplateId" label={t('msg.tpl.vendorId')} rules={[zodRule(shape.vendorTemplateId, trim)]} style={{ flex: 1, minWidth: 240 }}>
                  <Input maxLength={64} spellCheck={false} data-testid="template-vendor-id" />
                </Form.Item>
                <Form.Item>
                  <Button icon={<ImportOutlined />} disabled={!channel || channel === 'sms'} title={channel === 'sms' ? t('msg.tpl.importNoSms') : undefined} onClick={() => setImporting(true)} data-testid="template-import">
                    {t('msg.tpl.import')}
                  </Button>
                </Form.Item>
              </div>
              <Form.Item name="name" label={t('msg.tpl.name')} rules={[zodRule(shape.name, trim)]}>
                <Input maxLength={40} data-testid="template-name" />
              </Form.Item>
              <Form.Item
                name="content"
                label={t('msg.tpl.content')}
                extra={smsMarketing ? t('msg.tpl.smsSuffix', { suffix: SMS_OPT_OUT_SUFFIX }) : t('msg.tpl.contentHint')}
                rules={[zodRule(shape.content, trim)]}
              >
                <Input.TextArea rows={3} maxLength={500} showCount data-testid="template-content" />
              </Form.Item>
              <div className="stat-label" style={{ marginBottom: 8 }}>{t('msg.tpl.fields')}</div>
              <VarChips topic={topic} onInsert={vars.insert} />
              <Form.List name="fields">
                {(list, { add, remove: drop }) => (
                  <>
                    {list.map((f, i) => (
                      <div key={f.key} className="msg-row" data-testid={`template-field-${i}`}>
                        <Form.Item name={[f.name, 'key']} rules={[zodRule(fieldShape.key, trim)]} style={{ width: 150 }}>
                          <Input placeholder={t('msg.tpl.fieldKey')} aria-label={t('msg.tpl.fieldKeyN', { n: i + 1 })} spellCheck={false} data-testid={`template-field-${i}-key`} />
                        </Form.Item>
                        <Form.Item name={[f.name, 'value']} rules={[zodRule(fieldShape.value, (x) => String(asText(x)))]} style={{ flex: 1, minWidth: 220 }}>
                          <Input placeholder={t('msg.tpl.fieldValue')} aria-label={t('msg.tpl.fieldValueN', { n: i + 1 })} maxLength={200} {...vars.bind(['fields', f.name, 'value'])} data-testid={`template-field-${i}-value`} />
                        </Form.Item>
                        <Button type="text" danger icon={<DeleteOutlined />} disabled={list.length <= 1} aria-label={t('msg.tpl.removeField', { n: i + 1 })} onClick={() => drop(f.name)} />
                      </div>
                    ))}
                    {list.length < 20 && (
                      <Button type="dashed" size="small" icon={<PlusOutlined />} onClick={() => add({ key: '', value: '' })} style={{ marginBottom: 16 }} data-testid="template-field-add">
                        {t('msg.tpl.addField')}
                      </Button>
                    )}
                  </>
                )}
              </Form.List>
              <Form.Item name="link" label={t('msg.tpl.link')} extra={t('msg.tpl.linkHint')} rules={[zodRule(shape.link, (x) => trim(x) || null)]}>
                <Input maxLength={300} placeholder="/pages/orders/detail?id={{orderNo}}" {...vars.bind(['link'])} data-testid="template-link" />
              </Form.Item>
              <Form.Item name="enabled" label={t('common.status')} valuePropName="checked">
                <Switch checkedChildren={t('common.enabled')} unCheckedChildren={t('common.disabled')} data-testid="template-enabled" />
              </Form.Item>
            </Form>
          </Col>
          <Col xs={24} md={9}>
            <div className="stat-label" style={{ marginBottom: 8 }}>{t('msg.tpl.livePreview')}</div>
            <TemplatePreview content={content} fields={fields} topic={topic} channel={channel} testId="template-live-preview" />
            <p className="muted" style={{ fontSize: 12, marginTop: 8 }}>{t('msg.tpl.livePreviewHint')}</p>
          </Col>
        </Row>
      </Modal>
      {channel && channel !== 'sms' && <VendorImport channel={channel} open={importing} onClose={() => setImporting(false)} onPick={applyVendor} />}
      <PreviewModal template={previewing} onClose={() => setPreviewing(null)} />
    </div>
  );
}
