import { Alert, Card, Space, Typography } from 'antd';
import { Link } from 'react-router';
import { useLang } from '../../lang';
import { useOpenRows } from './api';
import { categoryColumn, type OpenDataset } from './model';
import { filtersParam, PREVIEW_LIMIT, type PreviewFilter } from './PreviewTab';

function Example({ title, code, testId }: { title: string; code: string; testId: string }) {
  return (
    <Card size="small" title={title} data-testid={testId}>
      <Typography.Paragraph copyable={{ text: code }} style={{ marginBottom: 0 }}>
        <pre style={{ margin: 0, whiteSpace: 'pre-wrap', wordBreak: 'break-all', fontSize: 12 }}>{code}</pre>
      </Typography.Paragraph>
    </Card>
  );
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * API: how to call the public API for this dataset — the rows route with filters, CKAN's
 * datastore_search and a JavaScript fetch — with its real id (and the preview's filter, if any).
 */
export function ApiTab({ dataset, filter }: { dataset: OpenDataset; filter: PreviewFilter }) {
  const { t } = useLang();
  const id = dataset.entryId;
  // Without a filter in the preview, the example filters on a value of the sampled rows.
  const sample = useOpenRows(id, { limit: PREVIEW_LIMIT }).data?.rows;
  const code = categoryColumn(dataset.columns, sample);
  const example =
    code === null ? undefined : sample?.find((r) => r[code] !== null && r[code] !== undefined)?.[code];
  const filters =
    filtersParam(filter, dataset.columns) ??
    (code === null ? '{}' : JSON.stringify({ [code]: example ?? 'VALUE' }));
  const filterObject = JSON.parse(filters) as Record<string, unknown>;
  const q = filter.q.trim();
  const rowsUrl = dataset.api.rows;

  const curl = [
    `curl -G ${shellQuote(rowsUrl)} \\`,
    `  -H 'X-API-Key: <your key>' \\`,
    `  --data-urlencode ${shellQuote(`filters=${filters}`)} \\`,
    ...(q ? [`  --data-urlencode ${shellQuote(`q=${q}`)} \\`] : []),
    `  -d limit=100 -d offset=0`,
  ].join('\n');

  const ckanUrl = dataset.api.datastoreSearch.split('?')[0] ?? dataset.api.datastoreSearch;
  const ckanBody = JSON.stringify(
    { resource_id: id, filters: filterObject, ...(q ? { q } : {}), limit: 100, offset: 0 },
    null,
    2,
  );
  const ckan = [
    `curl -X POST ${shellQuote(ckanUrl)} \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -H 'X-API-Key: <your key>' \\`,
    `  -d ${shellQuote(ckanBody)}`,
  ].join('\n');

  const js = [
    `const url = new URL(${JSON.stringify(rowsUrl)});`,
    `url.searchParams.set('filters', JSON.stringify(${JSON.stringify(filterObject)}));`,
    ...(q ? [`url.searchParams.set('q', ${JSON.stringify(q)});`] : []),
    `url.searchParams.set('limit', '100');`,
    `const res = await fetch(url, { headers: { 'X-API-Key': '<your key>' } });`,
    `if (!res.ok) throw new Error(\`HTTP \${res.status}\`);`,
    `const { columns, rows, total } = await res.json();`,
  ].join('\n');

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Paragraph style={{ marginBottom: 0 }}>{t('portal.api.intro')}</Typography.Paragraph>
      <Typography.Text>
        {t('portal.api.id')}：
        <Typography.Text code copyable data-testid="portal-api-id">
          {id}
        </Typography.Text>
      </Typography.Text>
      <Example title={t('portal.api.rows')} code={curl} testId="portal-api-rows" />
      <Example title={t('portal.api.ckan')} code={ckan} testId="portal-api-ckan" />
      <Example title={t('portal.api.js')} code={js} testId="portal-api-js" />
      <Alert
        type="info"
        showIcon
        title={t('portal.api.keys')}
        description={
          <Space orientation="vertical" size={4}>
            <span>{t('portal.api.keysText')}</span>
            <Space wrap split="·">
              <Link to="/register" data-testid="portal-api-register">
                {t('portal.api.register')}
              </Link>
              <a href="/api/docs">{t('portal.api.docs')}</a>
            </Space>
          </Space>
        }
        data-testid="portal-api-keys"
      />
    </Space>
  );
}
