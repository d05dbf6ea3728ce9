import { useEffect } from 'react';
import { Alert, Form, Modal } from 'antd';
import { useLang } from '../../../lang';
import type { Role, User } from '../../../types';
import { useNotify } from '../../../components/useNotify';
import { useAssignRoles } from './api';
import { RoleSelect } from './RoleSelect';

/** 分配角色: replaces a user's roles; the server refuses sets that break 三员 exclusivity. */
export function RolesModal(props: { user: User | null; onClose: () => void }) {
  const { user, onClose } = props;
  const { t } = useLang();
  const notify = useNotify();
  const [form] = Form.useForm<{ roles: Role[] }>();
  const assign = useAssignRoles();

  useEffect(() => {
    if (user) form.setFieldsValue({ roles: user.roles });
  }, [user, form]);

  const submit = async () => {
    if (!user) return;
    const { roles } = await form.validateFields();
    assign.mutate(
      { id: user.id, roles },
      {
        onSuccess: () => {
          notify.success(t('users.rolesSaved'));
          onClose();
        },
        onError: (err) => notify.error(err),
      },
    );
  };

  return (
    <Modal
      open={user !== null}
      title={`${t('users.assignRoles')} — ${user?.displayName ?? ''} (${user?.username ?? ''})`}
      onCancel={onClose}
      onOk={() => void submit().catch(() => undefined)}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={assign.isPending}
      okButtonProps={{ 'data-testid': 'roles-form-submit' }}
      forceRender
    >
      <Form form={form} name="roles" layout="vertical">
        <Form.Item name="roles" label={t('users.roles')}>
          <RoleSelect testId="roles-select" />
        </Form.Item>
        <Alert type="info" showIcon title={t('users.officerHint')} />
      </Form>
    </Modal>
  );
}
