import type { ReactNode } from 'react';
import { Button, Result } from 'antd';
import { Link } from 'react-router';
import { useCurrentUser } from '../features/auth/session';
import { navEntry, type NavEntry } from '../navigation';
import { useLang } from '../lang';

export function Forbidden() {
  const { t } = useLang();
  return (
    <Result
      status="403"
      title={t('forbidden.title')}
      subTitle={t('forbidden.subtitle')}
      data-testid="forbidden"
      extra={
        <Link to="/">
          <Button type="primary">{t('back.home')}</Button>
        </Link>
      }
    />
  );
}

/** A console page is shown only to holders of its menu entry's permission. */
export function RequirePermission({ nav, children }: { nav: NavEntry['key']; children: ReactNode }) {
  const me = useCurrentUser();
  const { permission } = navEntry(nav);
  if (permission !== null && !me.permissions.includes(permission)) return <Forbidden />;
  return <>{children}</>;
}
