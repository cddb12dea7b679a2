import { Link } from 'react-router-dom';
import { type TableProps } from 'antd';
import { useAuth } from '../../lib/auth';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { LoadError } from '../../components/Results';
import { ChatFillList } from './labels-groups';
import { CodeListPage, useCodeStats } from './CodeListPage';
import QrImage, { qrPath } from './QrImage';
import type { GroupCode, GroupCodeStats } from './types-groups';
import './groups.css';

/**
 * 群活码: one QR code for up to five customer groups; WeCom puts a scanning customer in the first with room
 * and, when all are full, can open a new group by itself. The state tells which code a member came by.
 */
export default function GroupCodes() {
  const { t } = useI18n();
  const { can } = useAuth();
  const writable = can('messaging:write');
  const { data, error, loading, reload } = useApi<{ items: GroupCode[] }>('/wecom/group-codes');
  const { num } = useCodeStats<GroupCodeStats>('group-codes', data?.items);

  const columns: NonNullable<TableProps<GroupCode>['columns']> = [
    { title: t('wecom.code.qr'), key: 'qr', width: 112, render: (_, c) => <QrImage src={qrPath('group-codes', c.id)} original={c.qrCode} name={c.name} testId={`wecom-gcode-qr-${c.id}`} /> },
    {
      title: t('wecom.gcode.name'),
      key: 'name',
      width: 180,
      render: (_, c) => (
        <div>
          <Link to={`/wecom/group-codes/${c.id}/stats`} data-testid="wecom-gcode-name">{c.name}</Link>
          <div className="muted" style={{ fontSize: 12 }}>state: {c.state}</div>
        </div>
      ),
    },
    { title: t('wecom.gcode.chats'), key: 'chats', width: 260, render: (_, c) => <ChatFillList chats={c.chats} /> },
    {
      title: t('wecom.gcode.whenFull'),
      key: 'full',
      render: (_, c) => (c.autoCreateRoom ? <span style={{ fontSize: 13 }}>{t('wecom.gcode.autoCreateAs', { name: `${c.roomBaseName}${c.roomBaseId}` })}</span> : <span className="muted" style={{ fontSize: 13 }}>{t('wecom.gcode.noAutoCreate')}</span>),
    },
    {
      title: t('wecom.gcode.stats'),
      key: 'stats',
      width: 200,
      render: (_, c) => (
        <dl className="wecom-mini-stats" data-testid={`wecom-gcode-stats-cell-${c.id}`}>
          <dt>{t('wecom.gcode.joins')}</dt>
          <dd data-testid={`wecom-gcode-joins-${c.id}`}>{num(c.id, (s) => s.joins)}</dd>
          <dt>{t('wecom.gcode.stillIn')}</dt>
          <dd>{num(c.id, (s) => s.stillIn)}</dd>
          <dt>{t('wecom.gcode.left')}</dt>
          <dd>{num(c.id, (s) => s.left)}</dd>
        </dl>
      ),
    },
  ];

  if (error) return <LoadError error={error} onRetry={reload} />;

  return (
    <CodeListPage<GroupCode>
      kind="group-codes"
      texts={{ title: 'nav.wecomGroupCodes', intro: 'wecom.gcode.intro', create: 'wecom.gcode.new', stats: 'wecom.gcode.stats', deleteConfirm: 'wecom.gcode.deleteConfirm', empty: 'wecom.gcode.empty' }}
      testId="wecom-gcode"
      writable={writable}
      items={data?.items ?? []}
      loading={loading}
      reload={reload}
      columns={columns}
      minWidth={180}
    />
  );
}
