import { useState, type ReactNode } from 'react';
import { Alert, Button, Popconfirm, Progress, Row, Space, Statistic, Tag, type FormRule } from 'antd';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { useI18n, type TFunction } from '../../lib/i18n';
import { fmtMinute, phaseOf, type Phase } from './helpers';
import { formatFen } from '../../lib/money';
import { ActivityLink } from '../promotions/SalesListPage';
import type { ActivityStatus, CommissionStatus, GroupStatus, LaunchStatus, LeaderMode, PromoterStatus, WithdrawalStatus } from './types';

const PHASE_COLORS: Record<Phase, string> = { upcoming: 'blue', running: 'green', ended: 'default' };
export function PhaseTag({ a }: { a: { status: ActivityStatus; startsAt: string; endsAt: string } }) {
  const { t } = useI18n();
  const p = phaseOf(a);
  return (
    <Tag color={PHASE_COLORS[p]} data-testid="fission-phase">
      {t(`fission.phase.${p}`)}
    </Tag>
  );
}

/** An activity's name in the new-activity forms: required, at most 60 characters. */
export const fissionNameRules = (t: TFunction): FormRule[] => [
  { required: true, whitespace: true, message: t('common.required') },
  { max: 60, message: t('fission.nameMax') },
];

export function WindowText({ a }: { a: { startsAt: string; endsAt: string } }) {
  return (
    <span style={{ fontSize: 12 }}>
      {fmtMinute(a.startsAt)} ~ {fmtMinute(a.endsAt)}
    </span>
  );
}

/** A list's name cell: the name linking to the activity, its phase, then its window. */
export function ActivityNameCell({ a, basePath, testPrefix }: { a: { id: string; name: string; status: ActivityStatus; startsAt: string; endsAt: string }; basePath: string; testPrefix: string }) {
  return (
    <div>
      <Space size={6} wrap>
        <ActivityLink a={a} basePath={basePath} testPrefix={testPrefix} />
        <PhaseTag a={a} />
      </Space>
      <div className="muted">
        <WindowText a={a} />
      </div>
    </div>
  );
}

/**
 * A detail page's head: the name, its phase and the page's tags, the meta line, 结束 (POST `endPath`,
 * `onEnded` with the answer), then the page's stat tiles in a row.
 */
