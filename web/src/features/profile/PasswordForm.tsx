import { Button, Card, Form, Input } from 'antd';
import { useMutation } from '@tanstack/react-query';
import { api } from '../../api';
import { useLang } from '../../lang';
import { showFieldErrors } from '../../components/formErrors';
import { useNotify } from '../../components/useNotify';

interface Values {
  currentPassword: string;
  newPassword: string;
  confirm: string;
}

export function PasswordForm() {
  const { t } = useLang();
  const notify = useNotify();
  const [form] = Form.useForm<Values>();
  const change = useMutation({
    mutationFn: (body: { currentPassword: string; newPassword: string }) =>
      api.post<unknown>('/api/me/password', body),
  });

  const onFinish = ({ currentPassword, newPassword }: Values) =>
    change.mutate(
      { currentPassword, newPassword },
      {
        onSuccess: () => {
          notify.success(t('profile.passwordChanged'));
          form.resetFields();
        },
        onError: (err) => {
          showFieldErrors(form, err, ['currentPassword', 'newPassword']);
          notify.error(err);
        },
      },
    );

  return (
    <Card title={t('profile.password')}>
      <Form form={form} name="password" layout="vertical" onFinish={onFinish} style={{ maxWidth: 420 }}>
        <Form.Item name="currentPassword" label={t('profile.currentPassword')} rules={[{ required: true }]}>
          <Input.Password autoComplete="current-password" data-testid="password-current" />
        </Form.Item>
        <Form.Item name="newPassword" label={t('profile.newPassword')} rules={[{ required: true, min: 8 }]}>
          <Input.Password autoComplete="new-password" data-testid="password-new" />
        </Form.Item>
        <Form.Item
          name="confirm"
          label={t('profile.confirmPassword')}
          dependencies={['newPassword']}
          rules={[
            { required: true },
            ({ getFieldValue }) => ({
              validator: (_, v: string | undefined) =>
                !v || v === getFieldValue('newPassword')
                  ? Promise.resolve()
                  : Promise.reject(new Error(t('profile.passwordMismatch'))),
            }),
          ]}
        >
          <Input.Password autoComplete="new-password" data-testid="password-confirm" />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={change.isPending} data-testid="password-submit">
          {t('common.save')}
        </Button>
      </Form>
    </Card>
  );
}
