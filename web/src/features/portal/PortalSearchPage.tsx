import { useState, type FormEvent } from 'react';
import {
  Badge,
  Button,
  Card,
  Col,
  Empty,
  Grid,
  Input,
  Pagination,
  Row,
  Skeleton,
  Space,
  Tag,
  Typography,
} from 'antd';
import { SearchOutlined } from '@ant-design/icons';
import { Link, useSearchParams } from 'react-router';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { CATEGORIES, type Category } from '../catalog/model';
import { useOpenHome, useOpenSearch } from './api';
import { DatasetCardView } from './DatasetCardView';
import { formatNumber } from './format';
import type { OpenHome } from './model';
import { PortalLayout } from './PortalLayout';

const PAGE_SIZE = 20;
const DEPARTMENTS_SHOWN = 8;

const isCategory = (v: string | null): v is Category => CATEGORIES.some((c) => c === v);

/**
 * /portal: the open data portal's home — search, categories and departments with their counts,
 * the newest and the most downloaded datasets — and, once a search or a filter is chosen, the
 * results (GET /api/open/datasets). The search lives in the URL (?q=&category=&org=&page=).
 */
export default function PortalSearchPage() {
  const { t, lang } = useLang();
  const screens = Grid.useBreakpoint();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const categoryParam = params.get('category');
  const category = isCategory(categoryParam) ? categoryParam : undefined;
  const org = params.get('org') ?? '';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const searching = params.has('q') || category !== undefined || org !== '';

  const home = useOpenHome();
  const results = useOpenSearch(
    { q: q.trim() || undefined, category, org: org || undefined, page, pageSize: PAGE_SIZE },
    searching,
  );

  // The box follows the URL (back, forward, a closed keyword tag) and keeps what is typed meanwhile.
  const [text, setText] = useState(q);
  const [shownQ, setShownQ] = useState(q);
  if (shownQ !== q) {
    setShownQ(q);
    setText(q);
  }

  const update = (change: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(change)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    if (!('page' in change)) next.delete('page');
    if (!next.has('q') && (next.has('category') || next.has('org'))) next.set('q', '');
    setParams(next);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    update({ q: text.trim() });
  };

  const data = home.data;
  const orgName = data?.departments.find((d) => d.orgId === org || d.uscc === org)?.name ?? org;

  return (
    <PortalLayout>
      <section
        aria-labelledby="portal-heading"
        style={{ maxWidth: 760, margin: '8px auto 24px', textAlign: 'center' }}
      >
        <Typography.Title id="portal-heading" level={screens.md ? 2 : 3} style={{ marginTop: 0 }}>
          {t('portal.home.heading')}
        </Typography.Title>
        {data && (
          <Typography.Paragraph type="secondary" data-testid="portal-totals">
            {t('portal.home.totals', {
              entries: formatNumber(lang, data.totals.entries),
              withData: formatNumber(lang, data.totals.withData),
            })}
          </Typography.Paragraph>
        )}
        <form role="search" onSubmit={submit} aria-label={t('portal.search.label')}>
          <Space.Compact style={{ width: '100%' }}>
            <Input
              size="large"
              allowClear
              value={text}
              onChange={(e) => setText(e.target.value)}
              placeholder={t('portal.search.placeholder')}
              aria-label={t('portal.search.label')}
              maxLength={200}
              prefix={<SearchOutlined aria-hidden />}
              data-testid="portal-search"
            />
            <Button size="large" type="primary" htmlType="submit" data-testid="portal-search-submit">
              {t('portal.search.submit')}
            </Button>
          </Space.Compact>
        </form>
      </section>

      <Row gutter={[24, 24]}>
        <Col xs={{ span: 24, order: 2 }} lg={{ span: 6, order: 1 }}>
          <Facets home={data} loading={home.isPending} active={{ category, org }} update={update} />
        </Col>
        <Col xs={{ span: 24, order: 1 }} lg={{ span: 18, order: 2 }}>
          {home.error && <ErrorAlert error={home.error} style={{ marginBottom: 16 }} />}
          {searching ? (
            <section aria-label={t('portal.search.label')} data-testid="portal-results">
              <Space wrap style={{ marginBottom: 12 }}>
                <Typography.Text strong data-testid="portal-results-total">
                  {results.data ? t('portal.results', { n: formatNumber(lang, results.data.total) }) : ' '}
                </Typography.Text>
                {q.trim() && (
                  <Tag closable onClose={() => update({ q: '' })}>
                    {t('portal.filter.q', { q: q.trim() })}
                  </Tag>
                )}
                {category && (
                  <Tag closable onClose={() => update({ category: null })}>
                    {t(`catalog.category.${category}`)}
                  </Tag>
                )}
                {org && (
                  <Tag closable onClose={() => update({ org: null })}>
                    {orgName}
                  </Tag>
                )}
                <Link to="/portal" data-testid="portal-results-clear">
                  {t('portal.results.back')}
                </Link>
              </Space>
              {results.error && <ErrorAlert error={results.error} />}
              {results.isPending && <Skeleton active />}
              {results.data && results.data.items.length === 0 && (
                <Empty description={t('portal.results.empty')} />
              )}
              {results.data && results.data.items.length > 0 && (
                <>
                  <Row gutter={[16, 16]} data-loading={String(results.isFetching)}>
                    {results.data.items.map((c) => (
                      <Col key={c.entryId} xs={24} md={12}>
                        <DatasetCardView card={c} />
                      </Col>
                    ))}
                  </Row>
                  {results.data.total > PAGE_SIZE && (
                    <Pagination
                      style={{ marginTop: 16, textAlign: 'center' }}
                      current={page}
                      pageSize={PAGE_SIZE}
                      total={results.data.total}
                      showSizeChanger={false}
                      simple={!screens.sm}
                      onChange={(p) => update({ page: String(p) })}
                    />
                  )}
                </>
              )}
            </section>
          ) : (
            <HomeLists home={data} loading={home.isPending} onBrowseAll={() => update({ q: '' })} />
          )}
        </Col>
      </Row>
    </PortalLayout>
  );
}

