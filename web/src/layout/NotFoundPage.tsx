import { Button, Result } from 'antd';
import { Link } from 'react-router';
import { useLang } from '../lang';

export function NotFoundPage() {
  const { t } = useLang();
  return (
    <Result
      status="404"
      title="404"
      subTitle={t('notFound.subtitle')}
      data-testid="not-found"
      extra={
        <Link to="/">
          <Button type="primary">{t('back.home')}</Button>
        </Link>
      }
    />
  );
}
