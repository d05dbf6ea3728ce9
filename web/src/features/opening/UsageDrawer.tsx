import { useEffect, useRef, useState } from 'react';
import { Drawer, Input, Space, Table, Typography } from 'antd';
import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { shanghaiMonth, useUsage } from './api';
import { SubscriptionStatusTag } from './labels';
import type { DataProduct, UsageReport } from './model';

echarts.use([BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

type Consumer = UsageReport['consumers'][number];
const consumerName = (c: Consumer, person: string) =>
  c.companyName ? c.companyName : `${c.subscriberName}（${person}）`;

/** Calls per consumer in the month (ECharts bar, canvas). */
function UsageChart({ report }: { report: UsageReport }) {
  const { t } = useLang();
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return undefined;
    const chart = echarts.init(el.current);
    chart.setOption({
      tooltip: { trigger: 'axis' },
      grid: { left: 48, right: 16, top: 24, bottom: 64 },
      xAxis: {
        type: 'category',
        data: report.consumers.map((c) => consumerName(c, t('product.usage.person'))),
        axisLabel: { interval: 0, rotate: report.consumers.length > 4 ? 30 : 0 },
      },
      yAxis: { type: 'value', name: t('product.col.calls'), minInterval: 1 },
      series: [{ type: 'bar', name: t('product.col.calls'), data: report.consumers.map((c) => c.calls) }],
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [report, t]);
  return <div ref={el} style={{ width: '100%', height: 300 }} data-testid="product-usage-chart" />;
}

/** 月度用量: a product's calls per consumer in a month, for its provider and the platform. */
export function UsageDrawer({ product, onClose }: { product: DataProduct; onClose: () => void }) {
  const { t } = useLang();
  const [month, setMonth] = useState(shanghaiMonth());
  const usage = useUsage(product.id, month);
  const r = usage.data;
  return (
    <Drawer
      open
      size={760}
      title={`${t('product.usage.title')} · ${product.name}`}
      onClose={onClose}
      data-testid="product-usage-drawer"
    >
      <Space orientation="vertical" style={{ width: '100%' }} size="middle">
        <Space>
          {t('product.usage.month')}
          <Input
            type="month"
            value={month}
            onChange={(e) => e.target.value && setMonth(e.target.value)}
            style={{ width: 180 }}
            data-testid="product-usage-month"
          />
          {r && (
            <Typography.Text strong data-testid="product-usage-total">
              {t('product.usage.total', { n: r.total })}
            </Typography.Text>
          )}
        </Space>
        {usage.error && <ErrorAlert error={usage.error} />}
        {r && r.consumers.length > 0 && <UsageChart report={r} />}
        <Table<Consumer>
          rowKey="subscriptionId"
          size="small"
          loading={usage.isPending}
          dataSource={r?.consumers ?? []}
          pagination={false}
          data-testid="product-usage-table"
          onRow={(c) => ({ 'data-testid': 'product-usage-row', 'data-id': c.subscriptionId }) as never}
          columns={[
            {
              title: t('product.col.subscriber'),
              key: 'who',
              render: (_, c) => consumerName(c, t('product.usage.person')),
            },
            {
              title: t('opening.apply.uscc'),
              dataIndex: 'companyUscc',
              render: (v: string | null) => v ?? '—',
            },
            { title: t('product.col.tier'), dataIndex: 'tier' },
            {
              title: t('product.col.status'),
              key: 's',
              render: (_, c) => <SubscriptionStatusTag value={c.status} />,
            },
            { title: t('product.col.calls'), dataIndex: 'calls', align: 'right' },
            {
              title: t('product.col.quota'),
              dataIndex: 'callsPerMonth',
              align: 'right',
              render: (v: number | null) => v ?? '—',
            },
          ]}
        />
      </Space>
    </Drawer>
  );
}
