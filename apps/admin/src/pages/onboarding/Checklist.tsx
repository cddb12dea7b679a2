import { Button, Card, Progress, Skeleton } from 'antd';
import { CheckCircleFilled, RightOutlined } from '@ant-design/icons';
import { Link } from 'react-router-dom';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { showError } from '../../lib/feedback';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import type { MessageKey } from '../../lib/dict';

interface ChecklistData {
  steps: { key: 'wechat_pay' | 'first_product' | 'first_coupon'; done: boolean; path: string }[];
  completed: number;
  total: number;
  done: boolean;
  dismissed: boolean;
  visible: boolean;
}

const STEP_TEXT: Record<ChecklistData['steps'][number]['key'], { title: MessageKey; hint: MessageKey; action: MessageKey }> = {
  wechat_pay: { title: 'guide.wechatPay', hint: 'guide.wechatPayHint', action: 'guide.wechatPayAction' },
  first_product: { title: 'guide.product', hint: 'guide.productHint', action: 'guide.productAction' },
  first_coupon: { title: 'guide.coupon', hint: 'guide.couponHint', action: 'guide.couponAction' },
};

/**
 * 开店引导 on the dashboard: the new shop's first steps, each done when the data says so, each linking
 * to the page that does it. Shown until every step is done or someone hides it.
 */
export default function Checklist() {
  const { t } = useI18n();
  const { can } = useAuth();
  const { data, loading, setData } = useApi<ChecklistData>(can('dashboard:read') ? '/onboarding/checklist' : null);

  if (loading && !data) {
    return (
      <Card className="onb-checklist" variant="borderless" aria-busy="true">
        <Skeleton active paragraph={{ rows: 3 }} />
      </Card>
    );
  }
  if (!data?.visible) return null;

  const hide = async () => {
    try {
      setData(await api.put<ChecklistData>('/onboarding/checklist', { dismissed: true }));
    } catch (err) {
      showError(err);
    }
  };

  return (
    <Card
      className="onb-checklist"
      variant="borderless"
      data-testid="onboarding-checklist"
      title={
        <div className="onb-checklist-title">
          <span>{t('guide.title')}</span>
          <Progress
            percent={Math.round((data.completed / data.total) * 100)}
            steps={data.total}
            size="small"
            aria-label={t('guide.progressLabel', { done: data.completed, total: data.total })}
            format={() => t('guide.progress', { done: data.completed, total: data.total })}
          />
        </div>
      }
      extra={
        can('settings:write') ? (
          <Button type="link" onClick={hide} data-testid="onboarding-dismiss">
            {t('guide.dismiss')}
          </Button>
        ) : null
      }
    >
      <p className="muted" style={{ marginTop: 0 }}>{t('guide.subtitle')}</p>
      <ol className="onb-checklist-steps">
        {data.steps.map((s, i) => (
          <li key={s.key} className={s.done ? 'done' : undefined} data-testid={`onboarding-step-${s.key}`} data-done={s.done}>
            <span className="onb-checklist-mark" aria-hidden>
              {s.done ? <CheckCircleFilled /> : i + 1}
            </span>
            <div className="onb-checklist-text">
              <strong>{t(STEP_TEXT[s.key].title)}</strong>
              <span className="muted">{s.done ? t('guide.stepDone') : t(STEP_TEXT[s.key].hint)}</span>
            </div>
            {!s.done && (
              <Link to={s.path} className="onb-checklist-go" data-testid={`onboarding-go-${s.key}`}>
                {t(STEP_TEXT[s.key].action)} <RightOutlined />
              </Link>
            )}
          </li>
        ))}
      </ol>
    </Card>
  );
}
