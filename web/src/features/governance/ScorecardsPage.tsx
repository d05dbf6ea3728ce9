import { useEffect, useRef, useState, type HTMLAttributes } from 'react';
import { Button, Card, DatePicker, Empty, Segmented, Space, Table, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { DownloadOutlined, QuestionCircleOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { useSearchParams } from 'react-router';
import { useLang } from '../../lang';
import type { MessageKey, Params } from '../../i18n';
import { ErrorAlert } from '../../components/ErrorAlert';
import { shanghaiToday } from '../sharing/model';
import { scorecardExportUrl, useScorecards } from './scorecards-api';
import { FIGURES, figurePercent, type Figure, type Period, type Scorecard, type ScorecardRow } from './model';

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

const DAY = 'YYYY-MM-DD';
const isDay = (s: string | null): s is string => s !== null && /^\d{4}-\d{2}-\d{2}$/.test(s);

/** The default period, as the server's: the 30 days up to today (Asia/Shanghai). */
function defaultPeriod(): Period {
  const to = shanghaiToday();
  return { from: dayjs(to).subtract(29, 'day').format(DAY), to };
}

/** The raw counts behind a figure, for its tooltip. */
function tipOf(t: (k: MessageKey, p?: Params) => string, r: ScorecardRow, f: Figure): string {
  switch (f) {
    case 'catalog':
      return t('scorecard.tip.catalog', { published: r.catalog.published, withData: r.catalog.withData });
    case 'timeliness':
      return t('scorecard.tip.timeliness', { expected: r.timeliness.expected, onTime: r.timeliness.onTime });
    case 'quality':
      return t('scorecard.tip.quality', { datasets: r.quality.datasets });
    case 'shareRequests': {
      const s = r.shareRequests;
      return t('scorecard.tip.shareRequests', {
        submitted: s.submitted,
        decided: s.decided,
        onTime: s.onTime,
        overdue: s.overdue,
        median: s.medianHours ?? '—',
      });
    }
    case 'objections':
      return t('scorecard.tip.objections', {
        due: r.objections.due,
        resolvedOnTime: r.objections.resolvedOnTime,
        openOverdue: r.objections.openOverdue,
      });
    case 'availability':
      return t('scorecard.tip.availability', { calls: r.availability.calls, errors: r.availability.errors });
  }
}

const scoreColor = (v: number) => (v >= 90 ? '#389e0d' : v >= 60 ? undefined : '#cf1322');

/** A figure: its percentage (or score), coloured, with the raw counts in a tooltip. */
function FigureCell({ row, figure }: { row: ScorecardRow; figure: Figure }) {
  const { t } = useLang();
  const v = figurePercent(row, figure);
  return (
    <Tooltip title={tipOf(t, row, figure)}>
      <span
        data-testid={`scorecard-${figure}`}
        data-value={v === null ? '' : String(v)}
        style={{ color: v === null ? undefined : scoreColor(v), cursor: 'help' }}
      >
        {v === null ? (
          <Typography.Text type="secondary">—</Typography.Text>
        ) : figure === 'quality' ? (
          v.toFixed(2)
        ) : (
          `${v.toFixed(2)}%`
        )}
      </span>
    </Tooltip>
  );
}

type ChartMode = 'overall' | 'figures';

/** Departments compared: the overall score, or each figure side by side (ECharts, canvas). */
function ScorecardChart({ card, mode }: { card: Scorecard; mode: ChartMode }) {
  const { t } = useLang();
  const el = useRef<HTMLDivElement>(null);
  const height = mode === 'overall' ? Math.max(200, 48 + card.rows.length * 32) : 360;
  useEffect(() => {
    if (!el.current) return undefined;
    const chart = echarts.init(el.current);
    const num = (v: number | null) => (v === null ? '-' : v);
    if (mode === 'overall') {
      const rows = [...card.rows].sort((a, b) => (a.overall ?? -1) - (b.overall ?? -1));
      chart.setOption({
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        grid: { left: 16, right: 48, top: 16, bottom: 24, containLabel: true },
        xAxis: { type: 'value', min: 0, max: 100 },
        yAxis: { type: 'category', data: rows.map((r) => r.orgName) },
        series: [
          {
            name: t('scorecard.chart.overall'),
            type: 'bar',
            data: rows.map((r) => num(r.overall)),
            label: { show: true, position: 'right' },
            itemStyle: { color: '#b71c1c' },
          },
        ],
      });
    } else {
      chart.setOption({
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        legend: { type: 'scroll', top: 0 },
        grid: { left: 16, right: 16, top: 40, bottom: 24, containLabel: true },
        xAxis: {
          type: 'category',
          data: card.rows.map((r) => r.orgName),
          axisLabel: { interval: 0, rotate: card.rows.length > 6 ? 30 : 0 },
        },
        yAxis: { type: 'value', min: 0, max: 100 },
        series: [
          ...FIGURES.map((f) => ({
            name: t(`scorecard.figure.${f}`),
            type: 'bar',
            data: card.rows.map((r) => num(figurePercent(r, f))),
          })),
          {
            name: t('scorecard.col.overall'),
            type: 'bar',
            data: card.rows.map((r) => num(r.overall)),
            itemStyle: { color: '#b71c1c' },
          },
        ],
      });
    }
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [card, mode, t]);
  return (
    <div
      ref={el}
      style={{ width: '100%', height }}
      data-testid="scorecard-chart"
      data-mode={mode}
      data-rows={card.rows.length}
    />
  );
}

/**
 * 部门考核 — the department scorecards of a period: one row per providing department with its six
 * figures and the weighted overall score, a chart comparing departments, and the export for the
 * periodic evaluation (XLSX, CSV). The period is kept in the address (?from=&to=).
 */
export default function ScorecardsPage() {
  const { t, time } = useLang();
  const [search, setSearch] = useSearchParams();
  const [mode, setMode] = useState<ChartMode>('overall');
  const fallback = defaultPeriod();
  const from = search.get('from');
  const to = search.get('to');
  const period: Period = isDay(from) && isDay(to) ? { from, to } : fallback;
  const card = useScorecards(period);
  const data = card.data;
  const today = dayjs(shanghaiToday());
  const quarterStart = today.month(today.month() - (today.month() % 3)).startOf('month');
  const presets: { label: string; value: [Dayjs, Dayjs] }[] = [
    { label: t('scorecard.preset.thisMonth'), value: [today.startOf('month'), today] },
    {
      label: t('scorecard.preset.lastMonth'),
      value: [today.subtract(1, 'month').startOf('month'), today.subtract(1, 'month').endOf('month')],
    },
    { label: t('scorecard.preset.last30'), value: [today.subtract(29, 'day'), today] },
    { label: t('scorecard.preset.thisQuarter'), value: [quarterStart, today] },
    { label: t('scorecard.preset.thisYear'), value: [today.startOf('year'), today] },
  ];
  const weight = (f: string) => Math.round((data?.weights[f] ?? 0) * 100);
  const header = (f: Figure) => (
    <Tooltip title={t('scorecard.weight', { w: weight(f) })}>
      <span>
        {t(`scorecard.figure.${f}`)} <QuestionCircleOutlined style={{ fontSize: 12, opacity: 0.6 }} />
      </span>
    </Tooltip>
  );
  const columns: ColumnsType<ScorecardRow> = [
    { title: t('scorecard.col.org'), dataIndex: 'orgName', fixed: 'left' },
    ...FIGURES.map((f) => ({
      title: header(f),
      key: f,
      align: 'right' as const,
      sorter: (a: ScorecardRow, b: ScorecardRow) => (figurePercent(a, f) ?? -1) - (figurePercent(b, f) ?? -1),
      render: (_: unknown, r: ScorecardRow) => <FigureCell row={r} figure={f} />,
    })),
    {
      title: (
        <Tooltip title={t('scorecard.note')}>
          <span>
            {t('scorecard.col.overall')} <QuestionCircleOutlined style={{ fontSize: 12, opacity: 0.6 }} />
          </span>
        </Tooltip>
      ),
      key: 'overall',
      align: 'right',
      defaultSortOrder: 'descend',
      sorter: (a, b) => (a.overall ?? -1) - (b.overall ?? -1),
      render: (_, r) =>
        r.overall === null ? (
          <Tooltip title={t('scorecard.na')}>
            <Typography.Text type="secondary" data-testid="scorecard-overall" data-value="">
              —
            </Typography.Text>
          </Tooltip>
        ) : (
          <Typography.Text
            strong
            data-testid="scorecard-overall"
            data-value={String(r.overall)}
            style={{ color: scoreColor(r.overall) }}
          >
            {r.overall.toFixed(2)}
          </Typography.Text>
        ),
    },
  ];
  return (
    <Card
      title={t('scorecard.title')}
      data-testid="scorecard-page"
      extra={
        <Space>
          <Button
            icon={<DownloadOutlined />}
            href={scorecardExportUrl(period, 'xlsx')}
            data-testid="scorecard-export-xlsx"
          >
            {t('scorecard.export.xlsx')}
          </Button>
          <Button
            icon={<DownloadOutlined />}
            href={scorecardExportUrl(period, 'csv')}
            data-testid="scorecard-export-csv"
          >
            {t('scorecard.export.csv')}
          </Button>
        </Space>
      }
    >
      <Space style={{ marginBottom: 16 }} wrap align="center">
        <Typography.Text>{t('scorecard.period')}</Typography.Text>
        <DatePicker.RangePicker
          value={[dayjs(period.from), dayjs(period.to)]}
          allowClear={false}
          presets={presets}
          disabledDate={(d) => d.isAfter(today, 'day')}
          onChange={(range) => {
            const [a, b] = range ?? [];
            if (a && b) setSearch({ from: a.format(DAY), to: b.format(DAY) }, { replace: true });
          }}
          data-testid="scorecard-period"
        />
        {data && (
          <Typography.Text type="secondary" data-testid="scorecard-as-of">
            {t('scorecard.asOf', { time: time(data.asOf) })}
          </Typography.Text>
        )}
      </Space>
      {card.error && <ErrorAlert error={card.error} style={{ marginBottom: 16 }} />}
      <Table<ScorecardRow>
        rowKey="orgId"
        size="middle"
        loading={card.isFetching}
        dataSource={data?.rows ?? []}
        columns={columns}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('scorecard.empty') }}
        data-testid="scorecard-table"
        onRow={(r) =>
          ({
            'data-testid': 'scorecard-row',
            'data-org': r.orgName,
            'data-org-id': r.orgId,
            'data-overall': r.overall === null ? '' : String(r.overall),
          }) as HTMLAttributes<HTMLElement>
        }
      />
      <Typography.Paragraph type="secondary" style={{ marginTop: 8, fontSize: 12 }}>
        {t('scorecard.note')}
      </Typography.Paragraph>
      <Space style={{ margin: '16px 0 8px' }} align="center">
        <Typography.Title level={5} style={{ margin: 0 }}>
          {t('scorecard.chart')}
        </Typography.Title>
        <Segmented<ChartMode>
          value={mode}
          onChange={setMode}
          options={[
            { value: 'overall', label: t('scorecard.chart.overall') },
            { value: 'figures', label: t('scorecard.chart.figures') },
          ]}
          data-testid="scorecard-chart-mode"
        />
      </Space>
      {data && data.rows.length > 0 ? (
        <ScorecardChart card={data} mode={mode} />
      ) : (
        data && <Empty description={t('scorecard.empty')} />
      )}
    </Card>
  );
}
