import { useState, type HTMLAttributes } from 'react';
import { Alert, Button, Card, Col, Empty, Row, Space, Spin, Table, Tooltip, Typography } from 'antd';
import { EyeOutlined, PlayCircleOutlined } from '@ant-design/icons';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useNotify } from '../../components/useNotify';
import { formatCount, localized } from './labels';
import type { DatasetColumn } from './model';
import { useQualityRun, useQualityRuns, useStartRun } from './quality-api';
import {
  DimensionTag,
  KindTag,
  RunStatusTag,
  ScoreText,
  SpecSummary,
  TriggerTag,
  dimensionLabel,
  formatScore,
  scoreColor,
} from './QualityLabels';
import { DIMENSIONS, type DatasetQuality, type RunResult, type RunSummary } from './quality-model';
import { QualitySamplesDrawer } from './QualitySamplesDrawer';
import { QualityTrend } from './QualityTrend';

/**
 * 质量报告: the chosen run's scores (the latest by default) overall and per dimension, the trend
 * over the run history, the rule results with their failing samples, and the history itself.
 * Maintainers may 立即检查 (run the rules now); the button waits for the run to finish.
 */
export function QualityReport({
  entryId,
  quality,
  columns,
  maintainer,
}: {
  entryId: string;
  quality: DatasetQuality;
  columns: readonly DatasetColumn[];
  maintainer: boolean;
}) {
  const { t, lang, time } = useLang();
  const notify = useNotify();
  const runs = useQualityRuns(entryId);
  // null: follow the newest run; a number: the run the user chose in the history.
  const [chosen, setChosen] = useState<number | null>(null);
  const [samplesOf, setSamplesOf] = useState<RunResult | null>(null);
  const start = useStartRun(entryId);
  const newest = runs.data?.[0] ?? quality.latestRun;
  const selectedId = chosen ?? newest?.id ?? null;
  const run = useQualityRun(selectedId);
  const summary: RunSummary | null =
    (run.data?.id === selectedId ? run.data : runs.data?.find((r) => r.id === selectedId)) ?? null;
  const byCode = new Map(columns.map((c) => [c.code, c.name]));
  const name = (code: string) => byCode.get(code) ?? code;
  const enabledRules = quality.rules.filter((r) => r.enabled).length;
  const busy = start.isPending || newest?.status === 'running';

  const runNow = () => {
    setChosen(null);
    start.mutate(undefined, {
      onSuccess: (done) => {
        if (done.status === 'done')
          notify.success(t('quality.run.finished', { score: formatScore(done.score) }));
        else notify.error(new Error(localized(lang, done.error) || t('quality.run.status.failed')));
      },
      onError: notify.error,
    });
  };

  const runNowButton = maintainer && (
    <Tooltip title={enabledRules === 0 ? t('quality.run.noRules') : undefined}>
      <Button
        type="primary"
        icon={<PlayCircleOutlined />}
        loading={busy}
        disabled={enabledRules === 0}
        onClick={runNow}
        data-testid="quality-run-now"
        data-state={busy ? 'running' : 'idle'}
      >
        {busy ? t('quality.run.running') : t('quality.run.now')}
      </Button>
    </Tooltip>
  );

  if (!newest && !runs.isPending) {
    return (
      <Empty
        data-testid="quality-report-empty"
        description={
          <Space orientation="vertical" size={4}>
            <Typography.Text strong>{t('quality.report.none')}</Typography.Text>
            <Typography.Text type="secondary">
              {quality.rules.length === 0 ? t('quality.report.noRulesHint') : t('quality.report.noRunsHint')}
            </Typography.Text>
          </Space>
        }
        style={{ margin: '32px 0' }}
      >
        {runNowButton}
      </Empty>
    );
  }

  return (
    <div data-testid="quality-report" data-run={selectedId ?? ''}>
      {runs.error && <ErrorAlert error={runs.error} style={{ marginBottom: 12 }} />}
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 12 }} wrap>
        {summary ? (
          <Space wrap size={8}>
            <Typography.Text strong>{t('quality.report.run', { id: summary.id })}</Typography.Text>
            <TriggerTag value={summary.trigger} />
            <RunStatusTag value={summary.status} />
            <Typography.Text type="secondary">
              {time(summary.finishedAt ?? summary.startedAt)}
              {summary.rows !== null &&
                ` · ${t('quality.report.rows', { n: formatCount(lang, summary.rows) })}`}
            </Typography.Text>
            {chosen !== null && chosen !== newest?.id && (
              <Button
                size="small"
                type="link"
                onClick={() => setChosen(null)}
                data-testid="quality-run-latest"
              >
                {t('quality.report.showLatest')}
              </Button>
            )}
          </Space>
        ) : (
          <span />
        )}
        {runNowButton}
      </Space>
      {summary?.status === 'failed' && summary.error && (
        <Alert
          type="error"
          showIcon
          title={t('quality.run.failed')}
          description={localized(lang, summary.error)}
          style={{ marginBottom: 12 }}
          data-testid="quality-run-error"
        />
      )}

      <Row gutter={[12, 12]} style={{ marginBottom: 16 }}>
        <Col xs={24} md={6}>
          <Card size="small" style={{ height: '100%' }}>
            <Typography.Text type="secondary">{t('quality.score.overall')}</Typography.Text>
            <div
              data-testid="quality-score"
              data-score={summary?.score ?? ''}
              data-status={summary?.status ?? ''}
              style={{ fontSize: 40, fontWeight: 600, lineHeight: 1.3, color: scoreColor(summary?.score) }}
            >
              {summary?.status === 'running' ? <Spin /> : formatScore(summary?.score)}
            </div>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('quality.score.weighted')}
            </Typography.Text>
          </Card>
        </Col>
        <Col xs={24} md={18}>
          <Row gutter={[12, 12]}>
            {DIMENSIONS.map((d) => {
              const score = summary?.scores[d] ?? null;
              return (
                <Col xs={12} sm={8} key={d}>
                  <Card size="small" data-testid={`quality-dimension-${d}`} data-score={score ?? ''}>
                    <Typography.Text type="secondary">{dimensionLabel(t, d)}</Typography.Text>
                    <div style={{ fontSize: 24, fontWeight: 600, color: scoreColor(score) }}>
                      {formatScore(score)}
                    </div>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {t('quality.score.weight', { w: quality.weights[d] })}
                    </Typography.Text>
                  </Card>
                </Col>
              );
            })}
          </Row>
        </Col>
      </Row>

      <Typography.Title level={5}>{t('quality.trend')}</Typography.Title>
      <QualityTrend runs={runs.data ?? []} />

      <Typography.Title level={5} style={{ marginTop: 16 }}>
        {t('quality.results')}
      </Typography.Title>
      {run.error && <ErrorAlert error={run.error} style={{ marginBottom: 12 }} />}
      <Table<RunResult>
        size="small"
        rowKey="ruleId"
        loading={(run.isPending && selectedId !== null) || summary?.status === 'running'}
        dataSource={run.data?.id === selectedId ? run.data.results : []}
        pagination={false}
        scroll={{ x: 'max-content' }}
        data-testid="quality-results"
        locale={{ emptyText: t('quality.results.none') }}
        onRow={(r) =>
          ({
            'data-testid': 'quality-result-row',
            'data-rule': r.ruleName,
            'data-kind': r.kind,
            'data-checked': r.checked,
            'data-failing': r.failing,
          }) as HTMLAttributes<HTMLElement>
        }
        columns={[
          {
            title: t('quality.result.rule'),
            dataIndex: 'ruleName',
            render: (v: string, r) => (
              <Space orientation="vertical" size={0}>
                <Typography.Text strong>{v}</Typography.Text>
                <span style={{ fontSize: 12 }}>
                  <SpecSummary spec={r.spec} name={name} />
                </span>
              </Space>
            ),
          },
          {
            title: t('quality.result.kind'),
            dataIndex: 'kind',
            render: (k: RunResult['kind']) => <KindTag value={k} />,
          },
          {
            title: t('quality.result.dimension'),
            dataIndex: 'dimension',
            render: (d: RunResult['dimension']) => <DimensionTag value={d} />,
          },
          {
            title: t('quality.result.checked'),
            dataIndex: 'checked',
            align: 'right',
            render: (n: number) => formatCount(lang, n),
          },
          {
            title: t('quality.result.failing'),
            dataIndex: 'failing',
            align: 'right',
            render: (n: number) => (
              <Typography.Text type={n > 0 ? 'danger' : undefined} data-testid="quality-result-failing">
                {formatCount(lang, n)}
              </Typography.Text>
            ),
          },
          {
            title: t('quality.result.percent'),
            dataIndex: 'percent',
            align: 'right',
            render: (p: number | null) =>
              p === null ? <Typography.Text type="secondary">—</Typography.Text> : `${p}%`,
          },
          {
            title: t('quality.result.error'),
            dataIndex: 'error',
            render: (e: RunResult['error']) =>
              e ? (
                <Typography.Text
                  type="danger"
                  style={{ maxWidth: 320 }}
                  ellipsis={{ tooltip: localized(lang, e) }}
                  data-testid="quality-result-error"
                >
                  {localized(lang, e)}
                </Typography.Text>
              ) : null,
          },
          {
            title: t('quality.result.samples'),
            key: 'samples',
            render: (_, r) =>
              r.samples.length > 0 ? (
                <Button
                  size="small"
                  icon={<EyeOutlined />}
                  onClick={() => setSamplesOf(r)}
                  data-testid="quality-samples"
                >
                  {r.kind === 'timeliness'
                    ? t('quality.result.viewDetail')
                    : t('quality.result.viewSamples', { n: r.samples.length })}
                </Button>
              ) : null,
          },
        ]}
      />

      <Typography.Title level={5} style={{ marginTop: 16 }}>
        {t('quality.runs')}
      </Typography.Title>
      <Table<RunSummary>
        size="small"
        rowKey="id"
        loading={runs.isPending && !runs.error}
        dataSource={runs.data ?? []}
        pagination={false}
        scroll={{ x: 'max-content' }}
        data-testid="quality-runs"
        rowSelection={{
          type: 'radio',
          selectedRowKeys: selectedId === null ? [] : [selectedId],
          onChange: (keys) => setChosen(keys[0] === undefined ? null : Number(keys[0])),
        }}
        onRow={(r) =>
          ({
            'data-testid': 'quality-run-row',
            'data-id': r.id,
            'data-status': r.status,
            'data-trigger': r.trigger,
            'data-selected': r.id === selectedId ? 'true' : 'false',
            onClick: () => setChosen(r.id),
            style: { cursor: 'pointer' },
          }) as HTMLAttributes<HTMLElement>
        }
        columns={[
          { title: '#', dataIndex: 'id', width: 64 },
          {
            title: t('quality.run.trigger'),
            dataIndex: 'trigger',
            render: (v: RunSummary['trigger'], r) => (
              <Space size={4}>
                <TriggerTag value={v} />
                {r.batchId !== null && (
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t('quality.run.batch', { id: r.batchId })}
                  </Typography.Text>
                )}
              </Space>
            ),
          },
          {
            title: t('quality.run.status'),
            dataIndex: 'status',
            render: (v: RunSummary['status']) => <RunStatusTag value={v} />,
          },
          {
            title: t('quality.run.rows'),
            dataIndex: 'rows',
            align: 'right',
            render: (n: number | null) => (n === null ? '—' : formatCount(lang, n)),
          },
          {
            title: t('quality.run.score'),
            dataIndex: 'score',
            align: 'right',
            render: (s: number | null) => <ScoreText score={s} strong />,
          },
          { title: t('quality.run.startedBy'), dataIndex: 'startedByName' },
          { title: t('quality.run.time'), dataIndex: 'startedAt', render: (v: string) => time(v) },
        ]}
      />
      {samplesOf && (
        <QualitySamplesDrawer result={samplesOf} columns={columns} onClose={() => setSamplesOf(null)} />
      )}
    </div>
  );
}
