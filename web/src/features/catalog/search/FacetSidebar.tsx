import { Button, Card, Empty, Space, Tag, Typography } from 'antd';
import { useLang } from '../../../lang';
import { facetValueLabel } from '../labels';
import { FACETS, type FacetBucket, type FacetName, type SearchParams } from '../model';

interface Props {
  facets: Record<string, FacetBucket[]>;
  filters: SearchParams['filters'];
  onToggle: (facet: FacetName, value: string) => void;
  onClear: () => void;
}

/** One block per facet with its counts; a click adds or removes that value as a filter. */
export function FacetSidebar({ facets, filters, onToggle, onClear }: Props) {
  const { t } = useLang();
  const active = Object.values(filters).some((v) => (v ?? []).length > 0);
  const shown = FACETS.filter((f) => (facets[f] ?? []).length > 0 || (filters[f] ?? []).length > 0);
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="facets">
      {active && (
        <Button block onClick={onClear} data-testid="facets-clear">
          {t('catalog.filters.clear')}
        </Button>
      )}
      {shown.length === 0 && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />}
      {shown.map((facet) => {
        const selected = filters[facet] ?? [];
        const buckets = facets[facet] ?? [];
        // A selected value the current results no longer count still shows, so it can be undone.
        const missing = selected.filter((v) => !buckets.some((b) => b.value === v));
        const all: FacetBucket[] = [...buckets, ...missing.map((value) => ({ value, count: 0 }))];
        return (
          <Card key={facet} size="small" title={t(`catalog.facet.${facet}`)} data-testid={`facet-${facet}`}>
            <Space wrap size={[4, 6]}>
              {all.map((b) => {
                const on = selected.includes(b.value);
                return (
                  <Tag.CheckableTag
                    key={b.value}
                    checked={on}
                    onChange={() => onToggle(facet, b.value)}
                    data-testid={`facet-${facet}-${b.value}`}
                    data-active={on}
                  >
                    {facetValueLabel(t, facet, b.value, b.label)}{' '}
                    <Typography.Text type={on ? undefined : 'secondary'} style={{ color: 'inherit' }}>
                      ({b.count})
                    </Typography.Text>
                  </Tag.CheckableTag>
                );
              })}
            </Space>
          </Card>
        );
      })}
    </Space>
  );
}
