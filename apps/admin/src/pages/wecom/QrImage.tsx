import { useState } from 'react';
import { QrcodeOutlined } from '@ant-design/icons';
import { useI18n } from '../../lib/i18n';

/**
 * A code's QR image as WeCom serves it. The console's CSP allows images from its own origin only, so a
 * code hosted by WeCom (wework.qpic.cn) cannot show inline; then a link opens it in a tab of its own.
 */
export default function QrImage({ src, name, big, testId }: { src: string; name: string; big?: boolean; testId?: string }) {
  const { t } = useI18n();
  const [failed, setFailed] = useState(false);
  if (failed) {
    return (
      <a href={src} target="_blank" rel="noreferrer" className={big ? 'wecom-qr-big wecom-qr-missing' : 'wecom-qr wecom-qr-missing'} data-testid={testId}>
        <QrcodeOutlined aria-hidden style={{ fontSize: big ? 48 : 28 }} />
        <span>{t('wecom.code.openQr')}</span>
      </a>
    );
  }
  return <img src={src} alt={t('wecom.code.qrAlt', { name })} className={big ? 'wecom-qr-big' : 'wecom-qr'} loading="lazy" onError={() => setFailed(true)} data-testid={testId} />;
}
