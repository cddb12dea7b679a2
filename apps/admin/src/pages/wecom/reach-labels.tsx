import { Tag, Tooltip } from 'antd';
import { WECOM_HANDOVER_REFUSALS, WECOM_MASS_RECIPIENT_STATUS_LABELS, WECOM_MASS_TASK_STATUS_LABELS, type WecomHandoverCustomerState, type WecomMassAudience, type WecomMassRecipientStatus, type WecomMassTaskStatus } from '@siyu/contracts';
import { fmtDate } from '../../lib/format';
import { textLang, useI18n, type TFunction } from '../../lib/i18n';
import { HANDOVER_COLORS, handoverSegments, reasonParts } from './helpers-reach';
import type { HandoverCounts, HandoverRefusal, Moment, ReminderStatus, TodoStatus } from './types-reach';
import type { CorpTag } from './types';

const MASS_COLORS: Record<WecomMassTaskStatus, string> = { scheduled: 'purple', creating: 'blue', sending: 'gold', done: 'green', failed: 'red', cancelled: 'default' };
export function MassStatusTag({ status }: { status: WecomMassTaskStatus }) {
  const { lang } = useI18n();
  return <Tag color={MASS_COLORS[status]} data-testid="wecom-mass-status">{WECOM_MASS_TASK_STATUS_LABELS[status]?.[textLang(lang)] ?? status}</Tag>;
}

const RECIPIENT_COLORS: Record<WecomMassRecipientStatus, string> = { excluded: 'default', pending: 'blue', sent: 'green', not_friend: 'orange', received_other: 'orange', unconfirmed: 'red' };
export function RecipientStatusTag({ status }: { status: WecomMassRecipientStatus }) {
  const { lang } = useI18n();
  return <Tag color={RECIPIENT_COLORS[status]}>{WECOM_MASS_RECIPIENT_STATUS_LABELS[status]?.[textLang(lang)] ?? status}</Tag>;
}
export const recipientStatusText = (s: WecomMassRecipientStatus, lang: 'zh-CN' | 'en-US') => WECOM_MASS_RECIPIENT_STATUS_LABELS[s]?.[textLang(lang)] ?? s;

/** The contact budget's caps a mass-message recipient can hit (messaging/external-budget.ts). */
const BUDGET_CAPS = ['daily.total', 'daily.wecom', 'weekly.total', 'weekly.wecom'] as const;

/** A left-out reason in words (月上限 31 条, 拒收营销, 触达预算用完 …). */
export function reasonText(reason: string | null, t: TFunction): string {
  if (!reason) return '-';
  const { key, arg } = reasonParts(reason);
  if (key === 'opted_out') return t(arg === 'wecom' ? 'wecom.mass.reason.opted_out_wecom' : arg === 'all' ? 'wecom.mass.reason.opted_out_all' : 'wecom.mass.reason.opted_out');
  if (key === 'budget' && BUDGET_CAPS.includes(arg as (typeof BUDGET_CAPS)[number])) return t('wecom.mass.reason.budget', { arg: t(`wecom.mass.cap.${arg as (typeof BUDGET_CAPS)[number]}`) });
  return t(`wecom.mass.reason.${key}`, { arg });
}

/** Who a task reaches, in words: the tags by name, the customer group by name, or the senders' groups. */
export function audienceText(a: WecomMassAudience, t: TFunction, tags: Map<string, CorpTag>, groupName: (id: string) => string | undefined): string {
  if (a.kind === 'tags') return t('wecom.mass.aud.tagsOf', { tags: a.tagIds.map((id) => tags.get(id)?.name ?? id).join(t('common.listSep')) });
  if (a.kind === 'segment') return t('wecom.mass.aud.segmentOf', { name: groupName(a.groupId) ?? a.groupId.slice(0, 8) });
  return t('wecom.mass.aud.groups');
}

const MOMENT_COLORS: Record<Moment['status'], string> = { creating: 'blue', publishing: 'gold', done: 'green', failed: 'red' };
export function MomentStatusTag({ status }: { status: Moment['status'] }) {
  const { t } = useI18n();
  return <Tag color={MOMENT_COLORS[status]} data-testid="wecom-moment-status">{t(`wecom.moment.status.${status}`)}</Tag>;
}

const HANDOVER_TAG: Record<WecomHandoverCustomerState, string> = { requested: 'default', waiting: 'blue', done: 'green', refused: 'red', limit: 'orange', failed: 'magenta' };
export function HandoverStateTag({ state }: { state: WecomHandoverCustomerState }) {
  const { t } = useI18n();
  return <Tag color={HANDOVER_TAG[state]} data-testid="wecom-handover-state">{t(`wecom.ho.state.${state}`)}</Tag>;
}

export function HandoverStatusTag({ status }: { status: 'sending' | 'waiting' | 'done' }) {
  const { t } = useI18n();
  return <Tag color={status === 'done' ? 'green' : status === 'waiting' ? 'blue' : 'purple'}>{t(`wecom.ho.status.${status}`)}</Tag>;
}

/** A refusal's reason in words; the 90-day limit says when the customer can be handed over again. */
export function refusalText(r: HandoverRefusal, t: TFunction): string {
  if (r.reason === 'transfer_limit') return t('wecom.ho.refusal.transfer_limit', { n: r.count ?? 2, date: fmtDate(r.nextAllowedAt) });
  // A reason the server added after this console was built shows as the server wrote it.
  return (WECOM_HANDOVER_REFUSALS as readonly string[]).includes(r.reason) ? t(`wecom.ho.refusal.${r.reason as (typeof WECOM_HANDOVER_REFUSALS)[number]}`) : r.reason;
}

/** The customers of a handover as one stacked bar: done, refused, at limit, failed, waiting, not sent yet. */
export function HandoverBar({ counts, height = 10, testId }: { counts: HandoverCounts; height?: number; testId?: string }) {
  const { t } = useI18n();
  const segs = handoverSegments(counts);
  const label = segs.map((s) => `${t(`wecom.ho.state.${s.state}`)} ${s.n}`).join(t('common.listSep'));
  return (
    <div className="wecom-stack" style={{ height }} role="img" aria-label={label || '-'} data-testid={testId}>
      {segs.map((s) => (
        <Tooltip key={s.state} title={`${t(`wecom.ho.state.${s.state}`)} ${s.n}`}>
          <span style={{ width: `${s.percent}%`, background: HANDOVER_COLORS[s.state] }} />
        </Tooltip>
      ))}
    </div>
  );
}

const REMINDER_COLORS: Record<ReminderStatus, string> = { scheduled: 'purple', sending: 'blue', sent: 'green', skipped: 'default', failed: 'red', cancelled: 'default' };
export function ReminderStatusTag({ status }: { status: ReminderStatus }) {
  const { t } = useI18n();
  return <Tag color={REMINDER_COLORS[status]}>{t(`wecom.rem.status.${status}`)}</Tag>;
}
export function TodoTag({ todo }: { todo: TodoStatus | null }) {
  const { t } = useI18n();
  if (!todo) return <span className="muted">-</span>;
  return <Tag color={todo === 'done' ? 'green' : todo === 'open' ? 'gold' : 'default'}>{t(`wecom.rem.todo.${todo}`)}</Tag>;
}
