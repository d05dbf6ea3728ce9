import type { HTMLAttributes } from 'react';
import { Alert, Descriptions, Drawer, Space, Table, Tag, Typography } from 'antd';
import { useLang } from '../../lang';
import { DimensionTag, KindTag, SpecSummary } from './QualityLabels';
import type { DatasetColumn } from './model';
import type { MessageKey } from '../../i18n';
import type { RunResult } from './quality-model';

type Sample = RunResult['samples'][number];

/** The one sample of a timeliness rule names no column: its keys get labels of their own. */
const TIMELINESS_KEYS: Record<string, MessageKey> = {
  lastLoadAt: 'quality.samples.lastLoadAt',
  updateCycle: 'quality.samples.updateCycle',
  dueAt: 'quality.samples.dueAt',
  score: 'quality.samples.score',
};

/**
 * 失败样例: a rule's failing rows as the server keeps them — the dataset's keys and the rule's
 * fields, masked for the viewer (personal data of another department's entry never arrives
 * unmasked) — up to the run's sample limit, in key order.
 */
export function QualitySamplesDrawer({
  result,
  columns,
  onClose,
}: {
  result: RunResult;
  columns: readonly DatasetColumn[];
  onClose: () => void;
}) {
  const { t, time } = useLang();
  const byCode = new Map(columns.map((c) => [c.code, c]));
  const name = (code: string) => byCode.get(code)?.name ?? code;
  // Every code any sample carries: the dataset's keys first, then in the dataset's column order
  // (the samples are stored as jsonb, which keeps no order of its own), then any other.
  const carried = new Set(result.samples.flatMap((row) => Object.keys(row)));
  const ordered = [...columns.filter((c) => c.key), ...columns.filter((c) => !c.key)].map((c) => c.code);
  const codes = [...ordered.filter((c) => carried.has(c)), ...[...carried].filter((c) => !byCode.has(c))];
  const timeliness = result.kind === 'timeliness';
  const display = (code: string, v: Sample[string] | undefined) => {
    if (v === null || v === undefined) return <Typography.Text type="secondary">NULL</Typography.Text>;
    if (timeliness && (code === 'lastLoadAt' || code === 'dueAt')) return time(String(v));
    if (timeliness && code === 'updateCycle') return String(v);
    return (
      <Typography.Text code style={{ whiteSpace: 'pre' }}>
        {String(v)}
      </Typography.Text>
    );
  };

  return (
    <Drawer
      open
      size={900}
      title={t('quality.samples.title', { name: result.ruleName })}
      onClose={onClose}
      data-testid="quality-samples-drawer"
    >
      <Descriptions size="small" bordered column={2} style={{ marginBottom: 16 }}>
        <Descriptions.Item label={t('quality.result.kind')}>
          <KindTag value={result.kind} />
        </Descriptions.Item>
        <Descriptions.Item label={t('quality.result.dimension')}>
          <DimensionTag value={result.dimension} />
        </Descriptions.Item>
        <Descriptions.Item label={t('quality.rule.params')} span={2}>
          <SpecSummary spec={result.spec} name={name} />
        </Descriptions.Item>
        <Descriptions.Item label={t('quality.result.checked')}>{result.checked}</Descriptions.Item>
        <Descriptions.Item label={t('quality.result.failing')}>
          <span data-testid="quality-samples-failing">{result.failing}</span>
        </Descriptions.Item>
      </Descriptions>
      <Alert
        type="info"
        showIcon
        style={{ marginBottom: 12 }}
        title={t('quality.samples.hint', { shown: result.samples.length, failing: result.failing })}
      />
      <Table<Sample & { __i: number }>
        size="small"
        rowKey="__i"
        pagination={false}
        scroll={{ x: 'max-content' }}
        dataSource={result.samples.map((s, i) => ({ ...s, __i: i }))}
        data-testid="quality-sample-table"
        locale={{ emptyText: t('quality.samples.none') }}
        onRow={(row) =>
          ({
            'data-testid': 'quality-sample-row',
            'data-index': row.__i,
          }) as HTMLAttributes<HTMLElement>
        }
        columns={codes.map((code) => {
          const column = byCode.get(code);
          const label = timeliness && TIMELINESS_KEYS[code] ? t(TIMELINESS_KEYS[code]) : name(code);
          return {
            key: code,
            title: (
              <Space size={4}>
                <span>{label}</span>
                {column && label !== code && (
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {code}
                  </Typography.Text>
                )}
                {column?.key && (
                  <Tag color="gold" bordered={false}>
                    {t('dataset.preview.key')}
                  </Tag>
                )}
              </Space>
            ),
            render: (_: unknown, row: Sample) => (
              <span data-testid="quality-sample-value" data-field={code}>
                {display(code, row[code])}
              </span>
            ),
          };
        })}
      />
    </Drawer>
  );
}
