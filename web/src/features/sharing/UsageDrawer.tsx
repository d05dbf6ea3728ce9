import { useEffect, useRef, useState } from 'react';
import { Drawer, Empty, Segmented, Space, Table, Typography } from 'antd';
import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { useLang } from '../../lang';
import type { DatongApp } from '../../types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useAppUsage } from './api';
import { GrantStatusTag } from './labels';
import type { AppUsage, GrantStatus } from './model';

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** Calls per day, one stacked series per grant (ECharts, canvas). */
function UsageChart({ usage }: { usage: AppUsage }) {
  const { t } = useLang();
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return undefined;
    const chart = echarts.init(el.current);
    chart.setOption({
      tooltip: { trigger: 'axis' },
      legend: { type: 'scroll', top: 0 },
      grid: { left: 48, right: 16, top: 40, bottom: 32 },
      xAxis: { type: 'category', data: usage.days.map((d) => d.slice(5)) },
      yAxis: { type: 'value', name: t('share.usage.calls'), minInterval: 1 },
      series: usage.grants.map((g) => ({
        name: g.entryName,
        type: 'bar',
        stack: 'calls',
        data: g.calls,
      })),
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [usage, t]);
  return <div ref={el} style={{ width: '100%', height: 320 }} data-testid="usage-chart" />;
}

/** 调用量: an application's calls per grant and day, and today's against each daily quota. */
export function UsageDrawer({ app, onClose }: { app: DatongApp; onClose: () => void }) {
  const { t } = useLang();
  const [days, setDays] = useState(30);
  const usage = useAppUsage(app.id, days);
  const data = usage.data;
  return (
    <Drawer open size={760} title={`${t('share.usage.title')} · ${app.name}`} onClose={onClose}>
      <Space orientation="vertical" style={{ width: '100%' }} size="middle">
        <Segmented
          value={days}
          onChange={(v) => setDays(Number(v))}
          options={[7, 30, 90].map((n) => ({ value: n, label: t('share.usage.days', { n }) }))}
          data-testid="usage-days"
        />
        {usage.error && <ErrorAlert error={usage.error} />}
        {data && data.grants.length === 0 && <Empty description={t('share.usage.noGrants')} />}
        {data && data.grants.length > 0 && (
          <>
            <UsageChart usage={data} />
            <Table
              rowKey="grantId"
              size="small"
              pagination={false}
              dataSource={data.grants}
              data-testid="usage-table"
              columns={[
                { title: t('share.usage.entry'), dataIndex: 'entryName' },
                { title: t('share.usage.provider'), dataIndex: 'providerOrgName' },
                {
                  title: t('share.usage.status'),
                  dataIndex: 'status',
                  render: (v: GrantStatus) => <GrantStatusTag value={v} />,
                },
                {
                  title: t('share.usage.today'),
                  key: 'today',
                  render: (_, g) => (
                    <Typography.Text data-testid="usage-today">
                      {g.calls.at(-1) ?? 0} / {g.dailyQuota}
                    </Typography.Text>
                  ),
                },
                {
                  title: t('share.usage.total', { n: days }),
                  key: 'total',
                  render: (_, g) => g.calls.reduce((a, b) => a + b, 0),
                },
              ]}
            />
          </>
        )}
      </Space>
    </Drawer>
  );
}
