import { Tag } from 'antd';
import { EXPERIMENT_STATUS_LABELS, VERDICT_LABELS, type ExperimentStatus } from '@siyu/contracts';
import { textLang, useI18n, type Lang } from '../../lib/i18n';
import type { Verdict } from './types';

/** Names of statuses and verdicts come from the contracts, in the console's language. */
export const statusText = (s: ExperimentStatus, lang: Lang) => EXPERIMENT_STATUS_LABELS[s]?.[textLang(lang)] ?? s;
export const verdictText = (v: Verdict, lang: Lang) => VERDICT_LABELS[v]?.[textLang(lang)] ?? v;

const STATUS_COLORS: Record<ExperimentStatus, string> = { draft: 'default', running: 'blue', stopped: 'green' };

export function ExperimentStatusTag({ status }: { status: ExperimentStatus }) {
  const { lang } = useI18n();
  return (
    <Tag color={STATUS_COLORS[status]} data-testid="experiment-status" data-status={status}>
      {statusText(status, lang)}
    </Tag>
  );
}

export const VERDICT_COLORS: Record<Verdict, string> = { variant_wins: 'green', control_wins: 'orange', no_difference_yet: 'default', srm: 'red', too_small: 'blue' };

export function VerdictTag({ verdict }: { verdict: Verdict }) {
  const { lang } = useI18n();
  return (
    <Tag color={VERDICT_COLORS[verdict]} data-testid="experiment-verdict-tag" data-verdict={verdict}>
      {verdictText(verdict, lang)}
    </Tag>
  );
}
