import { Button } from 'antd';
import { GlobalOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../api';
import { ME_KEY, useMe } from '../features/auth/session';
import { useLang } from '../lang';
import type { Lang, Me } from '../types';

/** Switches the UI language; a signed-in user's choice is also saved on the account (PATCH /api/me). */
export function LangSwitch() {
  const { lang, setLang, t } = useLang();
  const me = useMe().data;
  const qc = useQueryClient();

  const onClick = () => {
    const next: Lang = lang === 'zh-CN' ? 'en' : 'zh-CN';
    setLang(next);
    if (me) {
      api.patch<unknown>('/api/me', { locale: next }).then(
        () => qc.setQueryData<Me | null>(ME_KEY, (old) => (old ? { ...old, locale: next } : old)),
        // The UI has already switched; the account keeps its old preference until the next try.
        () => undefined,
      );
    }
  };

  return (
    <Button
      type="text"
      icon={<GlobalOutlined />}
      data-testid="lang-switch"
      data-lang={lang}
      onClick={onClick}
    >
      {t('lang.switch')}
    </Button>
  );
}
