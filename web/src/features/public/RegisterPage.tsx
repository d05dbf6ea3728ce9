import { useState } from 'react';
import { Alert, Button, Card, Form, Input, Radio, Typography } from 'antd';
import { Link, Navigate, useNavigate } from 'react-router';
import { isApiError } from '../../api';
import { useLang } from '../../lang';
import { LangSwitch } from '../../layout/LangSwitch';
import { useLogin, useMe } from '../auth/session';
import { useRegister, type RegisterInput, type SubjectKind } from './api';

interface Values {
  kind: SubjectKind;
  username: string;
  password: string;
  confirm: string;
  displayName: string;
  idNumber?: string;
  uscc?: string;
  phone?: string;
  email?: string;
}

const FIELDS = ['username', 'password', 'displayName', 'idNumber', 'uscc', 'phone', 'email'] as const;

/**
 * Self-registration of a citizen or a company (公众注册). On success the new account is signed in
 * and taken to 我的数据访问记录; the server's field errors are shown on their fields.
 */
export default function RegisterPage() {
  const { t } = useLang();
  const [form] = Form.useForm<Values>();
  const kind = Form.useWatch('kind', form) ?? 'person';
  const register = useRegister();
  const login = useLogin();
  const navigate = useNavigate();
  const me = useMe();
  const [error, setError] = useState<string | null>(null);

  if (me.data && !register.isSuccess && !login.isPending) return <Navigate to="/" replace />;

  const onFinish = (v: Values) => {
    setError(null);
    const input: RegisterInput = {
      kind: v.kind,
      username: v.username.trim(),
      password: v.password,
      displayName: v.displayName,
      ...(v.kind === 'person' ? { idNumber: v.idNumber ?? '' } : { uscc: v.uscc ?? '' }),
      ...(v.phone?.trim() ? { phone: v.phone.trim() } : {}),
      ...(v.email?.trim() ? { email: v.email.trim() } : {}),
    };
    register.mutate(input, {
      onSuccess: () =>
        login.mutate(
          { username: input.username, password: input.password },
          { onSuccess: () => void navigate('/my/accesses', { replace: true }) },
        ),
      onError: (err) => {
        if (!isApiError(err)) return setError(String(err));
        setError(err.title);
        const byField = new Map<string, string[]>();
        for (const e of err.errors) {
          const name = e.path.replace(/^\//, '');
          if ((FIELDS as readonly string[]).includes(name))
            byField.set(name, [...(byField.get(name) ?? []), e.message]);
        }
        form.setFields([...byField].map(([name, errors]) => ({ name: name as keyof Values, errors })));
      },
    });
  };

  return (
    <div
      style={{
        minHeight: '100vh',
        display: 'flex',
        flexDirection: 'column',
        alignItems: 'center',
        justifyContent: 'center',
        padding: '48px 16px',
        background: 'linear-gradient(160deg, #7f0000 0%, #b71c1c 35%, #f5f5f5 35%)',
      }}
    >
      <div style={{ position: 'absolute', top: 16, right: 16 }}>
        <LangSwitch />
      </div>
      <Card style={{ width: '100%', maxWidth: 480 }}>
        <Typography.Title level={3}>{t('register.title')}</Typography.Title>
        <Typography.Paragraph type="secondary">{t('register.intro')}</Typography.Paragraph>
        {error && (
          <Alert
            type="error"
            showIcon
            title={error}
            style={{ marginBottom: 16 }}
            data-testid="register-error"
          />
        )}
        <Form<Values>
          form={form}
          name="register"
          layout="vertical"
          requiredMark={false}
          initialValues={{ kind: 'person' }}
          onFinish={onFinish}
          data-testid="register-form"
        >
          <Form.Item name="kind" label={t('register.kind')}>
            <Radio.Group optionType="button" buttonStyle="solid" data-testid="register-kind">
              <Radio value="person" data-testid="register-kind-person">
                {t('register.kind.person')}
              </Radio>
              <Radio value="company" data-testid="register-kind-company">
                {t('register.kind.company')}
              </Radio>
            </Radio.Group>
          </Form.Item>
          <Form.Item
            name="displayName"
            label={t(kind === 'company' ? 'register.displayName.company' : 'register.displayName.person')}
            rules={[{ required: true, whitespace: true, message: t('common.required') }]}
          >
            <Input maxLength={100} data-testid="register-display-name" />
          </Form.Item>
          {kind === 'person' ? (
            <Form.Item
              name="idNumber"
              label={t('register.idNumber')}
              rules={[{ required: true, message: t('common.required') }]}
            >
              <Input maxLength={18} autoComplete="off" data-testid="register-id-number" />
            </Form.Item>
          ) : (
            <Form.Item
              name="uscc"
              label={t('register.uscc')}
              rules={[{ required: true, message: t('common.required') }]}
            >
              <Input maxLength={18} autoComplete="off" data-testid="register-uscc" />
            </Form.Item>
          )}
          <Form.Item
            name="username"
            label={t('register.username')}
            extra={t('register.username.hint')}
            rules={[{ required: true, message: t('common.required') }]}
          >
            <Input maxLength={64} autoComplete="username" data-testid="register-username" />
          </Form.Item>
          <Form.Item
            name="password"
            label={t('register.password')}
            extra={t('register.password.hint')}
            rules={[{ required: true, message: t('common.required') }]}
          >
            <Input.Password autoComplete="new-password" data-testid="register-password" />
          </Form.Item>
          <Form.Item
            name="confirm"
            label={t('register.confirm')}
            dependencies={['password']}
            rules={[
              { required: true, message: t('common.required') },
              ({ getFieldValue }) => ({
                validator: (_, value) =>
                  !value || getFieldValue('password') === value
                    ? Promise.resolve()
                    : Promise.reject(new Error(t('register.confirm.mismatch'))),
              }),
            ]}
          >
            <Input.Password autoComplete="new-password" data-testid="register-confirm" />
          </Form.Item>
          <Form.Item name="phone" label={t('register.phone')}>
            <Input maxLength={20} autoComplete="tel" data-testid="register-phone" />
          </Form.Item>
          <Form.Item name="email" label={t('register.email')}>
            <Input maxLength={254} autoComplete="email" data-testid="register-email" />
          </Form.Item>
          <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
            {t('register.verifyNote')}
          </Typography.Paragraph>
          <Button
            type="primary"
            htmlType="submit"
            block
            loading={register.isPending || login.isPending}
            data-testid="register-submit"
          >
            {t('register.submit')}
          </Button>
        </Form>
        <div style={{ marginTop: 16, textAlign: 'center' }}>
          <Link to="/login" data-testid="register-login">
            {t('register.haveAccount')}
          </Link>
        </div>
      </Card>
    </div>
  );
}
