import { useEffect, useState } from 'react';
import QRCode from 'qrcode';

/** The pickup code as a QR image, for store staff to scan (核销). */
export function QrCode({ value, label }: { value: string; label: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    QRCode.toDataURL(value, { margin: 1, width: 360, errorCorrectionLevel: 'M' })
      .then((url) => live && setSrc(url))
      .catch(() => live && setSrc(null));
    return () => {
      live = false;
    };
  }, [value]);
  return <div className="qr-wrap">{src ? <img src={src} alt={label} data-testid="pickup-qr" /> : <div style={{ width: 180, height: 180 }} aria-hidden="true" />}</div>;
}
