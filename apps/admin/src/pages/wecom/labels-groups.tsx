import { Link } from 'react-router-dom';
import { Progress, Tag, Tooltip } from 'antd';
import { WECOM_SOP_ANCHOR_LABELS, type WecomSopAnchor } from '@siyu/contracts';
import { textLang, useI18n, type Lang, type TFunction } from '../../lib/i18n';
import { GROUP_QR_CAPACITY, fillPercent, groupStatusKey, sopScope, sopSegments } from './helpers-groups';
import type { GroupCode, GroupSop, SopCounts, SopRunStatus } from './types-groups';
import { reasonText } from './reach-labels';
import './reach.css';
import './groups.css';

const GROUP_STATUS_COLORS = ['green', 'orange', 'blue', 'default'] as const;
/** A group's status; a normal group shows none, as nearly every group is one. */
export function GroupStatusTag({ status, always }: { status: number; always?: boolean }) {
  const { t } = useI18n();
  if (status === 0 && !always) return null;
  return (
    <Tag color={GROUP_STATUS_COLORS[status] ?? 'default'} data-testid="wecom-group-status">
      {t(groupStatusKey(status))}
    </Tag>
  );
}

export const anchorText = (a: WecomSopAnchor, lang: Lang) => WECOM_SOP_ANCHOR_LABELS[a]?.[textLang(lang)] ?? a;

/** Which groups an SOP covers, in words: every group, N chosen groups, or the groups of some owners. */
export function sopScopeText(sop: Pick<GroupSop, 'chatIds' | 'owners'>, t: TFunction, ownerName: (u: string) => string): string {
  const scope = sopScope(sop);
  if (scope === 'chats') return t('wecom.sop.scope.chatsN', { n: sop.chatIds.length });
  if (scope === 'owners') return t('wecom.sop.scope.ownersOf', { names: sop.owners.map(ownerName).join(t('common.listSep')) });
  return t('wecom.sop.scope.all');
}

const RUN_COLORS: Record<SopRunStatus, string> = { queued: 'blue', sent: 'green', skipped: 'default' };
export function SopRunStatusTag({ status }: { status: SopRunStatus }) {
  const { t } = useI18n();
  return (
    <Tag color={RUN_COLORS[status] ?? 'default'} data-testid="wecom-sop-run-status">
      {t(`wecom.sop.run.${status}`)}
    </Tag>
  );
}

/**
 * Why a run was skipped or not sent: the SOP's own reasons (group-sops.ts) and what the mass task's recipient
 * became; a mass-message reason (monthly cap, opted out, contact budget …) reads as the mass screens say it.
 */
export const SOP_SKIP_REASONS = ['owner_left', 'not_contact', 'not_friend', 'received_other', 'task_failed', 'task_cancelled'] as const;
export function sopReasonText(reason: string, t: TFunction): string {
  const head = reason as (typeof SOP_SKIP_REASONS)[number];
  return SOP_SKIP_REASONS.includes(head) ? t(`wecom.sop.reason.${head}`) : reasonText(reason, t);
}

export const SOP_COLORS: Record<keyof SopCounts, string> = { sent: '#2fc25b', skipped: '#bfbfbf', queued: '#1677ff' };

/** An SOP's (or one step's) runs as one stacked bar: sent, skipped, still queued. */
export function SopBar({ counts, height = 10, testId }: { counts: SopCounts; height?: number; testId?: string }) {
  const { t } = useI18n();
  const segs = sopSegments(counts);
  const label = segs.map((s) => `${t(`wecom.sop.run.${s.key}`)} ${s.n}`).join(t('common.listSep'));
  return (
    <div className="wecom-stack" style={{ height }} role="img" aria-label={label || t('wecom.sop.noRuns')} data-testid={testId} data-sent={counts.sent} data-queued={counts.queued} data-skipped={counts.skipped}>
      {segs.map((s) => (
        <Tooltip key={s.key} title={`${t(`wecom.sop.run.${s.key}`)} ${s.n}`}>
          <span style={{ width: `${s.percent}%`, background: SOP_COLORS[s.key] }} />
        </Tooltip>
      ))}
    </div>
  );
}

/** The numbers under a bar: 已发送 3 · 排队中 2 · 已跳过 1, with the bar's colours. */
export function SopLegend({ counts }: { counts: SopCounts }) {
  const { t } = useI18n();
  return (
    <div className="wecom-legend">
      {(['sent', 'queued', 'skipped'] as const).map((k) => (
        <span key={k}>
          <i style={{ background: SOP_COLORS[k] }} aria-hidden />
          {t(`wecom.sop.run.${k}`)} <b>{counts[k]}</b>
        </span>
      ))}
    </div>
  );
}

/** A code's groups in the order WeCom fills them, each with how full it is of the 200 a QR code may bring. */
export function ChatFillList({ chats }: { chats: GroupCode['chats'] }) {
  const { t } = useI18n();
  return (
    <ul className="wecom-chat-list">
      {chats.map((c, i) => (
        <li key={c.chatId}>
          <span className="muted">{i + 1}.</span>
          <Link to={`/wecom/groups/${encodeURIComponent(c.chatId)}`} className="wecom-chat-name" title={c.name}>{c.name || t('wecom.grp.unnamed')}</Link>
          <Tooltip title={t('wecom.gcode.fill', { n: c.memberCount, max: GROUP_QR_CAPACITY })}>
            <Progress className="wecom-fill" percent={fillPercent(c.memberCount)} size="small" showInfo={false} status={c.memberCount >= GROUP_QR_CAPACITY ? 'exception' : 'normal'} aria-label={t('wecom.gcode.fill', { n: c.memberCount, max: GROUP_QR_CAPACITY })} />
          </Tooltip>
          <span className="muted" style={{ fontSize: 12 }}>{c.memberCount}</span>
        </li>
      ))}
    </ul>
  );
}
