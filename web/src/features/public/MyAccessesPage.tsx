import type { HTMLAttributes } from 'react';
import { Alert, Card, Descriptions, Space, Table, Tag, Typography } from 'antd';
import { isApiError } from '../../api';
import { ErrorAlert } from '../../components/ErrorAlert';
import type { MessageKey } from '../../i18n';
import { useLang } from '../../lang';
import { useMyAccesses, useMyAccount, type MyAccess } from './api';

const ACTIONS = ['query', 'verify', 'changes', 'export'] as const;

/**
 * 我的数据访问记录: which departments' applications accessed records about the signed-in citizen
 * or company — from the audit ledger's subject hashes — and what the list covers.
 */
export default function MyAccessesPage() {
  const { t, time } = useLang();
  const account = useMyAccount();
  const accesses = useMyAccesses();
  const actionLabel = (a: string) =>
    (ACTIONS as readonly string[]).includes(a) ? t(`myAccesses.action.${a}` as MessageKey) : a;

  const unverified =
    isApiError(accesses.error) && accesses.error.code === 'identity_unverified' ? accesses.error : null;
  const subject = accesses.data?.subject;

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }} data-testid="my-accesses">
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('myAccesses.title')}
      </Typography.Title>
      {account.data && (
        <Card size="small">
          <Descriptions size="small" column={{ xs: 1, md: 2 }}>
            <Descriptions.Item
              label={t(account.data.kind === 'company' ? 'register.uscc' : 'register.idNumber')}
            >
              <Typography.Text code data-testid="my-subject">
                {account.data.subjectMasked}
              </Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('myAccesses.account')}>
              {account.data.verified ? (
                <Tag color="green" data-testid="my-verified">
                  {t('myAccesses.verified', {
                    method: t(
                      account.data.verificationMethod === 'admin'
                        ? 'myAccesses.method.admin'
                        : 'myAccesses.method.demo',
                    ),
                    time: time(account.data.verifiedAt),
                  })}
                </Tag>
              ) : (
                <Tag color="orange">{t('myAccesses.unverified.title')}</Tag>
              )}
            </Descriptions.Item>
          </Descriptions>
        </Card>
      )}
      {subject && (
        <Typography.Paragraph style={{ margin: 0 }}>
          {t('myAccesses.intro', {
            subject: t(
              subject.kind === 'company' ? 'myAccesses.subject.company' : 'myAccesses.subject.person',
              {
                masked: subject.masked,
              },
            ),
          })}
        </Typography.Paragraph>
      )}
      <Alert type="info" showIcon title={t('myAccesses.coverage')} />
      {unverified ? (
        <Alert
          type="warning"
          showIcon
          title={t('myAccesses.unverified.title')}
          description={unverified.title}
          data-testid="my-accesses-unverified"
        />
      ) : accesses.error ? (
        <ErrorAlert error={accesses.error} />
      ) : (
        <Table<MyAccess>
          rowKey="seq"
          size="middle"
          loading={accesses.isPending}
          dataSource={accesses.data?.accesses ?? []}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          scroll={{ x: 900 }}
          locale={{ emptyText: t('myAccesses.empty') }}
          onRow={(a) =>
            ({ 'data-testid': 'my-access-row', 'data-seq': a.seq }) as HTMLAttributes<HTMLElement>
          }
          footer={accesses.data?.truncated ? () => t('myAccesses.truncated') : undefined}
          columns={[
            {
              title: t('myAccesses.col.time'),
              dataIndex: 'time',
              width: 180,
              render: (v: string) => time(v),
            },
            {
              title: t('myAccesses.col.department'),
              dataIndex: 'departmentName',
              render: (v: string | null) => v ?? '—',
            },
            { title: t('myAccesses.col.app'), dataIndex: 'appName', render: (v: string | null) => v ?? '—' },
            {
              title: t('myAccesses.col.scenario'),
              dataIndex: 'scenario',
              render: (v: string | null) => v ?? '—',
            },
            {
              title: t('myAccesses.col.entry'),
              dataIndex: 'entryName',
              render: (v: string | null, a) => v ?? a.entryCode ?? '—',
            },
            {
              title: t('myAccesses.col.action'),
              dataIndex: 'action',
              width: 100,
              render: (v: string) => <Tag>{actionLabel(v)}</Tag>,
            },
            {
              title: t('myAccesses.col.fields'),
              dataIndex: 'fields',
              render: (fields: MyAccess['fields']) => (
                <Space size={[4, 4]} wrap>
                  {fields.map((f) => (
                    <Tag key={f.code}>{f.name}</Tag>
                  ))}
                </Space>
              ),
            },
          ]}
        />
      )}
    </Space>
  );
}
