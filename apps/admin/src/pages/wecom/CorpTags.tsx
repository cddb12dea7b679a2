import { useMemo, useState } from 'react';
import { AutoComplete, Button, Card, Empty, Form, Modal, Select, Space, Tag } from 'antd';
import { PlusOutlined, SyncOutlined } from '@ant-design/icons';
import { WecomCorpTagBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { LoadError } from '../../components/Results';
import { tagGroups } from './helpers';
import type { CorpTag } from './types';
import './wecom.css';

interface Values {
  groupName: string;
  names: string[];
}

const trim = (v: unknown) => String(asText(v)).trim();
const toBody = (v: Values) => ({ groupName: trim(v.groupName), names: (v.names ?? []).map((n) => n.trim()).filter(Boolean) });

/**
 * 企业标签: the corp's customer tags by group, as WeCom has them. New tags are made in WeCom first
 * (add_corp_tag), so staff see them in their app; tags made in WeCom's console arrive with 同步.
 */
export default function CorpTags() {
  const { t } = useI18n();
  const { can } = useAuth();
  const writable = can('customers:write');
  const { data, error, loading, reload } = useApi<{ items: CorpTag[] }>('/wecom/tags');
  const [form] = Form.useForm<Values>();
  const [creating, setCreating] = useState(false);
  const [saving, setSaving] = useState(false);
  const [syncing, setSyncing] = useState(false);
  const groups = useMemo(() => tagGroups(data?.items ?? []), [data]);

  const open = (groupName = '') => {
    form.resetFields();
    form.setFieldsValue({ groupName, names: [] });
    setCreating(true);
  };

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const body = validateBody(form, WecomCorpTagBody, toBody(form.getFieldsValue(true) as Values));
    if (!body) return;
    setSaving(true);
    try {
      const made = await api.post<{ groupId: string; tags: { id: string; name: string }[] }>('/wecom/tags', body);
      feedback.message.success(t('wecom.tags.created', { n: made.tags.length }));
      setCreating(false);
      reload();
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const sync = async () => {
    setSyncing(true);
    try {
      const r = await api.post<{ synced: number }>('/wecom/tags/sync');
      feedback.message.success(t('wecom.tags.synced', { n: r.synced }));
      reload();
    } catch (err) {
      showError(err);
    } finally {
      setSyncing(false);
    }
  };

  if (error) return <LoadError error={error} onRetry={reload} />;

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.wecomTags')}</h1>
      <p className="muted wecom-note">{t('wecom.tags.intro')}</p>
      {writable && (
        <div className="toolbar">
          <Space>
            <Button type="primary" icon={<PlusOutlined />} onClick={() => open()} data-testid="wecom-tag-new">
              {t('wecom.tags.new')}
            </Button>
            <Button icon={<SyncOutlined />} loading={syncing} onClick={sync} data-testid="wecom-tag-sync">
              {t('wecom.tags.sync')}
            </Button>
          </Space>
        </div>
      )}
      {!loading && !groups.length ? (
        <Empty description={t('wecom.tags.empty')} />
      ) : (
        <div className="wecom-tag-groups" data-testid="wecom-tag-groups">
          {groups.map((g) => (
            <Card
              key={g.groupId}
              size="small"
              title={g.groupName}
              extra={
                writable && (
                  <Button type="link" size="small" icon={<PlusOutlined />} onClick={() => open(g.groupName)} aria-label={t('wecom.tags.addTo', { name: g.groupName })}>
                    {t('wecom.tags.add')}
                  </Button>
                )
              }
              data-testid={`wecom-tag-group-${g.groupName}`}
            >
              {g.tags.map((x) => (
                <Tag key={x.id} className="wecom-tag">
                  {x.name}
                </Tag>
              ))}
            </Card>
          ))}
        </div>
      )}
      <Modal
        open={creating}
        title={t('wecom.tags.new')}
        onCancel={() => setCreating(false)}
        onOk={save}
        confirmLoading={saving}
        okText={t('common.create')}
        cancelText={t('common.cancel')}
        okButtonProps={{ 'data-testid': 'wecom-tag-save' } as never}
        forceRender
      >
        <Form<Values> form={form} layout="vertical" name="wecomTag" requiredMark={false}>
          <Form.Item name="groupName" label={t('wecom.tags.group')} extra={t('wecom.tags.groupHint')} rules={[zodRule(WecomCorpTagBody.shape.groupName, trim)]}>
            <AutoComplete options={groups.map((g) => ({ value: g.groupName }))} maxLength={30} filterOption={(input, o) => String(o?.value ?? '').includes(input)} data-testid="wecom-tag-group" />
          </Form.Item>
          <Form.Item name="names" label={t('wecom.tags.names')} extra={t('wecom.tags.namesHint')} rules={[zodRule(WecomCorpTagBody.shape.names, (v) => toBody({ groupName: '', names: (v as string[]) ?? [] }).names)]}>
            <Select mode="tags" open={false} suffixIcon={null} tokenSeparators={[',', ',', ' ']} placeholder={t('wecom.tags.namesPlaceholder')} data-testid="wecom-tag-names" />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
