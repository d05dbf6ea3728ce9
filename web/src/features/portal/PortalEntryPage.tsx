import { Card, Space, Tabs, Typography } from 'antd';
import { ArrowLeftOutlined } from '@ant-design/icons';
import { Link, useParams } from 'react-router';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useEntry } from '../catalog/api';
import { EntryMetadata } from '../catalog/detail/EntryMetadata';
import { FieldTable } from '../catalog/detail/FieldTable';
import { PortalLayout } from './PortalLayout';

/** /portal/:id: an open entry's metadata and field dictionary. */
export default function PortalEntryPage() {
  const { t } = useLang();
  const { id = '' } = useParams();
  const entry = useEntry(id);
  const e = entry.data;
  return (
    <PortalLayout>
      <Link to="/portal" data-testid="portal-back">
        <ArrowLeftOutlined /> {t('portal.back')}
      </Link>
      {entry.error ? (
        <ErrorAlert error={entry.error} style={{ marginTop: 16 }} />
      ) : (
        <Card
          loading={entry.isPending}
          style={{ marginTop: 16 }}
          data-testid="entry-detail"
          title={
            e && (
              <Space>
                <span data-testid="entry-name">{e.name}</span>
                <Typography.Text type="secondary" code>
                  {e.code}
                </Typography.Text>
              </Space>
            )
          }
        >
          {e && (
            <Tabs
              items={[
                {
                  key: 'metadata',
                  label: t('catalog.tab.metadata'),
                  children: <EntryMetadata entry={e} lifecycle={false} />,
                },
                {
                  key: 'fields',
                  label: `${t('catalog.tab.fields')} (${e.fields.length})`,
                  children: <FieldTable fields={e.fields} standards={false} />,
                },
              ]}
            />
          )}
        </Card>
      )}
    </PortalLayout>
  );
}
