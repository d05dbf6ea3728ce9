import { useEffect, useMemo, useRef } from 'react';
import { Empty } from 'antd';
import * as echarts from 'echarts/core';
import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { useLang } from '../../lang';
import { dimensionLabel } from './QualityLabels';
import { DIMENSIONS, type RunSummary } from './quality-model';

echarts.use([LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** 趋势: the overall and per-dimension scores of the finished runs, oldest first (ECharts, canvas). */
export function QualityTrend({ runs }: { runs: readonly RunSummary[] }) {
  const { t, lang } = useLang();
  const el = useRef<HTMLDivElement>(null);
  const done = useMemo(() => runs.filter((r) => r.status === 'done').reverse(), [runs]);
  useEffect(() => {
    if (!el.current || done.length === 0) return undefined;
    const chart = echarts.init(el.current);
    const fmt = new Intl.DateTimeFormat(lang, {
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    const dims = DIMENSIONS.filter((d) =>
      done.some((r) => r.scores[d] !== null && r.scores[d] !== undefined),
    );
    chart.setOption({
      tooltip: { trigger: 'axis' },
      legend: { type: 'scroll', top: 0 },
      grid: { left: 48, right: 24, top: 40, bottom: 32 },
      xAxis: { type: 'category', data: done.map((r) => `#${r.id} ${fmt.format(new Date(r.startedAt))}`) },
      yAxis: { type: 'value', min: 0, max: 100, name: t('quality.trend.score') },
      series: [
        {
          name: t('quality.score.overall'),
          type: 'line',
          data: done.map((r) => r.score),
          lineStyle: { width: 3 },
          symbolSize: 8,
        },
        ...dims.map((d) => ({
          name: dimensionLabel(t, d),
          type: 'line',
          data: done.map((r) => r.scores[d] ?? null),
          connectNulls: false,
        })),
      ],
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [done, t, lang]);
  if (done.length === 0) {
    return (
      <div data-testid="quality-trend" data-points={0}>
        <Empty description={t('quality.trend.empty')} image={Empty.PRESENTED_IMAGE_SIMPLE} />
      </div>
    );
  }
  return (
    <div
      ref={el}
      style={{ width: '100%', height: 300 }}
      data-testid="quality-trend"
      data-points={done.length}
    />
  );
}
