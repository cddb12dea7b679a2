import { useMemo, useState } from 'react';
import { Alert, Button, Form, Input, InputNumber, Modal, Radio, Select, Space, Table, Tag, Tooltip, type TableProps } from 'antd';
import { DownloadOutlined, PlusOutlined } from '@ant-design/icons';
import { QrCodeBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import Chart from '../../components/Chart';
import { LoadError } from '../../components/Results';
import type { CustomerGroup, CustomerTag } from '../customers/audience';
import type { QrCode } from './types';
import './messaging.css';

interface Values {
  name: string;
  kind: 'temporary' | 'permanent';
  expireDays: number | null;
  tagIds: string[];
  groupId: string | undefined;
  welcome: string;
}

const shape = QrCodeBody.shape;
const trim = (v: unknown) => String(asText(v)).trim();

function toBody(v: Values) {
  return {
    name: trim(v.name),
    kind: v.kind,
    expireDays: v.kind === 'temporary' ? (v.expireDays ?? Number.NaN) : 30,
    tagIds: v.tagIds ?? [],
    groupId: v.groupId ?? null,
    welcome: trim(v.welcome) || null,
  };
}

const fileName = (q: QrCode) => `${q.name.replace(/[\\/:*?"<>|]/g, '_')}.png`;

/** Scans and follows of one code as two short bars. */
function ScanChart({ q }: { q: QrCode }) {
  const { t } = useI18n();
  const option = useMemo(
    () => ({
      grid: { left: 8, right: 40, top: 4, bottom: 4, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', show: false, minInterval: 1 },
      yAxis: { type: 'category', data: [t('msg.qr.follows'), t('msg.qr.scans')], axisTick: { show: false }, axisLine: { show: false } },
      series: [
        {
          type: 'bar',
          barWidth: 12,
          data: [
            { value: q.follows, itemStyle: { color: '#2fc25b' } },
            { value: q.scans, itemStyle: { color: '#155bd4' } },
          ],
          label: { show: true, position: 'right' },
        },
      ],
    }),
    [q.scans, q.follows, t],
  );
  return <Chart option={option} height={64} label={t('msg.qr.chartLabel', { name: q.name, scans: q.scans, follows: q.follows })} testId={`qr-chart-${q.id}`} />;
}

/**
 * 渠道二维码: official-account QR codes with a scene. A follower who scans one is tagged, put into a group
 * and greeted as set here; each code counts its scans and follows.
 */
export default function QrCodes() {
  const { t } = useI18n();
  const { can } = useAuth();
  const writable = can('messaging:write');
  const { data, error, loading, reload } = useApi<{ items: QrCode[] }>('/messaging/qr-codes');
  const tags = useApi<{ items: CustomerTag[] }>(can('customers:read') ? '/tags' : null);
  const groups = useApi<{ items: CustomerGroup[] }>(can('customers:read') ? '/groups' : null);
  const [creating, setCreating] = useState(false);
  const [saving, setSaving] = useState(false);
  const [created, setCreated] = useState<QrCode | null>(null);
  const [form] = Form.useForm<Values>();
  const kind = Form.useWatch('kind', form);

  const tagNames = useMemo(() => new Map((tags.data?.items ?? []).map((x) => [x.id, x])), [tags.data]);
  const groupNames = useMemo(() => new Map((groups.data?.items ?? []).map((g) => [g.id, g.name])), [groups.data]);
  // Source tags are kept by the system; a code may only put manual tags on.
  const tagOptions = (tags.data?.items ?? []).filter((x) => x.kind === 'manual').map((x) => ({ value: x.id, label: x.name }));
  const groupOptions = (groups.data?.items ?? []).filter((g) => g.kind === 'static').map((g) => ({ value: g.id, label: g.name }));

  const open = () => {
    form.resetFields();
    form.setFieldsValue({ name: '', kind: 'temporary', expireDays: 30, tagIds: [], groupId: undefined, welcome: '' });
    setCreating(true);
  };

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const body = validateBody(form, QrCodeBody, toBody(form.getFieldsValue(true) as Values));
    if (!body) return;
    setSaving(true);
    try {
      const q = await api.post<QrCode>('/messaging/qr-codes', body);
      feedback.message.success(t('msg.qr.created'));
      setCreating(false);
      setCreated(q);
      reload();
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const columns: TableProps<QrCode>['columns'] = [
    {
      title: t('msg.qr.image'),
      key: 'img',
      width: 120,
      render: (_, q) => <img src={q.imageUrl} alt={t('msg.qr.imageAlt', { name: q.name })} className="msg-qr-img" loading="lazy" data-testid={`qr-image-${q.id}`} />,
    },
    {
      title: t('msg.qr.name'),
      dataIndex: 'name',
      render: (_, q) => (
        <div>
          <div data-testid="qr-name-cell">{q.name}</div>
          <div className="muted" style={{ fontSize: 12 }}>
            {q.kind === 'permanent' ? t('msg.qr.kind.permanent') : t('msg.qr.expiresAt', { time: fmtTime(q.expiresAt) })}
          </div>
          <div className="muted" style={{ fontSize: 12 }}>{t('msg.qr.scene', { scene: q.scene })}</div>
        </div>
      ),
    },
    {
      title: t('msg.qr.onFollow'),
      key: 'follow',
      render: (_, q) => (
        <div>
          {q.tagIds.length > 0 && (
            <div>
              {q.tagIds.map((id) => (
                <Tag key={id} color={tagNames.get(id)?.color}>
                  {tagNames.get(id)?.name ?? id.slice(0, 8)}
                </Tag>
              ))}
            </div>
          )}
          {q.groupId && <div className="muted" style={{ fontSize: 12 }}>{t('msg.qr.toGroup', { name: groupNames.get(q.groupId) ?? q.groupId.slice(0, 8) })}</div>}
          {q.welcome ? (
            <Tooltip title={q.welcome}>
              <div className="clamp-2" style={{ fontSize: 12 }}>{q.welcome}</div>
            </Tooltip>
          ) : (
            <div className="muted" style={{ fontSize: 12 }}>{t('msg.qr.defaultWelcome')}</div>
          )}
        </div>
      ),
    },
    {
      title: t('msg.qr.stats'),
      key: 'stats',
      width: 220,
      render: (_, q) => (
        <div data-testid={`qr-stats-${q.id}`} data-scans={q.scans} data-follows={q.follows}>
          <ScanChart q={q} />
        </div>
      ),
    },
    { title: t('common.createdAt'), dataIndex: 'createdAt', width: 170, render: fmtTime },
    {
      title: t('common.actions'),
      key: 'a',
      width: 110,
      fixed: 'right',
      render: (_, q) => (
        <Button type="link" size="small" icon={<DownloadOutlined />} href={q.imageUrl} download={fileName(q)} data-testid={`qr-download-${q.id}`}>
          {t('msg.qr.download')}
        </Button>
      ),
    },
  ];

  if (error) return <LoadError error={error} onRetry={reload} />;

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.msgQrCodes')}</h1>
      <p className="muted msg-note">{t('msg.qr.intro')}</p>
      <div className="toolbar">
        {writable && (
          <Button type="primary" icon={<PlusOutlined />} onClick={open} data-testid="qr-new">
            {t('msg.qr.new')}
          </Button>
        )}
      </div>
      <Table<QrCode>
        rowKey="id"
        loading={loading}
        dataSource={data?.items ?? []}
        columns={columns}
        scroll={data?.items.length ? { x: 1000 } : undefined}
        pagination={{ pageSize: 20, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
        locale={{ emptyText: <span className="muted">{t('msg.qr.empty')}</span> }}
        onRow={(q) => ({ 'data-testid': `qr-row-${q.name}` }) as React.HTMLAttributes<HTMLElement>}
      />

      <Modal
        open={creating}
        width={600}
        title={t('msg.qr.new')}
        onCancel={() => setCreating(false)}
        onOk={save}
        confirmLoading={saving}
        okText={t('msg.qr.create')}
        cancelText={t('common.cancel')}
        okButtonProps={{ 'data-testid': 'qr-save' } as never}
        forceRender
      >
        <Form<Values> form={form} layout="vertical" name="qrCode" requiredMark={false} data-testid="qr-form">
          <Form.Item name="name" label={t('msg.qr.name')} extra={t('msg.qr.nameHint')} rules={[zodRule(shape.name, trim)]}>
            <Input maxLength={40} data-testid="qr-name" />
          </Form.Item>
          <Form.Item name="kind" label={t('msg.qr.kind')} extra={kind === 'permanent' ? t('msg.qr.permanentHint') : t('msg.qr.temporaryHint')}>
            <Radio.Group data-testid="qr-kind">
              <Radio value="temporary" data-testid="qr-kind-temporary">{t('msg.qr.kind.temporary')}</Radio>
              <Radio value="permanent" data-testid="qr-kind-permanent">{t('msg.qr.kind.permanent')}</Radio>
            </Radio.Group>
          </Form.Item>
          {kind !== 'permanent' && (
            <Form.Item name="expireDays" label={t('msg.qr.expireDays')} rules={[zodRule(shape.expireDays, (v) => (v === null || v === undefined ? Number.NaN : v))]}>
              <InputNumber min={1} max={30} precision={0} suffix={t('promo.daysUnit')} style={{ width: 160 }} data-testid="qr-expire-days" />
            </Form.Item>
          )}
          <Form.Item name="tagIds" label={t('msg.qr.tags')} extra={can('customers:read') ? t('msg.qr.tagsHint') : t('msg.qr.noCustomerRead')} rules={[zodRule(shape.tagIds, (v) => v ?? [])]}>
            <Select mode="multiple" allowClear options={tagOptions} loading={tags.loading} disabled={!can('customers:read')} showSearch={{ optionFilterProp: 'label' }} placeholder={t('msg.qr.tagsPlaceholder')} maxCount={10} data-testid="qr-tags" />
          </Form.Item>
          <Form.Item name="groupId" label={t('msg.qr.group')} extra={t('msg.qr.groupHint')}>
            <Select allowClear options={groupOptions} loading={groups.loading} disabled={!can('customers:read')} showSearch={{ optionFilterProp: 'label' }} placeholder={t('msg.qr.groupPlaceholder')} data-testid="qr-group" />
          </Form.Item>
          <Form.Item name="welcome" label={t('msg.qr.welcome')} extra={t('msg.qr.welcomeHint')} rules={[zodRule(shape.welcome, (v) => trim(v) || null)]}>
            <Input.TextArea rows={3} maxLength={600} showCount data-testid="qr-welcome" />
          </Form.Item>
        </Form>
      </Modal>

      <Modal
        open={!!created}
        title={t('msg.qr.createdTitle', { name: created?.name ?? '' })}
        onCancel={() => setCreated(null)}
        footer={
          created && (
            <Space>
              <Button icon={<DownloadOutlined />} href={created.imageUrl} download={fileName(created)} data-testid="qr-created-download">
                {t('msg.qr.download')}
              </Button>
              <Button type="primary" onClick={() => setCreated(null)} data-testid="qr-created-close">
                {t('msg.qr.done')}
              </Button>
            </Space>
          )
        }
      >
        {created && (
          <div style={{ textAlign: 'center' }}>
            <img src={created.imageUrl} alt={t('msg.qr.imageAlt', { name: created.name })} className="msg-qr-big" data-testid="qr-created-image" />
            <div className="muted">{created.kind === 'permanent' ? t('msg.qr.kind.permanent') : t('msg.qr.expiresAt', { time: fmtTime(created.expiresAt) })}</div>
            {created.url && (
              <Alert type="info" showIcon style={{ marginTop: 12, textAlign: 'left' }} title={t('msg.qr.url')} description={<span style={{ wordBreak: 'break-all' }} data-testid="qr-created-url">{created.url}</span>} />
            )}
          </div>
        )}
      </Modal>
    </div>
  );
}
