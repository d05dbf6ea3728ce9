import { Button, Popconfirm, Space } from 'antd';
import { useLang } from '../../../lang';
import type { User } from '../../../types';
import { useNotify } from '../../../components/useNotify';
import { useCan } from '../../auth/session';
import { isLocked, useSetDisabled, useUnlockUser } from './api';

export function UserActions({ user, onAssignRoles }: { user: User; onAssignRoles: (u: User) => void }) {
  const { t } = useLang();
  const can = useCan();
  const notify = useNotify();
  const unlock = useUnlockUser();
  const setDisabled = useSetDisabled();
  const tid = (what: string) => `user-${what}-${user.username}`;

  return (
    <Space size="small" wrap>
      {can('user.roles.assign') && (
        <Button size="small" data-testid={tid('roles')} onClick={() => onAssignRoles(user)}>
          {t('users.assignRoles')}
        </Button>
      )}
      {can('user.manage') && isLocked(user) && (
        <Button
          size="small"
          data-testid={tid('unlock')}
          loading={unlock.isPending}
          onClick={() =>
            unlock.mutate(user.id, {
              onSuccess: () => notify.success(t('users.unlocked')),
              onError: notify.error,
            })
          }
        >
          {t('users.unlock')}
        </Button>
      )}
      {can('user.manage') && (
        <Popconfirm
          title={user.disabled ? t('users.enable') : t('users.disable')}
          okText={t('common.ok')}
          cancelText={t('common.cancel')}
          onConfirm={() =>
            setDisabled.mutate(
              { id: user.id, disabled: !user.disabled },
              { onSuccess: () => notify.success(t('common.saved')), onError: notify.error },
            )
          }
        >
          <Button
            size="small"
            danger={!user.disabled}
            data-testid={tid('toggle')}
            loading={setDisabled.isPending}
          >
            {user.disabled ? t('users.enable') : t('users.disable')}
          </Button>
        </Popconfirm>
      )}
    </Space>
  );
}
