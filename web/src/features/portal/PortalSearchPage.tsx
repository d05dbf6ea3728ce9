import { Typography } from 'antd';
import { useLang } from '../../lang';
import { SearchView } from '../catalog/search/SearchView';
import { PortalLayout } from './PortalLayout';

/** /portal: the catalog search as the public sees it (the server returns open entries only). */
export default function PortalSearchPage() {
  const { t } = useLang();
  return (
    <PortalLayout>
      <Typography.Paragraph type="secondary">{t('portal.openOnly')}</Typography.Paragraph>
      <SearchView scope="portal" base="/portal" />
    </PortalLayout>
  );
}
