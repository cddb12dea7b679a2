import { useCallback, useMemo } from 'react';
import { EVENT_LABELS, RFM_LABELS, type AnalysisKind, type RfmType } from '@siyu/contracts';
import { textLang, useI18n } from '../../lib/i18n';
import type { MessageKey } from '../../lib/dict';

const BUILTIN_LABEL: Record<string, MessageKey> = {
  $source: 'an.prop.$source',
  $medium: 'an.prop.$medium',
  $campaign: 'an.prop.$campaign',
  $channel: 'an.prop.$channel',
  $os: 'an.prop.$os',
  $path: 'an.prop.$path',
};

/** Names shown for events, properties, kinds and breakdown values, in the console's language. */
export function useLabels() {
  const { t, lang } = useI18n();
  const tl = textLang(lang);
  const event = useCallback((name: string) => (name === '$any' ? t('an.anyEvent') : (EVENT_LABELS[name]?.[tl] ?? name)), [t, tl]);
  const property = useCallback((name: string) => (BUILTIN_LABEL[name] ? t(BUILTIN_LABEL[name]) : name), [t]);
  const kind = useCallback((k: AnalysisKind) => t(`an.kind.${k}`), [t]);
  /** A breakdown value: missing is null, (direct) is attribution's "no touch". */
  const value = useCallback((v: string | null) => (v === null || v === '' ? t('an.valueNone') : v === '(direct)' ? t('an.direct') : v), [t]);
  const rfm = useCallback((type: RfmType) => RFM_LABELS[type][tl], [tl]);
  return useMemo(() => ({ event, property, kind, value, rfm }), [event, property, kind, value, rfm]);
}
export type Labels = ReturnType<typeof useLabels>;
