import { Button, DotLoading, Toast } from 'antd-mobile';
import { useState } from 'react';
import { Page } from '../../components/Page';
import { ErrorState } from '../../components/States';
import { api, errorMessage } from '../../lib/api';
import { useLoad } from '../../lib/hooks';
import '../messages/messages.css';

/**
 * 健康信息授权: the customer's separate consent (单独同意) to the shop's staff keeping and seeing their health
 * data, such as a glasses prescription. A staff member sends this page from the WeCom sidebar; withdrawing
 * hides what was kept at once.
 */
export default function HealthConsent() {
  const { data, setData, error, loading, reload } = useLoad(() => api<{ granted: boolean }>('GET', '/wecom/health-consent'), []);
  const [saving, setSaving] = useState(false);
  const set = async (granted: boolean) => {
    setSaving(true);
    try {
      setData(await api<{ granted: boolean }>('PUT', '/wecom/health-consent', { body: { granted } }));
      Toast.show({ content: granted ? '已同意' : '已撤回同意' });
    } catch (err) {
      Toast.show({ content: errorMessage(err) });
    } finally {
      setSaving(false);
    }
  };
  return (
    <Page title="健康信息授权" back="/me">
      <div className="card msg-section" data-testid="health-consent">
        <header>
          <h2>验光处方等健康信息</h2>
        </header>
        <p className="msg-consent-text">
          为了给您配镜、复查和售后服务,门店店员可以在企业微信中记录并查看您的验光处方等健康信息。健康信息属于敏感个人信息,
          仅在您单独同意后记录和显示,只有正在为您服务的店员可以看到;您可以随时撤回,撤回后店员将不再看到这些信息。
        </p>
        {loading && !data && (
          <p className="msg-consent-text" aria-busy="true"><DotLoading color="primary" /></p>
        )}
        {error && <ErrorState error={error} onRetry={() => void reload()} />}
        {data && (
          <div className="msg-row">
            <span className="grow">
              <span className="msg-label">当前状态</span>
              <span className={`msg-pill${data.granted ? ' on' : ''}`} data-testid="health-consent-state">{data.granted ? '已同意' : '未同意'}</span>
            </span>
            {data.granted ? (
              <Button size="small" loading={saving} onClick={() => void set(false)}>撤回同意</Button>
            ) : (
              <Button size="small" color="primary" loading={saving} onClick={() => void set(true)} data-testid="health-consent-grant">同意</Button>
            )}
          </div>
        )}
      </div>
    </Page>
  );
}