export function ActivityHeader<D>({
  a,
  testPrefix,
  tags,
  meta,
  endConfirm,
  endPath,
  onEnded,
  children,
}: {
  a: { name: string; status: ActivityStatus; startsAt: string; endsAt: string };
  /** `${testPrefix}-header`, `${testPrefix}-end`. */
  testPrefix: string;
  tags: ReactNode;
  meta: ReactNode;
  endConfirm: string;
  endPath: string;
  onEnded: (next: D) => void;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const { can } = useAuth();
  const [busy, setBusy] = useState(false);
  const end = async () => {
    setBusy(true);
    try {
      onEnded(await api.post<D>(endPath));
      feedback.message.success(t('fission.ended'));
    } catch (err) {
      showError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="page-card" data-testid={`${testPrefix}-header`}>
      <div className="promo-head">
        <div>
          <Space size={8} wrap>
            <h1>{a.name}</h1>
            <PhaseTag a={a} />
            {tags}
          </Space>
          <div className="promo-meta">{meta}</div>
        </div>
        <span className="spacer" />
        {can('promotions:write') && phaseOf(a) !== 'ended' && (
          <Popconfirm title={endConfirm} onConfirm={end} okText={t('fission.end')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
            <Button danger loading={busy} data-testid={`${testPrefix}-end`}>
              {t('fission.end')}
            </Button>
          </Popconfirm>
        )}
      </div>
      <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
        {children}
      </Row>
    </div>
  );
}

/** One figure of a detail page's head. */
export function StatTile({ label, value, testId }: { label: string; value: string | number; testId: string }) {
  return <Statistic title={<span className="stat-label">{label}</span>} value={value} data-testid={testId} />;
}

export function ProductCell({ title, imageUrl, sub }: { title: string; imageUrl: string | null; sub?: string }) {
  return (
    <div className="product-cell">
      {imageUrl ? <img src={imageUrl} alt="" style={{ width: 36, height: 36 }} /> : <span className="img-placeholder" style={{ width: 36, height: 36 }} />}
      <div>
        <div>{title}</div>
        {sub && (
          <div className="muted" style={{ fontSize: 12 }}>
            {sub}
          </div>
        )}
      </div>
    </div>
  );
}

const LEADER_COLORS: Record<LeaderMode, string> = { same: 'default', discount: 'orange', free: 'red' };
export function LeaderModeTag({ mode }: { mode: LeaderMode }) {
  const { t } = useI18n();
  return <Tag color={LEADER_COLORS[mode]}>{t(`fission.gb.leader.${mode}`)}</Tag>;
}

const GROUP_COLORS: Record<GroupStatus, string> = { open: 'processing', succeeded: 'green', failed: 'red' };
export function GroupStatusTag({ status }: { status: GroupStatus }) {
  const { t } = useI18n();
  return <Tag color={GROUP_COLORS[status]}>{t(`fission.gb.group.${status}`)}</Tag>;
}

const LAUNCH_COLORS: Record<LaunchStatus, string> = { ongoing: 'processing', succeeded: 'green', expired: 'default', ordered: 'purple' };
export function LaunchStatusTag({ status }: { status: LaunchStatus }) {
  const { t } = useI18n();
  return <Tag color={LAUNCH_COLORS[status] ?? 'default'}>{t(`fission.bg.launch.${status}`)}</Tag>;
}

const PROMOTER_COLORS: Record<PromoterStatus, string> = { pending: 'gold', approved: 'green', rejected: 'red', disabled: 'default' };
export function PromoterStatusTag({ status }: { status: PromoterStatus }) {
  const { t } = useI18n();
  return <Tag color={PROMOTER_COLORS[status] ?? 'default'}>{t(`fission.ds.promoter.${status}`)}</Tag>;
}

const COMMISSION_COLORS: Record<CommissionStatus, string> = { frozen: 'blue', payable: 'green', cancelled: 'default' };
export function CommissionStatusTag({ status }: { status: CommissionStatus }) {
  const { t } = useI18n();
  return <Tag color={COMMISSION_COLORS[status] ?? 'default'}>{t(`fission.ds.commission.${status}`)}</Tag>;
}

const WITHDRAWAL_COLORS: Record<WithdrawalStatus, string> = {
  reviewing: 'gold',
  approved: 'blue',
  transferring: 'processing',
  wait_confirm: 'cyan',
  paid: 'green',
  rejected: 'red',
  failed: 'volcano',
};
export function WithdrawalStatusTag({ status }: { status: WithdrawalStatus }) {
  const { t } = useI18n();
  return <Tag color={WITHDRAWAL_COLORS[status] ?? 'default'}>{t(`fission.ds.wd.${status}`)}</Tag>;
}

/** A failed load shown in place (the rest of the page stays usable), with a retry. */
export function ErrorBar({ error, onRetry }: { error: Error | null; onRetry: () => void }) {
  const { t } = useI18n();
  if (!error) return null;
  return (
    <Alert
      type="error"
      showIcon
      title={`${t('common.loadFailed')}: ${error.message}`}
      action={
        <Button size="small" onClick={onRetry}>
          {t('common.retry')}
        </Button>
      }
      style={{ marginBottom: 12 }}
      data-testid="fission-load-error"
    />
  );
}

/**
 * A bargain's way down, start → floor: the bar fills as the price drops, the text says where it stands
 * now and how many helpers cut so far.
 */
export function BargainProgress({ startFen, floorFen, currentFen, helps, needed }: { startFen: number; floorFen: number; currentFen: number; helps?: number; needed?: number }) {
  const { t } = useI18n();
  const span = Math.max(1, startFen - floorFen);
  const pct = Math.min(100, Math.max(0, Math.round(((startFen - currentFen) / span) * 100)));
  return (
    <div style={{ minWidth: 200 }} data-testid="bargain-progress">
      <Progress percent={pct} size="small" status={pct >= 100 ? 'success' : 'active'} aria-label={t('fission.bg.progress')} />
      <div className="muted" style={{ fontSize: 12 }}>
        {formatFen(startFen)} → <b style={{ color: '#cf1322' }}>{formatFen(currentFen)}</b> → {formatFen(floorFen)}
        {helps !== undefined && needed !== undefined && <span> · {t('fission.bg.helpsOf', { n: helps, m: needed })}</span>}
      </div>
    </div>
  );
}

/** A group's seats: real members in the success colour, 系统补位 seats after them, empty seats grey. */
export function GroupFill({ size, filled, virtualSeats }: { size: number; filled: number; virtualSeats: number }) {
  const { t } = useI18n();
  const real = Math.min(size, filled);
  const total = Math.min(size, filled + virtualSeats);
  return (
    <div style={{ minWidth: 150 }} data-testid="group-fill">
      <Progress
        percent={Math.round((total / Math.max(1, size)) * 100)}
        success={{ percent: Math.round((real / Math.max(1, size)) * 100) }}
        size="small"
        // A full group would turn the figure green on white (too faint to read); the bar alone shows success.
        status="normal"
        format={() => `${total}/${size}`}
        aria-label={t('fission.gb.fill')}
      />
      {virtualSeats > 0 && (
        <div className="muted" style={{ fontSize: 12 }}>
          {t('fission.gb.virtualCount', { n: virtualSeats })}
        </div>
      )}
    </div>
  );
}

export { bpText, durationText, fmtMinute, pctToBp, phaseOf } from './helpers';
