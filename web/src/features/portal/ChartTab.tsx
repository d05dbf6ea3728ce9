import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Alert, Empty, Form, Segmented, Select, Space, Spin, Typography } from 'antd';
import { AreaChartOutlined, BarChartOutlined, GlobalOutlined, PieChartOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import * as echarts from 'echarts/core';
import { BarChart, LineChart, MapChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useOpenAggregate, useOpenRows } from './api';
import { categoryColumn, isNumeric, type OpenAggregate, type OpenColumn, type OpenDataset } from './model';
import { PREVIEW_LIMIT } from './PreviewTab';
import { isRegionCode, loadChina, loadProvince, provinceOf, type RegionMap } from './regions';

echarts.use([
  BarChart,
  LineChart,
  PieChart,
  MapChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

export const CHART_TYPES = ['bar', 'line', 'pie', 'map'] as const;
export type ChartType = (typeof CHART_TYPES)[number];

const TYPE_ICONS: Record<ChartType, ReactNode> = {
  bar: <BarChartOutlined />,
  line: <AreaChartOutlined />,
  pie: <PieChartOutlined />,
  map: <GlobalOutlined />,
};

const COLORS = ['#ffebee', '#ef9a9a', '#e53935', '#8e0000'];

/** Columns whose sampled values are (nearly all) 6-digit region codes. */
function regionColumns(columns: OpenColumn[], rows: Record<string, unknown>[] | undefined): Set<string> {
  const out = new Set<string>();
  if (!rows?.length) return out;
  for (const c of columns) {
    if (c.type !== 'string' && c.type !== 'integer') continue;
    const values = rows.map((r) => r[c.code]).filter((v) => v !== null && v !== undefined && v !== '');
    if (values.length && values.filter(isRegionCode).length >= values.length * 0.8) out.add(c.code);
  }
  return out;
}

/** The map's data: each group's value on the feature of its code (or of its city, for a county map). */
function mapSeries(agg: OpenAggregate, map: RegionMap, additive: boolean) {
  const values = new Map<string, number>();
  const unmatched: string[] = [];
  for (const r of agg.rows) {
    if (r.key === null || r.key === undefined) continue;
    const code = String(r.key);
    let name = map.regions.get(code);
    if (!name && additive && !map.cityLevel) name = map.regions.get(`${code.slice(0, 4)}00`);
    if (!name) {
      unmatched.push(code);
      continue;
    }
    values.set(name, (values.get(name) ?? 0) + r.value);
  }
  return { data: [...values].map(([name, value]) => ({ name, value })), unmatched };
}

/**
 * 图表: a chart builder over GET /aggregate — bar, line, pie, or a choropleth by region code
 * (China by province, or one province by city when all the data lies in it).
 */
export function ChartTab({ dataset }: { dataset: OpenDataset }) {
  const { t } = useLang();
  const columns = dataset.columns;
  const sample = useOpenRows(dataset.entryId, { limit: PREVIEW_LIMIT });
  const regions = useMemo(() => regionColumns(columns, sample.data?.rows), [columns, sample.data]);
  const numeric = columns.filter(isNumeric);

  const [type, setType] = useState<ChartType>('bar');
  const [group, setGroup] = useState<string | null>(null);
  const [measure, setMeasure] = useState('count');

  // Defaults: the column with the fewest distinct sampled values (≥ 2) for charts; a region column for a map.
  const fallbackGroup = sample.isPending
    ? null
    : type === 'map'
      ? ([...regions][0] ?? null)
      : categoryColumn(columns, sample.data?.rows);
  const groupBy = group ?? fallbackGroup;
  const groupColumn = columns.find((c) => c.code === groupBy);

  const measureLabel = (m: string) => {
    if (m === 'count') return t('portal.chart.count');
    const [fn, code] = m.split(':');
    const name = columns.find((c) => c.code === code)?.name ?? code ?? '';
    return fn === 'sum' ? t('portal.chart.sum', { name }) : t('portal.chart.avg', { name });
  };

  const isMap = type === 'map';
  const plain = useOpenAggregate(dataset.entryId, !isMap && groupBy ? { groupBy, measure } : null);
  // A map first asks by province: one province → its cities (or districts), else China.
  const byProvince = useOpenAggregate(
    dataset.entryId,
    isMap && groupBy ? { groupBy, measure, regionLevel: 'province' } : null,
  );
  const provinces = new Set(
    (byProvince.data?.rows ?? []).filter((r) => r.key !== null).map((r) => provinceOf(String(r.key))),
  );
  const scope = !byProvince.data ? null : provinces.size === 1 ? [...provinces][0]! : 'china';
  const geo = useQuery({
    queryKey: ['portal-geo', scope],
    queryFn: async () => (scope === 'china' ? loadChina() : ((await loadProvince(scope!)) ?? loadChina())),
    enabled: isMap && scope !== null,
    staleTime: Infinity,
  });
  const detailed = geo.data && geo.data.name !== 'china';
  const byRegion = useOpenAggregate(
    dataset.entryId,
    isMap && groupBy && geo.data && detailed
      ? { groupBy, measure, ...(geo.data.cityLevel ? { regionLevel: 'city' as const } : {}) }
      : null,
  );

  const agg = isMap ? (detailed ? byRegion.data : byProvince.data) : plain.data;
  const error = isMap ? (byProvince.error ?? geo.error ?? byRegion.error) : plain.error;
  const loading = isMap ? byProvince.isFetching || geo.isFetching || byRegion.isFetching : plain.isFetching;
  const notRegion = isMap && byProvince.data !== undefined && provinces.size === 0;

  const map = isMap && agg && geo.data ? mapSeries(agg, geo.data, !measure.startsWith('avg:')) : null;
  const empty = agg !== undefined && agg.rows.length === 0;
  const ready = !loading && !error && agg !== undefined && !empty && !notRegion && (!isMap || map !== null);

  const changeType = (next: ChartType) => {
    setType(next);
    // A map needs a region column; other charts keep the chosen column.
    if (next === 'map' && groupBy && !regions.has(groupBy)) setGroup(null);
  };

  const typeName = t(`portal.chart.${type}`);
  const aria = t('portal.chart.aria', {
    type: typeName,
    measure: measureLabel(measure),
    group: groupColumn?.name ?? '',
  });

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Form layout="vertical" component="div">
        <Space wrap size={[16, 0]} align="start">
          <Form.Item label={<span id="portal-chart-type-label">{t('portal.chart.type')}</span>}>
            <Segmented<ChartType>
              value={type}
              onChange={changeType}
              aria-labelledby="portal-chart-type-label"
              data-testid="portal-chart-type"
              data-value={type}
              options={CHART_TYPES.map((c) => ({
                value: c,
                label: (
                  <span data-testid={`portal-chart-type-${c}`} data-value={c}>
                    {TYPE_ICONS[c]} {t(`portal.chart.${c}`)}
                  </span>
                ),
              }))}
            />
          </Form.Item>
          <Form.Item label={t('portal.chart.group')} htmlFor="portal-chart-group">
            <Select
              id="portal-chart-group"
              value={groupBy ?? undefined}
              onChange={(v: string) => setGroup(v)}
              style={{ width: 220, maxWidth: '100%' }}
              data-testid="portal-chart-group"
              showSearch={{ optionFilterProp: 'title' }}
              options={columns
                .filter((c) => !isMap || regions.has(c.code))
                .map((c) => ({
                  value: c.code,
                  title: c.name,
                  label: (
                    <span data-testid={`portal-chart-group-option-${c.code}`}>
                      {regions.has(c.code) ? t('portal.chart.region', { name: c.name }) : c.name}
                    </span>
                  ),
                }))}
            />
          </Form.Item>
          <Form.Item label={t('portal.chart.measure')} htmlFor="portal-chart-measure">
            <Select
              id="portal-chart-measure"
              value={measure}
              onChange={(v: string) => setMeasure(v)}
              style={{ width: 220, maxWidth: '100%' }}
              data-testid="portal-chart-measure"
              options={['count', ...numeric.flatMap((c) => [`sum:${c.code}`, `avg:${c.code}`])].map((m) => ({
                value: m,
                label: (
                  <span data-testid={`portal-chart-measure-option-${m.replace(':', '-')}`}>
                    {measureLabel(m)}
                  </span>
                ),
              }))}
            />
          </Form.Item>
        </Space>
      </Form>
      {isMap && <Typography.Text type="secondary">{t('portal.chart.mapHint')}</Typography.Text>}
      {error && <ErrorAlert error={error} />}
      {isMap && regions.size === 0 && sample.data && (
        <Alert type="info" title={t('portal.chart.notRegion')} />
      )}
      {notRegion && regions.size > 0 && <Alert type="warning" title={t('portal.chart.notRegion')} />}
      {empty && <Empty description={t('portal.chart.empty')} />}
      {agg?.truncated && <Typography.Text type="secondary">{t('portal.chart.truncated')}</Typography.Text>}
      {map && map.unmatched.length > 0 && (
        <Typography.Text type="warning" data-testid="portal-chart-unmatched">
          {t('portal.chart.unmatched', {
            n: map.unmatched.length,
            codes: map.unmatched.slice(0, 8).join('、'),
          })}
        </Typography.Text>
      )}
      <Spin spinning={loading}>
        <ChartCanvas
          type={type}
          agg={ready ? agg : undefined}
          map={ready ? map : null}
          geo={geo.data ?? null}
          measureName={measureLabel(measure)}
          aria={aria}
          state={loading ? 'loading' : ready ? 'ready' : 'empty'}
        />
      </Spin>
    </Space>
  );
}

function ChartCanvas({
  type,
  agg,
  map,
  geo,
  measureName,
  aria,
  state,
}: {
  type: ChartType;
  agg: OpenAggregate | undefined;
  map: { data: { name: string; value: number }[] } | null;
  geo: RegionMap | null;
  measureName: string;
  aria: string;
  state: 'loading' | 'ready' | 'empty';
}) {
  const { t } = useLang();
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    if (!el.current) return undefined;
    const c = echarts.init(el.current);
    chart.current = c;
    const observer = new ResizeObserver(() => c.resize());
    observer.observe(el.current);
    return () => {
      observer.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    if (!agg) {
      c.clear();
      return;
    }
    const label = (k: unknown) => (k === null || k === undefined ? t('portal.chart.nullKey') : String(k));
    if (type === 'map' && map && geo) {
      const values = map.data.map((d) => d.value);
      c.setOption(
        {
          tooltip: {
            trigger: 'item',
            valueFormatter: (v: unknown) => (typeof v === 'number' ? String(v) : '—'),
          },
          visualMap: {
            type: 'continuous',
            min: Math.min(0, ...values),
            max: Math.max(1, ...values),
            calculable: true,
            orient: 'horizontal',
            left: 'center',
            bottom: 0,
            itemWidth: 12,
            itemHeight: 160,
            inRange: { color: COLORS },
            text: [measureName, ''],
          },
          series: [
            {
              type: 'map',
              map: geo.name,
              name: measureName,
              roam: true,
              // Fits the outline into the box whatever its shape (a phone is narrower than the map).
              layoutCenter: ['50%', '45%'],
              layoutSize: '88%',
              label: { show: geo.name !== 'china', fontSize: 10 },
              emphasis: { label: { show: true } },
              data: map.data,
            },
          ],
        },
        true,
      );
      return;
    }
    const keys = agg.rows.map((r) => label(r.key));
    if (type === 'pie') {
      c.setOption(
        {
          tooltip: { trigger: 'item' },
          legend: { type: 'scroll', bottom: 0 },
          series: [
            {
              type: 'pie',
              name: measureName,
              radius: ['30%', '62%'],
              center: ['50%', '45%'],
              data: agg.rows.map((r, i) => ({ name: keys[i], value: r.value })),
            },
          ],
        },
        true,
      );
      return;
    }
    c.setOption(
      {
        color: ['#b71c1c'],
        tooltip: { trigger: 'axis' },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: {
          type: 'category',
          data: keys,
          axisLabel: { rotate: keys.length > 6 ? 40 : 0, hideOverlap: true },
        },
        yAxis: { type: 'value', name: measureName },
        series: [{ type, name: measureName, data: agg.rows.map((r) => r.value), smooth: type === 'line' }],
      },
      true,
    );
  }, [type, agg, map, geo, measureName, t]);

  return (
    <div
      ref={el}
      role="img"
      aria-label={aria}
      data-testid="portal-chart"
      data-type={type}
      data-state={state}
      data-groups={agg?.rows.length ?? 0}
      data-regions={map?.data.length ?? 0}
      style={{ width: '100%', height: type === 'map' ? 'min(520px, 110vw)' : 420 }}
    />
  );
}
