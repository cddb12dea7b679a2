import { useMemo } from 'react';
import { Link } from 'react-router-dom';
import { Tag, Tooltip, type TableProps } from 'antd';
import { useAuth } from '../../lib/auth';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import { LoadError } from '../../components/Results';
import { scheduleText } from './helpers';
import { CorpTagList } from './labels';
import { CodeListPage, useCodeStats } from './CodeListPage';
import QrImage, { qrPath } from './QrImage';
import type { ChannelCode, ChannelCodeStats, CorpTag, StaffMember } from './types';

/**
 * 渠道活码: 联系我 codes with a state that tells which code a customer came through; who answers
 * (one member or a rotation, by schedule, with a backup), the tags and welcome a new customer gets, and
 * what the customers added through each code did afterwards.
 */
export default function ChannelCodes() {
  const { t } = useI18n();
  const { can } = useAuth();
  const writable = can('messaging:write');
  const { data, error, loading, reload } = useApi<{ items: ChannelCode[] }>('/wecom/channel-codes');
  const staff = useApi<{ items: StaffMember[] }>('/wecom/staff');
  const tags = useApi<{ items: CorpTag[] }>(can('customers:read') ? '/wecom/tags' : null);
  const { num } = useCodeStats<ChannelCodeStats>('channel-codes', data?.items);
  const names = useMemo(() => new Map((staff.data?.items ?? []).map((s) => [s.userid, s.name])), [staff.data]);
  const tagMap = useMemo(() => new Map((tags.data?.items ?? []).map((x) => [x.id, x])), [tags.data]);
  const who = (ids: string[]) => ids.map((u) => names.get(u) ?? u).join(t('common.listSep'));

  const columns: NonNullable<TableProps<ChannelCode>['columns']> = [
    { title: t('wecom.code.qr'), key: 'qr', width: 112, render: (_, c) => <QrImage src={qrPath('channel-codes', c.id)} original={c.qrCode} name={c.name} testId={`wecom-code-qr-${c.id}`} /> },
    {
      title: t('wecom.code.name'),
      key: 'name',
      width: 180,
      render: (_, c) => (
        <div>
          <Link to={`/wecom/channel-codes/${c.id}/stats`} data-testid="wecom-code-name">{c.name}</Link>
          <div className="muted" style={{ fontSize: 12 }}>state: {c.state}</div>
          <Tag style={{ marginTop: 4 }}>{c.mode === 'single' ? t('wecom.code.mode.single') : t('wecom.code.mode.rotation')}</Tag>
        </div>
      ),
    },
    {
      title: t('wecom.code.members'),
      key: 'members',
      width: 190,
      render: (_, c) => (
        <div style={{ fontSize: 13 }}>
          <div>
            <span className="muted">{t('wecom.code.now')}</span> <span data-testid={`wecom-code-current-${c.id}`}>{who(c.currentUsers) || '-'}</span>
          </div>
          {c.schedules.length > 0 && (
            <Tooltip title={c.schedules.map((s, i) => <div key={i}>{scheduleText(s, t)}: {who(s.users)}</div>)}>
              <div className="muted">{t('wecom.code.schedulesN', { n: c.schedules.length })}</div>
            </Tooltip>
          )}
          {c.backupUserid && <div className="muted">{t('wecom.code.backupIs', { name: names.get(c.backupUserid) ?? c.backupUserid })}</div>}
        </div>
      ),
    },
    {
      title: t('wecom.code.onAdd'),
      key: 'onAdd',
      render: (_, c) => (
        <div>
          <CorpTagList ids={c.tagIds} tags={tagMap} />
          {c.welcome ? (
            <Tooltip title={c.welcome.text}>
              <div className="clamp-2" style={{ fontSize: 12, marginTop: 4 }}>
                {c.welcome.couponTemplateId && <Tag color="orange">{t('wecom.code.withCoupon')}</Tag>}
                {c.welcome.miniprogram && <Tag color="blue">{t('wecom.code.withMini')}</Tag>}
                {c.welcome.text}
              </div>
            </Tooltip>
          ) : (
            <div className="muted" style={{ fontSize: 12 }}>{t('wecom.code.noWelcome')}</div>
          )}
        </div>
      ),
    },
    {
      title: t('wecom.code.stats'),
      key: 'stats',
      width: 190,
      render: (_, c) => (
        <dl className="wecom-mini-stats" data-testid={`wecom-code-stats-cell-${c.id}`}>
          <dt>{t('wecom.stats.adds')}</dt>
          <dd data-testid={`wecom-code-adds-${c.id}`}>{num(c.id, (s) => s.adds)}</dd>
          <dt>{t('wecom.stats.deletions')}</dt>
          <dd>{num(c.id, (s) => s.deletions)}</dd>
          <dt>{t('wecom.stats.firstOrders')}</dt>
          <dd>{num(c.id, (s) => s.firstOrders)}</dd>
          <dt>{t('wecom.stats.revenue')}</dt>
          <dd>{num(c.id, (s) => formatFen(s.revenueFen, true))}</dd>
        </dl>
      ),
    },
  ];

  if (error) return <LoadError error={error} onRetry={reload} />;

  return (
    <CodeListPage<ChannelCode>
      kind="channel-codes"
      texts={{ title: 'nav.wecomCodes', intro: 'wecom.code.intro', create: 'wecom.code.new', stats: 'wecom.code.stats', deleteConfirm: 'wecom.code.deleteConfirm', empty: 'wecom.code.empty' }}
      testId="wecom-code"
      writable={writable}
      items={data?.items ?? []}
      loading={loading}
      reload={reload}
      columns={columns}
      minWidth={220}
    />
  );
}