function Facets({
  home,
  loading,
  active,
  update,
}: {
  home: OpenHome | undefined;
  loading: boolean;
  active: { category: Category | undefined; org: string };
  update: (change: Record<string, string | null>) => void;
}) {
  const { t, lang } = useLang();
  const [allDepartments, setAllDepartments] = useState(false);
  const departments = home?.departments ?? [];
  const shown = allDepartments ? departments : departments.slice(0, DEPARTMENTS_SHOWN);
  const itemStyle = (on: boolean) => ({
    width: '100%',
    justifyContent: 'space-between',
    display: 'flex',
    fontWeight: on ? 600 : undefined,
  });
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Card
        size="small"
        title={<h2 style={{ fontSize: 15, margin: 0 }}>{t('portal.categories')}</h2>}
        loading={loading}
      >
        <nav aria-label={t('portal.categories')}>
          {home?.categories.map((c) => {
            const on = active.category === c.category;
            return (
              <Button
                key={c.category}
                type={on ? 'link' : 'text'}
                block
                style={itemStyle(on)}
                aria-pressed={on}
                onClick={() => update({ category: on ? null : c.category })}
                data-testid="portal-category"
                data-value={c.category}
                data-count={c.count}
              >
                <span>{lang === 'en' ? c.nameEn : c.name}</span>
                <Badge count={c.count} showZero color={on ? '#b71c1c' : '#8c8c8c'} overflowCount={9999} />
              </Button>
            );
          })}
        </nav>
      </Card>
      <Card
        size="small"
        title={<h2 style={{ fontSize: 15, margin: 0 }}>{t('portal.departments')}</h2>}
        loading={loading}
      >
        <nav aria-label={t('portal.departments')}>
          {shown.map((d) => {
            const on = active.org === d.orgId || active.org === d.uscc;
            return (
              <Button
                key={d.orgId}
                type={on ? 'link' : 'text'}
                block
                style={itemStyle(on)}
                aria-pressed={on}
                title={d.name}
                onClick={() => update({ org: on ? null : d.orgId })}
                data-testid="portal-department"
                data-id={d.orgId}
                data-uscc={d.uscc}
                data-count={d.count}
              >
                <span style={{ overflow: 'hidden', textOverflow: 'ellipsis', textAlign: 'left' }}>
                  {d.name}
                </span>
                <Badge count={d.count} showZero color={on ? '#b71c1c' : '#8c8c8c'} overflowCount={9999} />
              </Button>
            );
          })}
          {departments.length > DEPARTMENTS_SHOWN && (
            <Button type="link" size="small" onClick={() => setAllDepartments((v) => !v)}>
              {allDepartments
                ? t('portal.departments.less')
                : t('portal.departments.more', { n: departments.length })}
            </Button>
          )}
        </nav>
      </Card>
    </Space>
  );
}

function HomeLists({
  home,
  loading,
  onBrowseAll,
}: {
  home: OpenHome | undefined;
  loading: boolean;
  onBrowseAll: () => void;
}) {
  const { t } = useLang();
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <section aria-labelledby="portal-newest-title" data-testid="portal-newest">
        <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'baseline' }}>
          <Typography.Title level={4} id="portal-newest-title">
            {t('portal.newest')}
          </Typography.Title>
          <Button type="link" onClick={onBrowseAll} data-testid="portal-browse-all">
            {t('portal.browseAll')}
          </Button>
        </div>
        {loading ? (
          <Skeleton active />
        ) : (
          <Row gutter={[16, 16]}>
            {(home?.newest ?? []).map((c) => (
              <Col key={c.entryId} xs={24} md={12}>
                <DatasetCardView card={c} />
              </Col>
            ))}
          </Row>
        )}
      </section>
      <section aria-labelledby="portal-popular-title" data-testid="portal-popular">
        <Typography.Title level={4} id="portal-popular-title">
          {t('portal.popular')}
        </Typography.Title>
        {loading ? (
          <Skeleton active />
        ) : (home?.popular.length ?? 0) === 0 ? (
          <Typography.Text type="secondary">{t('portal.popular.empty')}</Typography.Text>
        ) : (
          <Row gutter={[16, 16]}>
            {(home?.popular ?? []).map((c) => (
              <Col key={c.entryId} xs={24} md={12}>
                <DatasetCardView card={c} recentDownloads={c.recentDownloads} />
              </Col>
            ))}
          </Row>
        )}
      </section>
    </Space>
  );
}
