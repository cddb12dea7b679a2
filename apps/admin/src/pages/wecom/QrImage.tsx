import { useState } from 'react';
import { QrcodeOutlined } from '@ant-design/icons';
import { API_BASE } from '../../lib/api';
import { useI18n } from '../../lib/i18n';

/** The server's copy of a code's QR (its `/qr` route): the console's CSP allows images of its own origin only. */
export const qrPath = (kind: 'channel-codes' | 'group-codes', id: string) => `${API_BASE}/wecom/${kind}/${id}/qr`;

/**
 * A code's QR image, fetched by the server from where WeCom hosts it (wework.qpic.cn). When that fails
 * (WeCom unreachable), a link opens WeCom's own URL in a tab of its own.
 */
export default function QrImage({ src, original, name, big, testId }: { src: string; original: string; name: string; big?: boolean; testId?: string }) {
  const { t } = useI18n();
  const [failed, setFailed] = useState(false);
  if (failed) {
    return (
      <a href={original} target="_blank" rel="noreferrer" className={big ? 'wecom-qr-big wecom-qr-missing' : 'wecom-qr wecom-qr-missing'} data-testid={testId}>
        <QrcodeOutlined aria-hidden style={{ fontSize: big ? 48 : 28 }} />
        <span>{t('wecom.code.openQr')}</span>
      </a>
    );
  }
  return <img src={src} alt={t('wecom.code.qrAlt', { name })} className={big ? 'wecom-qr-big' : 'wecom-qr'} loading="lazy" onError={() => setFailed(true)} data-testid={testId} />;
}
