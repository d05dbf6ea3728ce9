import { useState, type HTMLAttributes } from 'react';
import { Button, Card, Input, Select, Space, Table, Tag } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useLang } from '../../../lang';
import type { Role, User } from '../../../types';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { RoleTags } from '../../../components/RoleTags';
import { useCan } from '../../auth/session';
import { useOrgs } from '../orgs/api';
import { isLocked, useUsers, type UserFilter } from './api';
import { RolesModal } from './RolesModal';
import { UserActions } from './UserActions';
import { UserFormModal } from './UserFormModal';

function StatusTags({ user }: { user: User }) {
  const { t } = useLang();
  if (!user.disabled && !isLocked(user)) return <Tag color="green">{t('users.status.active')}</Tag>;
  return (
    <>
      {user.disabled && <Tag color="default">{t('users.status.disabled')}</Tag>}
      {isLocked(user) && <Tag color="orange">{t('users.status.locked')}</Tag>}
    </>
  );
}

export default function UsersPage() {
  const { t, time } = useLang();
  const can = useCan();
  const [filter, setFilter] = useState<UserFilter>({ q: '', orgId: undefined });
  const [creating, setCreating] = useState(false);
  const [assigning, setAssigning] = useState<User | null>(null);
  const users = useUsers(filter);
  const orgs = useOrgs(can('org.read'));
  const rows = users.data?.pages.flatMap((p) => p.items) ?? [];
  const showActions = can('user.manage') || can('user.roles.assign');

  return (
    <Card
      title={t('users.title')}
      extra={
        can('user.manage') && (
          <Button
            type="primary"
            icon={<PlusOutlined />}
            data-testid="user-create"
            onClick={() => setCreating(true)}
          >
            {t('users.create')}
          </Button>
        )
      }
    >
      <Space style={{ marginBottom: 16 }} wrap>
        <Input.Search
          allowClear
          placeholder={t('users.search')}
          data-testid="user-search"
          onSearch={(q) => setFilter((f) => ({ ...f, q: q.trim() }))}
          style={{ width: 260 }}
        />
        <Select
          allowClear
          showSearch
          optionFilterProp="label"
          placeholder={t('users.filterOrg')}
          style={{ width: 260 }}
          value={filter.orgId}
          onChange={(orgId: string | undefined) => setFilter((f) => ({ ...f, orgId }))}
          options={(orgs.data ?? []).map((o) => ({ value: o.id, label: o.name }))}
        />
      </Space>
      {users.error && <ErrorAlert error={users.error} style={{ marginBottom: 16 }} />}
      <Table<User>
        rowKey="id"
        loading={users.isPending}
        dataSource={rows}
        pagination={false}
        data-testid="user-table"
        onRow={(u) => ({ 'data-testid': `user-row-${u.username}` }) as HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('users.username'), dataIndex: 'username' },
          { title: t('users.displayName'), dataIndex: 'displayName' },
          { title: t('users.org'), dataIndex: 'orgName' },
          { title: t('users.roles'), dataIndex: 'roles', render: (r: Role[]) => <RoleTags roles={r} /> },
          { title: t('users.status'), key: 'status', render: (_, u) => <StatusTags user={u} /> },
          { title: t('users.lastLogin'), dataIndex: 'lastLoginAt', render: (v: string | null) => time(v) },
          ...(showActions
            ? [
                {
                  title: t('common.actions'),
                  key: 'actions',
                  render: (_: unknown, u: User) => <UserActions user={u} onAssignRoles={setAssigning} />,
                },
              ]
            : []),
        ]}
      />
      {users.hasNextPage && (
        <Button
          block
          style={{ marginTop: 16 }}
          loading={users.isFetchingNextPage}
          onClick={() => void users.fetchNextPage()}
        >
          {t('common.loadMore')}
        </Button>
      )}
      <UserFormModal open={creating} orgs={orgs.data ?? []} onClose={() => setCreating(false)} />
      <RolesModal user={assigning} onClose={() => setAssigning(null)} />
    </Card>
  );
}
