import { useEffect, useState, type ReactNode } from 'react';
import { Button, Checkbox, Empty, Form, Input, Modal, Result, Spin, Switch, Tooltip } from 'antd';
import { CaretRightOutlined, DatabaseOutlined, DownloadOutlined, StarOutlined } from '@ant-design/icons';
import { InsightBody, type AnalysisKind, type AnalysisQuery, type AnalysisResult } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import type { MessageKey } from '../../lib/dict';
import { EventsContext } from './builder';
import { useLabels } from './labels';
import { exportQuery, fmtInt, type EngineStatus, type EventInfo, type Insight, type InsightRef } from './model';
import type { Analysis } from './useAnalysis';
import './analytics.css';

/** How far behind the loader is, in words: "3 分钟前". */
function agoText(iso: string, t: (k: MessageKey, v?: Record<string, string | number>) => string) {
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return t('an.status.secondsAgo', { n: s });
  if (s < 3600) return t('an.status.minutesAgo', { n: Math.floor(s / 60) });
  if (s < 86400) return t('an.status.hoursAgo', { n: Math.floor(s / 3600) });
  return t('an.status.daysAgo', { n: Math.floor(s / 86400) });
}

/** A small line under the title: which engine, how many events it holds, what still waits to be loaded. */
export function EngineStatusLine() {
  const { t } = useI18n();
  const { can } = useAuth();
  // The data-sources page is open to every staff member; the engine's state is analytics data.
  const { data, reload } = useApi<EngineStatus>(can('analytics:read') ? '/analytics/status' : null);
  useEffect(() => {
    const timer = setInterval(reload, 30_000);
    return () => clearInterval(timer);
  }, [reload]);
  if (!data) return null;
  return (
    <Tooltip title={data.lastLoadedAt ? t('an.status.lastLoaded', { time: fmtTime(data.lastLoadedAt) }) : t('an.status.neverLoaded')}>
      <span className="an-status muted" data-testid="analytics-status">
        <DatabaseOutlined aria-hidden /> {data.engine === 'clickhouse' ? 'ClickHouse' : 'DuckDB'} · {t('an.status.events', { n: fmtInt(data.events) })} · {data.pending > 0 ? t('an.status.pending', { n: fmtInt(data.pending) }) : t('an.status.upToDate')}
        {data.lastLoadedAt ? ` · ${t('an.status.loadedAgo', { ago: agoText(data.lastLoadedAt, t) })}` : ''}
      </span>
    </Tooltip>
  );
}

/** Page title, what the numbers mean, and the engine's state: the head of every analytics page. */
export function AnalyticsHead({ title, help, extra }: { title: string; help?: ReactNode; extra?: ReactNode }) {
  return (
    <>
      <div className="an-head">
        <h1 className="page-title">{title}</h1>
        <EngineStatusLine />
        <span className="spacer" />
        {extra}
      </div>
      {help && <div className="an-help muted">{help}</div>}
    </>
  );
}

interface ShellProps<K extends AnalysisKind> {
  kind: K;
  help: ReactNode;
  events: EventInfo[] | undefined;
  analysis: Analysis<K>;
  builder: ReactNode;
  isEmpty: (r: Extract<AnalysisResult, { kind: K }>) => boolean;
  children: (r: Extract<AnalysisResult, { kind: K }>, q: Extract<AnalysisQuery, { kind: K }>) => ReactNode;
}

/**
 * The frame of one analysis page: the builder, Run / Export / Save as insight, and the result under a
 * spinner that counts the seconds (a cold query over months of events can take a while).
 */
