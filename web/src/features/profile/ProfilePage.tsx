import { Button, Card, Col, Descriptions, Form, Input, Row, Space } from 'antd';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api';
import { useLang } from '../../lang';
import type { Me } from '../../types';
import { RoleTags } from '../../components/RoleTags';
import { useNotify } from '../../components/useNotify';
import { ME_KEY, useCurrentUser } from '../auth/session';
import { PasswordForm } from './PasswordForm';

function DisplayNameForm({ me }: { me: Me }) {
  const { t } = useLang();
  const notify = useNotify();
  const qc = useQueryClient();
  const save = useMutation({
    mutationFn: (displayName: string) => api.patch<unknown>('/api/me', { displayName }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ME_KEY }),
  });
  return (
    <Form
      name="profile"
      layout="inline"
      initialValues={{ displayName: me.displayName }}
      onFinish={({ displayName }: { displayName: string }) =>
        save.mutate(displayName.trim(), {
          onSuccess: () => notify.success(t('common.saved')),
          onError: notify.error,
        })
      }
    >
      <Space.Compact>
        <Form.Item name="displayName" noStyle rules={[{ required: true, whitespace: true, max: 100 }]}>
          <Input style={{ width: 220 }} data-testid="profile-display-name" />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={save.isPending}>
          {t('common.save')}
        </Button>
      </Space.Compact>
    </Form>
  );
}

export default function ProfilePage() {
  const me = useCurrentUser();
  const { t } = useLang();
  return (
    <Row gutter={[24, 24]}>
      <Col xs={24} xl={14}>
        <Card title={t('profile.info')} data-testid="profile">
          <Descriptions
            column={1}
            items={[
              { key: 'username', label: t('profile.username'), children: me.username },
              { key: 'displayName', label: t('profile.displayName'), children: <DisplayNameForm me={me} /> },
              { key: 'org', label: t('profile.org'), children: me.orgName },
              { key: 'roles', label: t('profile.roles'), children: <RoleTags roles={me.roles} /> },
            ]}
          />
        </Card>
      </Col>
      <Col xs={24} xl={10}>
        <PasswordForm />
      </Col>
    </Row>
  );
}
