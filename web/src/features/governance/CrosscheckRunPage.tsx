import { useEffect, useMemo, useRef, type HTMLAttributes } from 'react';
import {
  Alert,
  Button,
  Card,
  Descriptions,
  Empty,
  Progress,
  Space,
  Spin,
  Table,
  Tooltip,
  Typography,
} from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { ArrowLeftOutlined } from '@ant-design/icons';
import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { Link, useParams, useSearchParams } from 'react-router';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { NotFoundPage } from '../../layout/NotFoundPage';
import { useRun } from './registry-api';
import type { ConflictFilter, ItemFigures, Run, SourceFigures } from './registry-model';
import { RunErrorText, RunStatusTag } from './CrosschecksPage';
import { SubjectTag } from './RegistryPage';
import { ConflictsTable } from './ConflictsTable';

echarts.use([BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

/** An agreement rate (0–1, or null when nothing was compared) as a percentage. */
export function formatRate(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(2)}%`;
}

const rateColor = (rate: number | null) =>
  rate === null ? '#bfbfbf' : rate >= 0.99 ? '#52c41a' : rate >= 0.9 ? '#faad14' : '#f5222d';

/** 一致率 as a small bar with its figure. */
function RateCell({ rate }: { rate: number | null }) {
  if (rate === null) return <Typography.Text type="secondary">—</Typography.Text>;
  return (
    <Space size={8} data-testid="crosscheck-rate" data-rate={rate}>
      <Progress
        percent={rate * 100}
        showInfo={false}
        size="small"
        strokeColor={rateColor(rate)}
        style={{ width: 80, margin: 0 }}
      />
      <span>{formatRate(rate)}</span>
    </Space>
  );
}

/** The agreement rate of every item × secondary source, one horizontal bar each (ECharts). */
function RateChart({ run, onPick }: { run: Run; onPick: (f: ConflictFilter) => void }) {
  const { t } = useLang();
  const el = useRef<HTMLDivElement>(null);
  // The latest callback, for the chart's click handler (set up once per drawing).
  const pickRef = useRef(onPick);
  useEffect(() => {
    pickRef.current = onPick;
  });
  const bars = useMemo(
    () =>
      run.results.flatMap((r) =>
        r.sources.map((s) => ({ item: r, source: s, label: `${r.itemName} · ${s.entryName}` })),
      ),
    [run],
  );
  const height = Math.max(160, bars.length * 36 + 60);
  useEffect(() => {
    if (!el.current || bars.length === 0) return undefined;
    const chart = echarts.init(el.current);
    chart.setOption({
      tooltip: {
        trigger: 'item',
        formatter: (p: { dataIndex: number }) => {
          const b = bars[p.dataIndex];
          if (!b) return '';
          return [
            `<b>${escapeHtml(b.item.itemName)}</b>`,
            `${escapeHtml(b.source.entryName)} · ${escapeHtml(b.source.fieldName)}`,
            `${t('crosscheck.col.rate')}: ${formatRate(b.source.agreementRate)}`,
            `${t('crosscheck.col.compared')}: ${b.source.compared}`,
            `${t('crosscheck.col.conflicting')}: ${b.source.conflicting}`,
          ].join('<br/>');
        },
      },
      grid: { left: 8, right: 56, top: 16, bottom: 24, containLabel: true },
      xAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
      yAxis: {
        type: 'category',
        // The first item on top.
        inverse: true,
        data: bars.map((b) => b.label),
        axisLabel: { width: 260, overflow: 'truncate' },
      },
      series: [
        {
          type: 'bar',
          name: t('crosscheck.col.rate'),
          barMaxWidth: 22,
          data: bars.map((b) => ({
            value: b.source.agreementRate === null ? 0 : Math.round(b.source.agreementRate * 10_000) / 100,
            itemStyle: { color: rateColor(b.source.agreementRate) },
          })),
          label: {
            show: true,
            position: 'right',
            formatter: (p: { dataIndex: number }) =>
              formatRate(bars[p.dataIndex]?.source.agreementRate ?? null),
          },
        },
      ],
    });
    chart.on('click', (p) => {
      const b = bars[p.dataIndex];
      if (b) pickRef.current({ itemId: b.item.itemId, sourceId: b.source.sourceId });
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [bars, t]);
  if (bars.length === 0) return null;
  return (
    <div ref={el} style={{ width: '100%', height }} data-testid="crosscheck-chart" data-bars={bars.length} />
  );
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** One item: its authority and, per secondary source, keys compared, agreeing, conflicting, missing. */
function ItemCard({ r, onPick }: { r: ItemFigures; onPick: (f: ConflictFilter) => void }) {
  const { t } = useLang();
  const columns: ColumnsType<SourceFigures> = [
    {
      title: t('crosscheck.col.source'),
      key: 'source',
      render: (_, s) => (
        <Space orientation="vertical" size={0}>
          <span>{s.entryName}</span>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {s.providerOrgName} · {s.fieldName} ({s.field})
          </Typography.Text>
        </Space>
      ),
    },
    { title: t('crosscheck.col.compared'), dataIndex: 'compared', align: 'right', width: 100 },
    { title: t('crosscheck.col.agreeing'), dataIndex: 'agreeing', align: 'right', width: 100 },
    {
      title: t('crosscheck.col.conflicting'),
      dataIndex: 'conflicting',
      align: 'right',
      width: 100,
      render: (n: number, s) => (
        <Tooltip
          title={
            s.conflictsStored < n
              ? t('crosscheck.stored', { n: s.conflictsStored.toLocaleString() })
              : undefined
          }
        >
          <Typography.Text type={n ? 'danger' : undefined}>{n.toLocaleString()}</Typography.Text>
        </Tooltip>
      ),
    },
    {
      title: (
        <Tooltip title={t('crosscheck.col.missingInSource.hint')}>
          {t('crosscheck.col.missingInSource')}
        </Tooltip>
      ),
      dataIndex: 'missingInSource',
      align: 'right',
      width: 120,
    },
    {
      title: (
        <Tooltip title={t('crosscheck.col.missingInAuthority.hint')}>
          {t('crosscheck.col.missingInAuthority')}
        </Tooltip>
      ),
      dataIndex: 'missingInAuthority',
      align: 'right',
      width: 120,
    },
    {
      title: t('crosscheck.col.rate'),
      dataIndex: 'agreementRate',
      width: 190,
      render: (v: number | null) => <RateCell rate={v} />,
    },
    {
      title: t('common.actions'),
      key: 'actions',
      width: 130,
      render: (_, s) => (
        <Button
          size="small"
          disabled={s.conflictsStored === 0}
          data-testid="crosscheck-source-conflicts"
          onClick={() => onPick({ itemId: r.itemId, sourceId: s.sourceId })}
        >
          {t('crosscheck.viewConflicts')}
        </Button>
      ),
    },
  ];
  return (
    <Card
      size="small"
      data-testid="crosscheck-item"
      data-item={r.itemName}
      title={
        <Space>
          <span>{r.itemName}</span>
          <SubjectTag value={r.subjectKind} />
        </Space>
      }
      extra={
        <Space>
          <Typography.Text type="secondary">{t('crosscheck.item.overall')}</Typography.Text>
          <RateCell rate={r.agreementRate} />
        </Space>
      }
    >
      <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
        {t('crosscheck.item.authority')}:{' '}
        {r.authority ? (
          <Typography.Text data-testid="crosscheck-authority">
            {r.authority.entryName} · {r.authority.fieldName} ({r.authority.field}) ·{' '}
            {r.authority.providerOrgName}
          </Typography.Text>
        ) : (
          <Typography.Text type="warning">{t('crosscheck.item.noAuthority')}</Typography.Text>
        )}
      </Typography.Paragraph>
      <Table<SourceFigures>
        rowKey="sourceId"
        size="small"
        pagination={false}
        dataSource={r.sources}
        columns={columns}
        onRow={(s) =>
          ({
            'data-testid': 'crosscheck-source-row',
            'data-item': r.itemName,
            'data-item-id': r.itemId,
            'data-source': s.sourceId,
            'data-entry': s.entryName,
            'data-compared': String(s.compared),
            'data-agreeing': String(s.agreeing),
            'data-conflicting': String(s.conflicting),
            'data-missing-in-source': String(s.missingInSource),
            'data-missing-in-authority': String(s.missingInAuthority),
            'data-rate': s.agreementRate === null ? '' : String(s.agreementRate),
          }) as HTMLAttributes<HTMLElement>
        }
      />
    </Card>
  );
}

/**
 * 校核结果 — one cross-check run (/governance/crosschecks/:id): polled while running; then per
 * item the authority and each source's figures, a chart of the agreement rates, and the
 * conflicts, filtered by item and source (kept in ?item=&source=), each open to an objection.
 */
export default function CrosscheckRunPage() {
  const params = useParams();
  const id = Number(params.id);
  if (!Number.isSafeInteger(id) || id <= 0) return <NotFoundPage />;
  return <RunView key={id} id={id} />;
}

function RunView({ id }: { id: number }) {
  const { t, time } = useLang();
  const run = useRun(id);
  const [search, setSearch] = useSearchParams();
  const conflictsRef = useRef<HTMLDivElement>(null);
  const filter: ConflictFilter = {
    itemId: search.get('item') ?? undefined,
    sourceId: search.get('source') ?? undefined,
  };
  const setFilter = (f: ConflictFilter, scroll = false) => {
    const next = new URLSearchParams(search);
    for (const [k, v] of [
      ['item', f.itemId],
      ['source', f.sourceId],
    ] as const) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setSearch(next, { replace: true });
    if (scroll) conflictsRef.current?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  };
  const pick = (f: ConflictFilter) => setFilter(f, true);

  const back = (
    <Link to="/governance/crosschecks" data-testid="crosscheck-back">
      <Button icon={<ArrowLeftOutlined />}>{t('crosscheck.run.back')}</Button>
    </Link>
  );
  if (run.error) {
    return (
      <Card title={t('crosscheck.run.title', { id })} extra={back}>
        <ErrorAlert error={run.error} />
      </Card>
    );
  }
  const r = run.data;
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid="crosscheck-run">
      <Card
        title={t('crosscheck.run.title', { id })}
        extra={back}
        loading={run.isPending}
        data-testid="crosscheck-run-summary"
        data-status={r?.status}
      >
        {r && (
          <>
            <Descriptions size="small" column={{ xs: 1, md: 3 }}>
              <Descriptions.Item label={t('crosscheck.col.status')}>
                <RunStatusTag value={r.status} />
              </Descriptions.Item>
              <Descriptions.Item label={t('crosscheck.col.startedBy')}>{r.startedByName}</Descriptions.Item>
              <Descriptions.Item label={t('crosscheck.col.startedAt')}>{time(r.startedAt)}</Descriptions.Item>
              <Descriptions.Item label={t('crosscheck.col.items')}>{r.items}</Descriptions.Item>
              <Descriptions.Item label={t('crosscheck.col.conflicting')}>
                {r.status === 'done' ? r.conflicting.toLocaleString() : '—'}
              </Descriptions.Item>
              <Descriptions.Item label={t('crosscheck.col.finishedAt')}>
                {time(r.finishedAt)}
              </Descriptions.Item>
            </Descriptions>
            {r.status === 'running' && (
              <Alert
                type="info"
                showIcon
                icon={<Spin size="small" />}
                title={t('crosscheck.run.running')}
                data-testid="crosscheck-running"
              />
            )}
            {r.status === 'failed' && (
              <Alert
                type="error"
                showIcon
                title={t('crosscheck.run.failed')}
                description={<RunErrorText error={r.error} />}
              />
            )}
          </>
        )}
      </Card>
      {r?.status === 'done' && r.results.length === 0 && (
        <Card>
          <Empty description={t('crosscheck.run.noResults')} />
        </Card>
      )}
      {r?.status === 'done' && r.results.length > 0 && (
        <>
          <Card size="small" title={t('crosscheck.chart.title')} extra={t('crosscheck.chart.hint')}>
            <RateChart run={r} onPick={pick} />
          </Card>
          {r.results.map((item) => (
            <ItemCard key={item.itemId} r={item} onPick={pick} />
          ))}
          <div ref={conflictsRef}>
            <ConflictsTable run={r} filter={filter} onFilter={(f) => setFilter(f)} />
          </div>
        </>
      )}
    </Space>
  );
}
