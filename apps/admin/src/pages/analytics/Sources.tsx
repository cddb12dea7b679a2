import { useState } from 'react';
import { Alert, Button, Form, Input, Modal, Select, Table, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { WriteKeyBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { LoadError } from '../../components/Results';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { AnalyticsHead } from './AnalysisShell';
import type { WriteKey } from './model';

/** A write key is a secret: the table shows its ends, copying gives all of it. */
const masked = (key: string) => (key.length > 12 ? `${key.slice(0, 8)}…${key.slice(-4)}` : key);

/** The Segment-style calls a site, app or server makes with a write key. */
function examples(endpoint: string, key: string) {
  const base = endpoint.replace(/\/+$/, '');
  const track = `curl -X POST '${base}/track' \\
  -u '${key}:' \\
  -H 'Content-Type: application/json' \\
  -d '{
    "anonymousId": "device-7f3a2c",
    "event": "product_viewed",
    "properties": { "product_id": "P1001", "price_fen": 9900 },
    "context": { "campaign": { "source": "wechat", "medium": "moments", "name": "spring" } }
  }'`;
  const identify = `curl -X POST '${base}/identify' \\
  -u '${key}:' \\
  -H 'Content-Type: application/json' \\
  -d '{
    "anonymousId": "device-7f3a2c",
    "userId": "13800138000",
    "traits": { "phone": "13800138000" }
  }'`;
  return { track, identify };
}

/** 数据接入: write keys for sending events from outside the mall (own site, app, offline systems). */
export default function Sources() {
  const { t } = useI18n();
  const { can } = useAuth();
  const writable = can('analytics:write');
  const { data, error, loading, reload } = useApi<{ items: WriteKey[]; endpoint: string }>('/analytics/write-keys');
  const [creating, setCreating] = useState(false);
  const [saving, setSaving] = useState(false);
  const [created, setCreated] = useState<WriteKey | null>(null);
  const [exampleKey, setExampleKey] = useState<string | undefined>();
  const [form] = Form.useForm<{ name: string }>();

  const create = async () => {
    const body = validateBody(form, WriteKeyBody, { name: String(asText(form.getFieldValue('name'))).trim() });
    if (!body) return;
    setSaving(true);
    try {
      const key = await api.post<WriteKey>('/analytics/write-keys', body);
      setCreating(false);
      setCreated(key);
      setExampleKey(key.id);
      reload();
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const remove = async (k: WriteKey) => {
    try {
      await api.del(`/analytics/write-keys/${k.id}`);
      feedback.message.success(t('an.src.deleted'));
      if (exampleKey === k.id) setExampleKey(undefined);
      reload();
    } catch (err) {
      showError(err);
    }
  };

  if (error) return <LoadError error={error} onRetry={reload} />;

  const keys = data?.items ?? [];
  const chosen = keys.find((k) => k.id === exampleKey) ?? keys[0];
  const ex = data ? examples(data.endpoint, chosen?.key ?? 'YOUR_WRITE_KEY') : null;

  return (
    <div>
      <div className="page-card">
        <AnalyticsHead
          title={t('nav.analyticsSources')}
          help={t('an.src.help')}
          extra={
            writable && (
              <Button
                type="primary"
                icon={<PlusOutlined />}
                onClick={() => {
                  form.resetFields();
                  setCreating(true);
                }}
                data-testid="write-key-new"
              >
                {t('an.src.new')}
              </Button>
            )
          }
        />
        {!writable && <Alert type="info" showIcon title={t('an.src.readOnly')} style={{ marginBottom: 12 }} />}
        <Table<WriteKey>
          rowKey="id"
          loading={loading}
          dataSource={keys}
          pagination={false}
          locale={{ emptyText: <span className="muted">{t('an.src.empty')}</span> }}
          onRow={(k) => ({ 'data-testid': `write-key-row-${k.name}` }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { title: t('an.src.name'), dataIndex: 'name' },
            {
              title: t('an.src.key'),
              dataIndex: 'key',
              render: (key: string) => (
                <Typography.Text code copyable={{ text: key, tooltips: [t('common.copy'), t('common.copied')] }} data-testid="write-key-value">
                  {masked(key)}
                </Typography.Text>
              ),
            },
            { title: t('common.createdAt'), dataIndex: 'createdAt', width: 180, render: fmtTime },
            { title: t('an.src.lastUsed'), dataIndex: 'lastUsedAt', width: 180, render: (v: string | null) => (v ? fmtTime(v) : <span className="muted">{t('an.src.neverUsed')}</span>) },
            ...(writable
              ? [
                  {
                    title: t('common.actions'),
                    key: 'a',
                    width: 100,
                    render: (_: unknown, k: WriteKey) => <ConfirmDelete title={t('an.src.deleteConfirm', { name: k.name })} onConfirm={() => remove(k)} testId={`write-key-delete-${k.name}`} okTestId="write-key-delete-ok" />,
                  },
                ]
              : []),
          ]}
        />
      </div>
      {data && ex && (
        <div className="page-card" data-testid="write-key-howto">
          <h2 className="an-section-title">{t('an.src.howTo')}</h2>
          <div className="an-howto-line">
            <span className="stat-label">{t('an.src.endpoint')}</span>
            <Typography.Text code copyable={{ text: data.endpoint, tooltips: [t('common.copy'), t('common.copied')] }} data-testid="write-key-endpoint">
              {data.endpoint}
            </Typography.Text>
          </div>
          {keys.length > 1 && (
            <div className="an-howto-line">
              <span className="stat-label">{t('an.src.exampleKey')}</span>
              <Select value={chosen?.id} onChange={setExampleKey} options={keys.map((k) => ({ value: k.id, label: k.name }))} style={{ width: 220 }} aria-label={t('an.src.exampleKey')} />
            </div>
          )}
          <p className="muted">{t('an.src.howToTrack')}</p>
          <Typography.Paragraph copyable={{ text: ex.track, tooltips: [t('common.copy'), t('common.copied')] }}>
            <pre className="an-code" data-testid="write-key-example">{ex.track}</pre>
          </Typography.Paragraph>
          <p className="muted">{t('an.src.howToIdentify')}</p>
          <Typography.Paragraph copyable={{ text: ex.identify, tooltips: [t('common.copy'), t('common.copied')] }}>
            <pre className="an-code">{ex.identify}</pre>
          </Typography.Paragraph>
          <ul className="muted an-howto-notes">
            <li>{t('an.src.noteAuth')}</li>
            <li>{t('an.src.noteUtm')}</li>
            <li>{t('an.src.noteMoney')}</li>
          </ul>
        </div>
      )}
      <Modal open={creating} title={t('an.src.new')} onCancel={() => setCreating(false)} onOk={create} confirmLoading={saving} okText={t('common.create')} cancelText={t('common.cancel')} okButtonProps={{ 'data-testid': 'write-key-create' } as never} forceRender>
        <Form form={form} layout="vertical" name="writeKey">
          <Form.Item name="name" label={t('an.src.name')} required rules={[zodRule(WriteKeyBody.shape.name, (x) => String(asText(x)).trim())]} extra={t('an.src.nameHint')}>
            <Input maxLength={40} placeholder={t('an.src.namePlaceholder')} data-testid="write-key-name" />
          </Form.Item>
        </Form>
      </Modal>
      <Modal open={!!created} title={t('an.src.createdTitle')} onCancel={() => setCreated(null)} onOk={() => setCreated(null)} okText={t('common.confirm')} cancelButtonProps={{ style: { display: 'none' } }}>
        <Alert type="success" showIcon title={t('an.src.createdHint')} style={{ marginBottom: 12 }} />
        <Typography.Paragraph copyable={{ text: created?.key ?? '' }} code data-testid="write-key-created">
          {created?.key}
        </Typography.Paragraph>
      </Modal>
    </div>
  );
}
