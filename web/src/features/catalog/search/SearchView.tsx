import { useState, type ReactNode } from 'react';
import { Button, Card, Col, Empty, Input, Row, Select, Space, Spin, Switch, Typography } from 'antd';
import { useLang } from '../../../lang';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { useCatalogSearch } from '../api';
import { ENTRY_STATUSES, type EntryStatus, type FacetName, type SearchParams, type SortKey } from '../model';
import { FacetSidebar } from './FacetSidebar';
import { ResultItem } from './ResultItem';

const SORTS: SortKey[] = ['relevance', 'updated', 'name'];

interface Props {
  scope: 'console' | 'portal';
  /** Where a hit links to: `${base}/${id}`. */
  base: string;
  /** Status filter and 我的目录 (for catalog.write holders). */
  ownFilters?: boolean;
  extra?: ReactNode;
}

/** Search box, facet sidebar, sort and keyset "load more": the console and the portal share it. */
export function SearchView({ scope, base, ownFilters = false, extra }: Props) {
  const { t } = useLang();
  const [params, setParams] = useState<SearchParams>({ q: '', sort: 'relevance', filters: {} });
  const search = useCatalogSearch(params, scope);
  const pages = search.data?.pages ?? [];
  const items = pages.flatMap((p) => p.items);
  const first = pages[0];

  const toggle = (facet: FacetName, value: string) =>
    setParams((p) => {
      const current = p.filters[facet] ?? [];
      const next = current.includes(value) ? current.filter((v) => v !== value) : [...current, value];
      return { ...p, filters: { ...p.filters, [facet]: next } };
    });

  return (
    <Row gutter={[24, 24]}>
      <Col xs={24} lg={6}>
        <FacetSidebar
          facets={first?.facets ?? {}}
          filters={params.filters}
          onToggle={toggle}
          onClear={() => setParams((p) => ({ ...p, filters: {} }))}
        />
      </Col>
      <Col xs={24} lg={18}>
        <Card>
          <Space wrap style={{ width: '100%', marginBottom: 12 }}>
            <Input.Search
              allowClear
              enterButton={t('common.search')}
              placeholder={t('catalog.search.placeholder')}
              style={{ width: 420 }}
              data-testid="catalog-search"
              onSearch={(q) => setParams((p) => ({ ...p, q }))}
            />
            <Select<SortKey>
              value={params.sort}
              style={{ width: 140 }}
              data-testid="catalog-sort"
              onChange={(sort) => setParams((p) => ({ ...p, sort }))}
              options={SORTS.map((s) => ({
                value: s,
                label: t(`catalog.sort.${s}`),
                'data-testid': `sort-${s}`,
              }))}
            />
            {ownFilters && (
              <>
                <Select<EntryStatus | ''>
                  value={params.status ?? ''}
                  style={{ width: 140 }}
                  data-testid="catalog-status"
                  onChange={(s) => setParams((p) => ({ ...p, status: s || undefined }))}
                  options={[
                    { value: '', label: t('catalog.status.all') },
                    ...ENTRY_STATUSES.map((s) => ({
                      value: s,
                      label: t(`catalog.status.${s}`),
                      'data-testid': `status-option-${s}`,
                    })),
                  ]}
                />
                <Space>
                  <Switch
                    checked={params.mine === true}
                    data-testid="catalog-mine"
                    onChange={(mine) => setParams((p) => ({ ...p, mine: mine || undefined }))}
                  />
                  {t('catalog.mine')}
                </Space>
              </>
            )}
            {extra}
          </Space>
          {first && (
            <Typography.Text type="secondary" data-testid="catalog-total" data-total={first.total}>
              {t(first.totalExact === false ? 'catalog.totalApprox' : 'catalog.total', { n: first.total })}
            </Typography.Text>
          )}
          {search.error && <ErrorAlert error={search.error} style={{ marginTop: 12 }} />}
          <Spin spinning={search.isFetching && !search.isFetchingNextPage}>
            <div data-testid="catalog-results" data-loading={search.isFetching}>
              {items.map((e) => (
                <ResultItem key={e.id} entry={e} base={base} showStatus={scope === 'console'} />
              ))}
              {!search.isPending && items.length === 0 && (
                <Empty description={t('catalog.empty')} data-testid="catalog-empty" />
              )}
            </div>
          </Spin>
          {items.length > 0 && (
            <Button
              block
              style={{ marginTop: 16 }}
              disabled={!search.hasNextPage}
              loading={search.isFetchingNextPage}
              data-testid="catalog-load-more"
              onClick={() => void search.fetchNextPage()}
            >
              {search.hasNextPage ? t('common.loadMore') : t('common.noMore')}
            </Button>
          )}
        </Card>
      </Col>
    </Row>
  );
}
