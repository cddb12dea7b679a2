import type { ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import { Button, Space } from 'antd';
import { DownloadOutlined, EditOutlined } from '@ant-design/icons';
import { useAuth } from '../../lib/auth';
import { useI18n } from '../../lib/i18n';
import QrImage, { qrPath } from './QrImage';

/**
 * The head of a code's statistics page (渠道活码 / 群活码): its name and state, 编辑 for those who may, the big QR
 * code with its download, and the code's own settings beside it. A deleted code has no settings (`code` null):
 * the title and `notice` still show.
 */
export function CodeStatsHead({ kind, code, title, state, notice, testPrefix, children }: {
  kind: 'channel-codes' | 'group-codes';
  code: { id: string; name: string; qrCode: string } | null | undefined;
  title: ReactNode;
  state: string | null | undefined;
  notice?: ReactNode;
  /** wecom-code / wecom-gcode: `${testPrefix}-stats-edit`, `-qr-big`, `-download`, `-info`. */
  testPrefix: string;
  /** The Descriptions.Items of the code's settings. */
  children?: ReactNode;
}) {
  const { t } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  return (
    <div className="page-card">
      <Space style={{ width: '100%', justifyContent: 'space-between' }} align="start" wrap>
        <div>
          <h1 className="page-title" style={{ marginBottom: 4 }}>{title}</h1>
          {state && <div className="muted">state: {state}</div>}
        </div>
        {code && can('messaging:write') && (
          <Button icon={<EditOutlined />} onClick={() => navigate(`/wecom/${kind}/${code.id}`)} data-testid={`${testPrefix}-stats-edit`}>
            {t('common.edit')}
          </Button>
        )}
      </Space>
      {notice}
      {code && (
        <div className="wecom-code-head">
          <div style={{ textAlign: 'center' }}>
            <QrImage src={qrPath(kind, code.id)} original={code.qrCode} name={code.name} big testId={`${testPrefix}-qr-big`} />
            <Button type="link" icon={<DownloadOutlined />} href={code.qrCode} download={`${code.name}.png`} target="_blank" rel="noreferrer" data-testid={`${testPrefix}-download`}>
              {t('wecom.code.download')}
            </Button>
          </div>
          {children}
        </div>
      )}
    </div>
  );
}
