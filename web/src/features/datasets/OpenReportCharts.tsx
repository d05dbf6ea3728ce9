import { useEffect, useMemo, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { useLang } from '../../lang';
import type { ClassBucket, ReportField } from './open-model';

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** Draws `option` into a div for as long as it is mounted (ECharts, canvas), resizing with the window. */
function useChart(option: echarts.EChartsCoreOption) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return undefined;
    const chart = echarts.init(el.current);
    chart.setOption(option);
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [option]);
  return el;
}

/** The label of a histogram bucket of class sizes: 1, 5–9, 1000+. */
export const bucketLabel = (b: ClassBucket) =>
  b.to === null ? `${b.from}+` : b.to === b.from ? String(b.from) : `${b.from}–${b.to}`;

/** 信息损失 per field: horizontal bars, 0–100 %. */
export function LossChart({ fields }: { fields: readonly ReportField[] }) {
  const { t } = useLang();
  const option = useMemo(() => {
    const shown = [...fields].reverse();
    return {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: number) => `${v}%` },
      grid: { left: 8, right: 32, top: 8, bottom: 24, containLabel: true },
      xAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
      yAxis: { type: 'category', data: shown.map((f) => `${f.name} (${f.code})`) },
      series: [
        {
          name: t('publish.report.loss'),
          type: 'bar',
          data: shown.map((f) => ({
            value: Math.round(f.loss * 1000) / 10,
            itemStyle: { color: f.quasiIdentifier ? '#2f54eb' : '#8c8c8c' },
          })),
          label: { show: true, position: 'right', formatter: '{c}%' },
        },
      ],
    };
  }, [fields, t]);
  const el = useChart(option);
  return (
    <div
      ref={el}
      style={{ width: '100%', height: Math.max(120, fields.length * 28 + 40) }}
      data-testid="open-report-loss-chart"
    />
  );
}

/** 等价类大小分布: classes (bars) and their rows (bars on the second axis) per size bucket. */
export function ClassesChart({ histogram }: { histogram: readonly ClassBucket[] }) {
  const { t } = useLang();
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 8, right: 8, top: 48, bottom: 32, containLabel: true },
      xAxis: {
        type: 'category',
        name: t('publish.report.classSize'),
        nameLocation: 'middle',
        nameGap: 28,
        data: histogram.map(bucketLabel),
      },
      yAxis: [
        { type: 'value', name: t('publish.report.classCount'), minInterval: 1 },
        { type: 'value', name: t('publish.report.classRows'), minInterval: 1, splitLine: { show: false } },
      ],
      series: [
        {
          name: t('publish.report.classCount'),
          type: 'bar',
          data: histogram.map((b) => b.classes),
          itemStyle: { color: '#b71c1c' },
        },
        {
          name: t('publish.report.classRows'),
          type: 'bar',
          yAxisIndex: 1,
          data: histogram.map((b) => b.rows),
          itemStyle: { color: '#faad14' },
        },
      ],
    }),
    [histogram, t],
  );
  const el = useChart(option);
  return <div ref={el} style={{ width: '100%', height: 280 }} data-testid="open-report-classes-chart" />;
}