export function AnalysisShell<K extends AnalysisKind>({ kind, help, events, analysis, builder, isEmpty, children }: ShellProps<K>) {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const labels = useLabels();
  const { query, ran, result, running, error, elapsed, run, cancel, insight, setInsight } = analysis;
  const [exporting, setExporting] = useState(false);
  const [saving, setSaving] = useState(false);

  const doExport = async () => {
    if (!ran) return;
    setExporting(true);
    try {
      await exportQuery(ran, `${labels.kind(kind)}-${ran.from}-${ran.to}.xlsx`, lang);
    } catch (err) {
      showError(err);
    } finally {
      setExporting(false);
    }
  };

  return (
    <EventsContext.Provider value={events}>
      <div className="page-card" data-testid={`analysis-${kind}`}>
        <AnalyticsHead title={labels.kind(kind)} help={help} extra={insight ? <span className="muted" data-testid="analysis-insight-name">{t('an.fromInsight', { name: insight.name })}</span> : null} />
        <div className="an-builder">{query ? builder : <Spin />}</div>
        <div className="toolbar an-actions">
          <Button type="primary" icon={<CaretRightOutlined />} loading={running} disabled={!query} onClick={() => query && void run(query)} data-testid="analysis-run">
            {t('an.run')}
          </Button>
          {running && (
            <Button onClick={cancel} data-testid="analysis-cancel">
              {t('common.cancel')}
            </Button>
          )}
          <span className="spacer" />
          <Button icon={<DownloadOutlined />} disabled={!ran || running} loading={exporting} onClick={doExport} data-testid="analysis-export">
            {t('common.export')}
          </Button>
          {can('analytics:write') && (
            <Button icon={<StarOutlined />} disabled={!(ran ?? query)} onClick={() => setSaving(true)} data-testid="analysis-save">
              {t('an.saveInsight')}
            </Button>
          )}
        </div>
      </div>
      <div className="page-card an-result" data-testid="analysis-result" aria-busy={running || undefined}>
        <Spin spinning={running} description={running ? t('an.running', { n: elapsed }) : undefined}>
          {error && !result ? (
            <Result status="warning" title={t('an.failed')} subTitle={error.message} extra={query && <Button onClick={() => void run(query)}>{t('common.retry')}</Button>} />
          ) : result && ran ? (
            isEmpty(result) ? (
              <Empty description={t('an.empty')} data-testid="analysis-empty" />
            ) : (
              children(result, ran)
            )
          ) : (
            <div className="an-placeholder" />
          )}
        </Spin>
      </div>
      <SaveInsightModal open={saving} query={ran ?? query} insight={insight} onClose={() => setSaving(false)} onSaved={(i) => setInsight({ id: i.id, name: i.name, pinned: i.pinned })} />
    </EventsContext.Provider>
  );
}

/** 保存为洞察: a name and whether it is pinned to the board; from an opened insight, updates it unless saved as new. */
export function SaveInsightModal({ open, query, insight, onClose, onSaved }: { open: boolean; query: AnalysisQuery | null; insight: InsightRef | null; onClose: () => void; onSaved: (i: Insight) => void }) {
  const { t } = useI18n();
  const labels = useLabels();
  const [form] = Form.useForm<{ name: string; pinned: boolean; asNew: boolean }>();
  const [busy, setBusy] = useState(false);
  const asNew = Form.useWatch('asNew', form);

  useEffect(() => {
    if (!open || !query) return;
    form.resetFields();
    form.setFieldsValue(insight ? { name: insight.name, pinned: insight.pinned, asNew: false } : { name: `${labels.kind(query.kind)} ${query.from.slice(5)}~${query.to.slice(5)}`, pinned: false, asNew: false });
  }, [open]); // eslint-disable-line react-hooks/exhaustive-deps

  const submit = async () => {
    if (!query) return;
    const v = form.getFieldsValue(true) as { name: string; pinned: boolean; asNew: boolean };
    const body = validateBody(form, InsightBody, { name: String(asText(v.name)).trim(), query, pinned: !!v.pinned });
    if (!body) return;
    setBusy(true);
    try {
      const saved = insight && !v.asNew ? await api.put<Insight>(`/analytics/insights/${insight.id}`, body) : await api.post<Insight>('/analytics/insights', body);
      feedback.message.success(body.pinned ? t('an.insightSavedPinned') : t('an.insightSaved'));
      onSaved(saved);
      onClose();
    } catch (err) {
      if (!applyApiError(form, err)) showError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={insight && !asNew ? t('an.updateInsight') : t('an.saveInsight')}
      onCancel={onClose}
      onOk={submit}
      confirmLoading={busy}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'insight-save-ok' } as never}
      forceRender
    >
      <Form form={form} layout="vertical" name="saveInsight">
        <Form.Item name="name" label={t('an.insightName')} required rules={[zodRule(InsightBody.shape.name, (x) => String(asText(x)).trim())]}>
          <Input maxLength={40} showCount data-testid="insight-name" />
        </Form.Item>
        <Form.Item name="pinned" label={t('an.pinToBoard')} valuePropName="checked" extra={t('an.pinHint')}>
          <Switch data-testid="insight-pinned" />
        </Form.Item>
        {insight && (
          <Form.Item name="asNew" valuePropName="checked" style={{ marginBottom: 0 }}>
            <Checkbox data-testid="insight-as-new">{t('an.saveAsNew', { name: insight.name })}</Checkbox>
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
