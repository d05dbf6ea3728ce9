import { Button } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { Link } from 'react-router';
import { useLang } from '../../../lang';
import { useCan } from '../../auth/session';
import { SearchView } from './SearchView';

/** 数据目录 in the console: what the caller may see, plus own drafts for catalog.write holders. */
export default function CatalogPage() {
  const { t } = useLang();
  const can = useCan();
  const writer = can('catalog.write');
  return (
    <SearchView
      scope="console"
      base="/catalog"
      ownFilters={writer || can('catalog.review')}
      extra={
        writer && (
          <Link to="/catalog/new">
            <Button type="primary" icon={<PlusOutlined />} data-testid="catalog-create">
              {t('catalog.create')}
            </Button>
          </Link>
        )
      }
    />
  );
}
