import { useMemo } from 'react';
import type { MessageKey } from '../../lib/dict';
import { segmentsEn, segmentsZh, type SegmentsKey } from '../../lib/dict-segments';
import { textLang, useI18n } from '../../lib/i18n';
import { translator, type SegTranslate } from './segment-rule';

export type SegT = (key: MessageKey | SegmentsKey, vars?: Record<string, string | number>) => string;

/**
 * The console's `t` that also knows the segment keys (lib/dict-segments.ts). Once dict.ts spreads
 * segmentsZh / segmentsEn like its other parts, this is plain `useI18n().t` and can go.
 */
export function useSegI18n() {
  const { t, lang } = useI18n();
  return useMemo(() => {
    const dict: Record<string, string> = lang === 'zh-CN' ? segmentsZh : segmentsEn;
    const seg = translator(dict);
    const st: SegT = (key, vars) => (key in dict ? seg(key as SegmentsKey, vars) : t(key as MessageKey, vars));
    return { t: st, seg: seg as SegTranslate, lang, tl: textLang(lang) };
  }, [t, lang]);
}
