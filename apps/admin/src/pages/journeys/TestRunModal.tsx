import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Empty, Modal, Select, Space, Spin, Timeline } from 'antd';
import { PlayCircleOutlined } from '@ant-design/icons';
import type { JourneyNode } from '@siyu/contracts';
import { api } from '../../lib/api';
import { showError } from '../../lib/feedback';
import { fmtTime } from '../../lib/format';
import { useI18n } from '../../lib/i18n';
import type { Customer, Paged } from '../../lib/types';
import { ENTRY } from './graph';
import { nodeTypeText } from './labels';
import { testRun } from './normalize';
import type { TestRun, TestRunStep } from './types';

const customerLabel = (c: Customer) => [c.nickname, c.phone].filter(Boolean).join(' · ') || c.id.slice(0, 8);

/** The outcome codes the engine reports, in words when known (yes / no / timeout / sent …), else as sent. */
function outcomeText(o: string, t: (k: never, v?: Record<string, string | number>) => string) {
  const known = ['yes', 'no', 'timeout', 'sent', 'skipped', 'failed', 'waited', 'entered', 'exited', 'converted', 'holdout', 'capped', 'given', 'tagged', 'called', 'done', 'passed', 'no_date', 'issued', 'queued', 'duplicate', 'awarded', 'untagged'];
  return known.includes(o) ? t(`jr.outcome.${o}` as never) : o;
}

/**
 * 测试运行: walks one chosen customer through the saved journey without acting on them (the server's
 * dry run) and shows the steps; the path is highlighted on the canvas.
 */
export default function TestRunModal({ journeyId, open, onClose, onSteps, nodes }: { journeyId: string; open: boolean; onClose: () => void; onSteps: (s: TestRunStep[] | null) => void; nodes: Map<string, JourneyNode> }) {
  const { t, lang } = useI18n();
  const [options, setOptions] = useState<Customer[]>([]);
  const [searching, setSearching] = useState(false);
  const [customerId, setCustomerId] = useState<string | undefined>();
  const [running, setRunning] = useState(false);
  const [run, setRun] = useState<TestRun | null>(null);
  const steps = run?.steps ?? null;
  const ctl = useRef<AbortController | null>(null);

  const search = async (q: string) => {
    ctl.current?.abort();
    const c = new AbortController();
    ctl.current = c;
    setSearching(true);
    try {
      const res = await api.get<Paged<Customer>>('/customers', { q: q.trim() || undefined, page: 1, pageSize: 20 }, { signal: c.signal });
      setOptions(res.items);
    } catch (err) {
      showError(err);
    } finally {
      if (!c.signal.aborted) setSearching(false);
    }
  };

  useEffect(() => {
    if (open && !options.length) void search('');
    return () => ctl.current?.abort();
  }, [open]); // eslint-disable-line react-hooks/exhaustive-deps

  const start = async () => {
    if (!customerId) return;
    setRunning(true);
    try {
      const res = testRun(await api.post<unknown>(`/journeys/${journeyId}/test-run`, { customerId }));
      setRun(res);
      onSteps(res.steps);
    } catch (err) {
      showError(err);
    } finally {
      setRunning(false);
    }
  };

  return (
    <Modal open={open} onCancel={onClose} title={t('jr.test.title')} footer={<Button onClick={onClose}>{t('jr.test.close')}</Button>} width={560} destroyOnHidden={false} data-testid="jr-test-modal">
      <p className="muted msg-note">{t('jr.test.intro')}</p>
      <Alert type="warning" showIcon title={t('jr.test.real')} style={{ marginBottom: 12 }} />
      <Space.Compact style={{ width: '100%', marginBottom: 16 }}>
        <Select
          showSearch
          filterOption={false}
          onSearch={(q) => void search(q)}
          value={customerId}
          onChange={setCustomerId}
          placeholder={t('jr.test.pick')}
          notFoundContent={searching ? <Spin size="small" /> : t('jr.test.noCustomer')}
          options={options.map((c) => ({ value: c.id, label: customerLabel(c) }))}
          style={{ flex: 1 }}
          aria-label={t('jr.test.pick')}
          data-testid="jr-test-customer"
        />
        <Button type="primary" icon={<PlayCircleOutlined />} disabled={!customerId} loading={running} onClick={start} data-testid="jr-test-run">
          {t('jr.test.run')}
        </Button>
      </Space.Compact>
      {running && !steps ? (
        <Spin />
      ) : steps === null ? null : steps.length === 0 ? (
        <Empty description={t('jr.test.noSteps')} />
      ) : (
        <>
          <Alert type="info" showIcon title={t('jr.test.highlighted', { n: steps.length })} description={run?.status ? t('jr.test.ended', { status: outcomeText(run.status, t as never) }) : undefined} style={{ marginBottom: 12 }} />
          {run?.error && <Alert type="error" showIcon title={t('jr.test.error', { error: run.error })} style={{ marginBottom: 12 }} />}
          <Timeline
            data-testid="jr-test-steps"
            items={steps.map((s, i) => {
              const node = nodes.get(s.nodeId);
              return {
                key: i,
                color: ['failed', 'capped'].includes(s.outcome) ? 'red' : s.outcome === 'timeout' || s.outcome === 'no' ? 'orange' : 'blue',
                content: (
                  <div data-testid={`jr-test-step-${i}`}>
                    <strong>{s.nodeId === ENTRY ? t('jr.entry') : nodeTypeText(node?.type ?? s.type, lang)}</strong> <span className="muted">{s.nodeId}</span>
                    <div>
                      {outcomeText(s.outcome, t as never)}
                      {s.at && <span className="muted"> · {fmtTime(s.at)}</span>}
                    </div>
                  </div>
                ),
              };
            })}
          />
        </>
      )}
    </Modal>
  );
}
