import { useState, type HTMLAttributes } from 'react';
import { Button, Drawer, InputNumber, Popconfirm, Space, Table, Tag, Typography } from 'antd';
import { KeyOutlined } from '@ant-design/icons';
import { useLang } from '../../lang';
import type { Credential, DatongApp, NewCredential } from '../../types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useNotify } from '../../components/useNotify';
import { useCan } from '../auth/session';
import {
  credentialState,
  useCreateCredential,
  useCredentials,
  useRevokeCredential,
  type CredentialState,
} from './api';
import { SecretModal } from './SecretModal';

const stateColor: Record<CredentialState, string> = {
  active: 'green',
  revoked: 'default',
  expired: 'orange',
};

export function CredentialsDrawer({ app, onClose }: { app: DatongApp; onClose: () => void }) {
  const { t, time } = useLang();
  const can = useCan();
  const notify = useNotify();
  const credentials = useCredentials(app.id);
  const create = useCreateCredential(app.id);
  const revoke = useRevokeCredential(app.id);
  const [days, setDays] = useState<number | null>(365);
  const [created, setCreated] = useState<NewCredential | null>(null);
  const manage = can('app.manage');

  const onCreate = () =>
    create.mutate(days ? { expiresInDays: days } : {}, { onSuccess: setCreated, onError: notify.error });

  return (
    <Drawer open size={760} title={t('apps.credentials.of', { name: app.name })} onClose={onClose}>
      {manage && (
        <Space style={{ marginBottom: 16 }} wrap>
          <Typography.Text>{t('apps.credential.expiresInDays')}</Typography.Text>
          <InputNumber min={1} max={3650} value={days} onChange={setDays} />
          <Button
            type="primary"
            icon={<KeyOutlined />}
            loading={create.isPending}
            onClick={onCreate}
            data-testid="credential-create"
          >
            {t('apps.credential.create')}
          </Button>
        </Space>
      )}
      {credentials.error && <ErrorAlert error={credentials.error} style={{ marginBottom: 16 }} />}
      <Table<Credential>
        rowKey="keyId"
        size="small"
        loading={credentials.isPending}
        dataSource={credentials.data ?? []}
        pagination={false}
        data-testid="credential-table"
        onRow={(c) =>
          ({
            'data-testid': `credential-row-${c.keyId}`,
            'data-state': credentialState(c),
          }) as HTMLAttributes<HTMLElement>
        }
        columns={[
          {
            title: t('apps.credential.keyId'),
            dataIndex: 'keyId',
            render: (v: string) => <Typography.Text code>{v}</Typography.Text>,
          },
          {
            title: t('apps.credential.status'),
            key: 'state',
            render: (_, c) => {
              const s = credentialState(c);
              return <Tag color={stateColor[s]}>{t(`apps.credential.${s}`)}</Tag>;
            },
          },
          { title: t('apps.credential.createdAt'), dataIndex: 'createdAt', render: (v: string) => time(v) },
          {
            title: t('apps.credential.expiresAt'),
            dataIndex: 'expiresAt',
            render: (v: string | null) => time(v),
          },
          {
            title: t('apps.credential.lastUsedAt'),
            dataIndex: 'lastUsedAt',
            render: (v: string | null) => time(v),
          },
          ...(manage
            ? [
                {
                  title: t('common.actions'),
                  key: 'actions',
                  render: (_: unknown, c: Credential) =>
                    credentialState(c) === 'revoked' ? null : (
                      <Popconfirm
                        title={t('apps.credential.revokeConfirm')}
                        okText={t('apps.credential.revoke')}
                        cancelText={t('common.cancel')}
                        okButtonProps={{ danger: true, 'data-testid': 'credential-revoke-confirm' }}
                        onConfirm={() =>
                          revoke.mutate(c.keyId, {
                            onSuccess: () => notify.success(t('apps.credential.revokedMsg')),
                            onError: notify.error,
                          })
                        }
                      >
                        <Button size="small" danger data-testid={`credential-revoke-${c.keyId}`}>
                          {t('apps.credential.revoke')}
                        </Button>
                      </Popconfirm>
                    ),
                },
              ]
            : []),
        ]}
      />
      <SecretModal credential={created} onClose={() => setCreated(null)} />
    </Drawer>
  );
}
