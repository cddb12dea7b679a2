import { useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Alert, Button, Card, Empty, Modal, Skeleton } from 'antd';
import { ThunderboltOutlined } from '@ant-design/icons';
import type { JourneyBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { useApi } from '../../lib/hooks';
import { textLang, useI18n } from '../../lib/i18n';
import { NODE_ICONS, nodeKind } from './icons';
import { walkOrder } from './graph';
import { nodeTypeText, triggerText } from './labels';
import { playbook } from './normalize';
import type { Journey, Playbook } from './types';

const MAX_CHIPS = 9;

/** A playbook's flow in a line of chips: the trigger, then the nodes in walking order. */
export function FlowPreview({ body }: { body: JourneyBody }) {
  const { t, lang } = useI18n();
  const nodes = walkOrder(body);
  return (
    <div className="jr-preview" aria-label={t('jr.pb.preview')}>
      <span className="jr-chip jr-chip-entry">
        <ThunderboltOutlined /> {triggerText(body.trigger, t, lang)}
      </span>
      {nodes.slice(0, MAX_CHIPS).map((n) => (
        <span key={n.id} className="jr-chip-wrap">
          <span className="jr-arrow" aria-hidden>
            →
          </span>
          <span className={`jr-chip jr-kind-${nodeKind(n.type)}`}>
            {NODE_ICONS[n.type]} {nodeTypeText(n.type, lang)}
          </span>
        </span>
      ))}
      {nodes.length > MAX_CHIPS && <span className="muted"> … +{nodes.length - MAX_CHIPS}</span>}
    </div>
  );
}

/** 模板库: ready-made journeys (加购挽回, 生日关怀, 沉睡唤醒 …); using one makes a draft to edit. */
export default function PlaybookGallery({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const { data: raw, error, reload } = useApi<{ items: unknown[] }>(open ? '/journeys/playbooks' : null);
  const data = useMemo(() => (raw ? { items: raw.items.map(playbook).filter((p) => p.body && Array.isArray(p.body.nodes)) } : null), [raw]);
  const [using, setUsing] = useState<string | null>(null);

  const use = async (p: Playbook) => {
    setUsing(p.key);
    try {
      const j = await api.post<Journey>('/journeys/from-playbook', { key: p.key });
      feedback.message.success(t('jr.pb.created'));
      onClose();
      navigate(`/journeys/${j.id}`);
    } catch (err) {
      showError(err);
    } finally {
      setUsing(null);
    }
  };

  return (
    <Modal open={open} onCancel={onClose} footer={null} width={1000} title={t('jr.pb.title')} data-testid="jr-playbooks">
      <p className="muted msg-note">{t('jr.pb.intro')}</p>
      {error ? (
        <Alert type="error" showIcon title={error.message} action={<Button size="small" onClick={reload}>{t('common.retry')}</Button>} />
      ) : !data ? (
        <Skeleton active />
      ) : !data.items.length ? (
        <Empty description={t('jr.pb.empty')} />
      ) : (
        <div className="jr-playbooks">
          {data.items.map((p) => (
            <Card
              key={p.key}
              size="small"
              title={p.name[textLang(lang)]}
              data-testid={`jr-playbook-${p.key}`}
              actions={[
                <Button key="use" type="link" loading={using === p.key} disabled={!!using && using !== p.key} onClick={() => use(p)} data-testid={`jr-playbook-use-${p.key}`}>
                  {t('jr.pb.use')}
                </Button>,
              ]}
            >
              <p className="jr-playbook-desc">{p.description[textLang(lang)]}</p>
              <FlowPreview body={p.body} />
            </Card>
          ))}
        </div>
      )}
    </Modal>
  );
}
