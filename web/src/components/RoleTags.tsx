import { Tag } from 'antd';
import { useLang } from '../lang';
import { OFFICER_ROLES, type Role } from '../types';

/** Roles as tags; the three officers (三员) stand out in red. */
export function RoleTags({ roles }: { roles: readonly Role[] }) {
  const { role, t } = useLang();
  if (roles.length === 0) return <span>{t('common.none')}</span>;
  return (
    <>
      {roles.map((r) => (
        <Tag key={r} color={OFFICER_ROLES.includes(r) ? 'red' : 'blue'} data-testid={`role-${r}`}>
          {role(r)}
        </Tag>
      ))}
    </>
  );
}
