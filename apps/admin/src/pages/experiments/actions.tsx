import { useState, type ReactNode } from 'react';
import { Button, Modal, Popconfirm, Radio, Space, Tag } from 'antd';
import { PlayCircleOutlined, StopOutlined } from '@ant-design/icons';
import { api, ApiError } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { useI18n } from '../../lib/i18n';
import type { Experiment } from './types';

/**
 * Start and stop, shared by the list and the report. Stopping asks which variant everyone sees from then
 * on: the control (sent as null, "keep it as it was") or one of the variants.
 */
export function useExperimentActions(onChanged: (e: Experiment) => void, onConflict?: () => void) {
  const { t } = useI18n();
  const [busy, setBusy] = useState<string | null>(null);
  const [stopping, setStopping] = useState<{ e: Experiment; ship: string | null; winner: string | null } | null>(null);

  const call = async (e: Experiment, action: 'start' | 'stop', body?: unknown) => {
    setBusy(`${action}:${e.id}`);
    try {
      const next = await api.post<Experiment>(`/experiments/${e.id}/${action}`, body);
      feedback.message.success(t(`exp.done.${action}`));
      onChanged(next);
      return true;
    } catch (err) {
      showError(err);
      if (err instanceof ApiError && err.status === 409) onConflict?.();
      return false;
    } finally {
      setBusy(null);
    }
  };

  const startButton = (e: Experiment, size: 'small' | 'middle' = 'middle', link = false): ReactNode => (
    <Popconfirm
      title={e.status === 'stopped' ? t('exp.restartConfirm') : t('exp.startConfirm')}
      onConfirm={() => call(e, 'start')}
      okText={t('common.confirm')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'experiment-start-ok' } as never}
    >
      <Button type={link ? 'link' : 'primary'} size={size} icon={link ? undefined : <PlayCircleOutlined />} loading={busy === `start:${e.id}`} data-testid={`experiment-start-${e.key}`}>
        {e.status === 'stopped' ? t('exp.action.restart') : t('exp.action.start')}
      </Button>
    </Popconfirm>
  );

  const stopButton = (e: Experiment, winner: string | null = null, size: 'small' | 'middle' = 'middle', link = false): ReactNode => (
    <Button type={link ? 'link' : 'default'} danger size={size} icon={link ? undefined : <StopOutlined />} onClick={() => setStopping({ e, ship: winner, winner })} data-testid={`experiment-stop-${e.key}`}>
      {t('exp.action.stop')}
    </Button>
  );

  const stopModal = (
    <Modal
      open={!!stopping}
      title={t('exp.stop.title')}
      onCancel={() => setStopping(null)}
      onOk={async () => {
        if (stopping && (await call(stopping.e, 'stop', { ship: stopping.ship }))) setStopping(null);
      }}
      confirmLoading={!!stopping && busy === `stop:${stopping.e.id}`}
      okText={t('exp.stop.ok')}
      okButtonProps={{ danger: true, 'data-testid': 'experiment-stop-ok' } as never}
      cancelText={t('common.cancel')}
    >
      {stopping && (
        <>
          <p>{t('exp.stop.intro')}</p>
          <Radio.Group value={stopping.ship ?? ''} onChange={(ev) => setStopping({ ...stopping, ship: ev.target.value || null })} data-testid="experiment-ship">
            <Space orientation="vertical">
              {stopping.e.variants.map((v, i) => (
                <Radio key={v.key} value={i === 0 ? '' : v.key} data-testid={`experiment-ship-${v.key}`}>
                  <Space size={6}>
                    <span>{v.name}</span>
                    <span className="exp-code">{v.key}</span>
                    {i === 0 && <Tag>{t('exp.stop.keepControl')}</Tag>}
                    {stopping.winner === v.key && <Tag color="green">{t('exp.stop.winner')}</Tag>}
                  </Space>
                </Radio>
              ))}
            </Space>
          </Radio.Group>
          <p className="muted" style={{ marginTop: 12, fontSize: 12 }}>
            {t('exp.stop.hint')}
          </p>
        </>
      )}
    </Modal>
  );

  return { startButton, stopButton, stopModal, busy };
}
