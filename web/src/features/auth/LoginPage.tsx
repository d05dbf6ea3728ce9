import { useState } from 'react';
import { Alert, Button, Card, Form, Input, Space, Typography } from 'antd';
import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import { isApiError } from '../../api';
import { hasStoredLang } from '../../i18n';
import { useLang } from '../../lang';
import { LangSwitch } from '../../layout/LangSwitch';
import { useLogin, useMe } from './session';

interface Credentials {
  username: string;
  password: string;
}

function fromPath(state: unknown): string {
  if (typeof state === 'object' && state !== null && 'from' in state && typeof state.from === 'string') {
    return state.from.startsWith('/') && state.from !== '/login' ? state.from : '/';
  }
  return '/';
}

export function LoginPage() {
  const { t, lang, setLang } = useLang();
  const me = useMe();
  const login = useLogin();
  const navigate = useNavigate();
  const location = useLocation();
  const [error, setError] = useState<string | null>(null);

  if (me.data && !login.isPending) return <Navigate to={fromPath(location.state)} replace />;

  const onFinish = (values: Credentials) => {
    setError(null);
    login.mutate(values, {
      onSuccess: ({ user }) => {
        // A browser without a language choice of its own follows the account's preference.
        if (!hasStoredLang() && user.locale !== lang) setLang(user.locale);
        void navigate(fromPath(location.state), { replace: true });
      },
      onError: (err) => setError(isApiError(err) ? err.title : String(err)),
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
        background: 'linear-gradient(160deg, #7f0000 0%, #b71c1c 45%, #f5f5f5 45%)',
      }}
    >
      <div style={{ position: 'absolute', top: 16, right: 16 }}>
        <LangSwitch />
      </div>
      <Card style={{ width: 380 }} data-testid="login-card">
        <Typography.Title level={3} style={{ marginBottom: 0 }}>
          {t('app.name')}
        </Typography.Title>
        <Typography.Paragraph type="secondary">{t('app.tagline')}</Typography.Paragraph>
        {error && (
          <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="login-error" />
        )}
        <Form<Credentials> name="login" layout="vertical" onFinish={onFinish} requiredMark={false}>
          <Form.Item
            name="username"
            label={t('login.username')}
            rules={[{ required: true, message: t('common.required') }]}
          >
            <Input prefix={<UserOutlined />} autoComplete="username" autoFocus data-testid="login-username" />
          </Form.Item>
          <Form.Item
            name="password"
            label={t('login.password')}
            rules={[{ required: true, message: t('common.required') }]}
          >
            <Input.Password
              prefix={<LockOutlined />}
              autoComplete="current-password"
              data-testid="login-password"
            />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={login.isPending} data-testid="login-submit">
            {t('login.submit')}
          </Button>
        </Form>
        <div style={{ marginTop: 16, textAlign: 'center' }}>
          <Space split="·">
            <Link to="/portal" data-testid="login-portal">
              {t('portal.title')}
            </Link>
            <Link to="/register" data-testid="login-register">
              {t('register.link')}
            </Link>
          </Space>
        </div>
      </Card>
    </div>
  );
}
