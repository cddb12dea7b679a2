import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { z } from 'zod';
import { en as zodEn, zhCN as zodZhCN } from 'zod/locales';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { en, zh, ZH_CONTRACT_MESSAGES, type MessageKey } from './dict';
import { setApiLanguage } from './api';

export type Lang = 'zh-CN' | 'en-US';
/** The language key of texts rendered from server codes (@siyu/contracts: timeline notes, reasons, promotion labels). */
export const textLang = (lang: Lang): 'zh' | 'en' => (lang === 'zh-CN' ? 'zh' : 'en');
const STORAGE_KEY = 'siyu.admin.lang';

function initialLang(): Lang {
  const saved = localStorage.getItem(STORAGE_KEY);
  return saved === 'en-US' ? 'en-US' : 'zh-CN';
}

/** Applies a language everywhere outside React: API Accept-Language, zod messages, dayjs, <html lang>. */
function applyLang(lang: Lang) {
  setApiLanguage(lang);
  z.config(lang === 'zh-CN' ? zodZhCN() : zodEn());
  dayjs.locale(lang === 'zh-CN' ? 'zh-cn' : 'en');
  document.documentElement.lang = lang;
}

let current: Lang = initialLang();
applyLang(current);

export type TFunction = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translate(lang: Lang, key: MessageKey, vars?: Record<string, string | number>): string {
  let s = (lang === 'zh-CN' ? zh : en)[key] ?? key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

/** A contract's custom (English) message in the console's language. */
export function contractMessage(message: string): string {
  return current === 'zh-CN' ? (ZH_CONTRACT_MESSAGES[message] ?? message) : message;
}

export const t: TFunction = (key, vars) => translate(current, key, vars);

interface I18n {
  lang: Lang;
  setLang: (l: Lang) => void;
  t: TFunction;
}

const Ctx = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(current);
  const setLang = useCallback((l: Lang) => {
    current = l;
    localStorage.setItem(STORAGE_KEY, l);
    applyLang(l);
    setLangState(l);
  }, []);
  const value = useMemo<I18n>(() => ({ lang, setLang, t: (key, vars) => translate(lang, key, vars) }), [lang, setLang]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
