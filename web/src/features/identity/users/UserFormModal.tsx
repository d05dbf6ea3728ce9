import { Alert, Form, Input, Modal, Select } from 'antd';
import { useLang } from '../../../lang';
import type { NewUser, Org } from '../../../types';
import { showFieldErrors } from '../../../components/formErrors';
import { useNotify } from '../../../components/useNotify';
import { useCreateUser } from './api';
import { RoleSelect } from './RoleSelect';

const FIELDS = ['username', 'displayName', 'password', 'orgId', 'roles'] as const;

export function UserFormModal(props: { open: boolean; orgs: Org[]; onClose: () => void }) {
  const { t } = useLang();
  const notify = useNotify();
  const [form] = Form.useForm<NewUser>();
  const create = useCreateUser();

  const submit = async () => {
    const values = await form.validateFields();
    create.mutate(
      { ...values, username: values.username.trim(), displayName: values.displayName.trim() },
      {
        onSuccess: () => {
          notify.success(t('users.created'));
          form.resetFields();
          props.onClose();
        },
        onError: (err) => {
          showFieldErrors(form, err, FIELDS);
          notify.error(err);
        },
      },
    );
  };

  return (
    <Modal
      open={props.open}
      title={t('users.create')}
      onCancel={props.onClose}
      onOk={() => void submit().catch(() => undefined)}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={create.isPending}
      okButtonProps={{ 'data-testid': 'user-form-submit' }}
      forceRender
    >
      <Form form={form} name="user" layout="vertical" initialValues={{ roles: ['member'] }}>
        <Form.Item
          name="username"
          label={t('users.username')}
          rules={[{ required: true, min: 2, max: 64, pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/ }]}
        >
          <Input autoComplete="off" data-testid="user-username" />
        </Form.Item>
        <Form.Item
          name="displayName"
          label={t('users.displayName')}
          rules={[{ required: true, whitespace: true, max: 100 }]}
        >
          <Input data-testid="user-display-name" />
        </Form.Item>
        <Form.Item name="password" label={t('users.password')} rules={[{ required: true, min: 8 }]}>
          <Input.Password autoComplete="new-password" data-testid="user-password" />
        </Form.Item>
        <Form.Item
          name="orgId"
          label={t('users.org')}
          rules={[{ required: true, message: t('common.required') }]}
        >
          <Select
            showSearch
            optionFilterProp="label"
            data-testid="user-org"
            options={props.orgs.map((o) => ({
              value: o.id,
              label: o.name,
              'data-testid': `user-org-option-${o.uscc}`,
            }))}
          />
        </Form.Item>
        <Form.Item
          name="roles"
          label={t('users.roles')}
          rules={[{ required: true, message: t('common.required') }]}
        >
          <RoleSelect testId="user-roles" />
        </Form.Item>
        <Alert type="info" showIcon title={t('users.officerHint')} />
      </Form>
    </Modal>
  );
}
