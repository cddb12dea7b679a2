import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { Button, Form, Input, Modal, Space, Switch, Table, Tag } from 'antd';
import { InsightBody, type AnalysisKind } from '@siyu/contracts';
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
import { useLabels } from './labels';
import { openLink, type Insight } from './model';

const KIND_COLOR: Record<AnalysisKind, string> = { trends: 'blue', funnel: 'purple', retention: 'green', paths: 'cyan', lifecycle: 'gold', rfm: 'orange', attribution: 'red' };

/** 已保存洞察: open one on its page with its query, rename, pin to the board, delete. */
export default function Insights() {
  const { t } = useI18n();
  const { can } = useAuth();
  const writable = can('analytics:write');
  const labels = useLabels();
  const navigate = useNavigate();
  const { data, error, loading, reload, setData } = useApi<{ items: Insight[] }>('/analytics/insights');
  const [renaming, setRenaming] = useState<Insight | null>(null);
  const [busy, setBusy] = useState(false);
  const [pinning, setPinning] = useState<string | null>(null);
  const [form] = Form.useForm<{ name: string }>();

  useEffect(() => {
    if (renaming) form.setFieldsValue({ name: renaming.name });
  }, [renaming, form]);

  const put = (i: Insight, patch: Partial<Pick<Insight, 'name' | 'pinned'>>) => api.put<Insight>(`/analytics/insights/${i.id}`, { name: patch.name ?? i.name, query: i.query, pinned: patch.pinned ?? i.pinned });
  const replace = (saved: Insight) => setData((d) => (d ? { items: d.items.map((x) => (x.id === saved.id ? { ...x, ...saved } : x)) } : d));

  const togglePin = async (i: Insight, pinned: boolean) => {
    setPinning(i.id);
    try {
      replace(await put(i, { pinned }));
      feedback.message.success(pinned ? t('an.insights.pinned') : t('an.insights.unpinned'));
    } catch (err) {
      showError(err);
    } finally {
      setPinning(null);
    }
  };

  const rename = async () => {
    if (!renaming) return;
    const name = String(asText(form.getFieldValue('name'))).trim();
    const body = validateBody(form, InsightBody, { name, query: renaming.query, pinned: renaming.pinned });
    if (!body) return;
    setBusy(true);
    try {
      replace(await put(renaming, { name: body.name }));
      feedback.message.success(t('common.saved'));
      setRenaming(null);
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setBusy(false);
    }
  };

  const remove = async (i: Insight) => {
    try {
      await api.del(`/analytics/insights/${i.id}`);
      feedback.message.success(t('common.deleted'));
      reload();
    } catch (err) {
      showError(err);
    }
  };

  if (error) return <LoadError error={error} onRetry={reload} />;

  const open = (i: Insight) => {
    const link = openLink(i.query, i);
    navigate(link.to, { state: link.state });
  };

  return (
    <div className="page-card">
      <AnalyticsHead title={t('nav.analyticsInsights')} help={t('an.insights.help')} extra={<Link to="/analytics">{t('an.insights.toBoard')}</Link>} />
      <Table<Insight>
        rowKey="id"
        loading={loading}
        dataSource={data?.items ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: <span className="muted">{t('an.insights.empty')}</span> }}
        onRow={(i) => ({ 'data-testid': `insight-row-${i.name}` }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          {
            title: t('an.insightName'),
            dataIndex: 'name',
            render: (name: string, i) => (
              <Button type="link" style={{ padding: 0 }} onClick={() => open(i)} data-testid={`insight-open-${i.name}`}>
                {name}
              </Button>
            ),
          },
          { title: t('an.insights.kind'), key: 'kind', width: 130, render: (_, i) => <Tag color={KIND_COLOR[i.query.kind]}>{labels.kind(i.query.kind)}</Tag> },
          { title: t('an.range'), key: 'range', width: 210, render: (_, i) => `${i.query.from} ~ ${i.query.to}` },
          {
            title: t('an.insights.onBoard'),
            dataIndex: 'pinned',
            width: 110,
            render: (p: boolean, i) => <Switch size="small" checked={p} disabled={!writable} loading={pinning === i.id} onChange={(v) => togglePin(i, v)} aria-label={t('an.insights.pinAria', { name: i.name })} data-testid={`insight-pin-${i.name}`} />,
          },
          { title: t('common.createdAt'), dataIndex: 'createdAt', width: 180, render: fmtTime },
          {
            title: t('common.actions'),
            key: 'a',
            width: 200,
            render: (_, i) => (
              <Space size={0}>
                <Button type="link" size="small" onClick={() => open(i)}>
                  {t('an.insights.open')}
                </Button>
                {writable && (
                  <Button type="link" size="small" onClick={() => setRenaming(i)} data-testid={`insight-rename-${i.name}`}>
                    {t('an.insights.rename')}
                  </Button>
                )}
                {writable && <ConfirmDelete title={t('an.insights.deleteConfirm', { name: i.name })} onConfirm={() => remove(i)} testId={`insight-delete-${i.name}`} okTestId="insight-delete-ok" />}
              </Space>
            ),
          },
        ]}
      />
      <Modal
        open={!!renaming}
        title={t('an.insights.rename')}
        onCancel={() => setRenaming(null)}
        onOk={rename}
        confirmLoading={busy}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        okButtonProps={{ 'data-testid': 'insight-rename-ok' } as never}
        forceRender
      >
        <Form form={form} layout="vertical" name="renameInsight">
          <Form.Item name="name" label={t('an.insightName')} required rules={[zodRule(InsightBody.shape.name, (x) => String(asText(x)).trim())]}>
            <Input maxLength={40} showCount data-testid="insight-rename-input" />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
