import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { App as AntApp, ConfigProvider } from 'antd';
import zhCNLocale from 'antd/locale/zh_CN';
import enUSLocale from 'antd/locale/en_US';
import {
  orgKindName,
  roleName,
  setActiveLang,
  storedLang,
  translate,
  type MessageKey,
  type Params,
} from './i18n';
import type { Lang, OrgKind, Role } from './types';

export interface LangContextValue {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: (key: MessageKey, params?: Params) => string;
  role: (role: Role) => string;
  orgKind: (kind: OrgKind) => string;
  time: (iso: string | null | undefined) => string;
}

const LangContext = createContext<LangContextValue | null>(null);

export function LangProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => {
    const initial = storedLang();
    setActiveLang(initial, false);
    return initial;
  });
  const setLang = useCallback((next: Lang) => {
    setActiveLang(next);
    setLangState(next);
  }, []);
  const value = useMemo<LangContextValue>(() => {
    const fmt = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'medium' });
    return {
      lang,
      setLang,
      t: (key, params) => translate(lang, key, params),
      role: (r) => roleName(lang, r),
      orgKind: (k) => orgKindName(lang, k),
      time: (iso) => (iso ? fmt.format(new Date(iso)) : '—'),
    };
  }, [lang, setLang]);
  return (
    <LangContext.Provider value={value}>
      <ConfigProvider
        locale={lang === 'en' ? enUSLocale : zhCNLocale}
        theme={{ token: { colorPrimary: '#b71c1c' } }}
      >
        <AntApp>{children}</AntApp>
      </ConfigProvider>
    </LangContext.Provider>
  );
}

export function useLang(): LangContextValue {
  const ctx = useContext(LangContext);
  if (!ctx) throw new Error('useLang outside LangProvider');
  return ctx;
}
