import { Alert } from 'antd';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';

interface ShopStatus {
  status: 'active' | 'suspended';
  suspendedAt: string | null;
  suspensionReason: string | null;
}

/** Across the top of every console page while the platform has the shop suspended. */
export default function SuspendedBanner() {
  const { t } = useI18n();
  const { data } = useApi<ShopStatus>('/shop');
  if (data?.status !== 'suspended') return null;
  return (
    <Alert
      type="error"
      showIcon
      banner
      role="alert"
      data-testid="shop-suspended-banner"
      title={t('suspended.title')}
      description={t('suspended.description', { reason: data.suspensionReason ?? t('suspended.noReason') })}
      style={{ marginBottom: 12 }}
    />
  );
}
