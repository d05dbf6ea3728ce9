import { Alert, Card, Col, Descriptions, Row, Space, Statistic, Table, Tag, Typography } from 'antd';
import { useLang } from '../../lang';
import { formatCount } from './labels';
import { bucketLabel, ClassesChart, LossChart } from './OpenReportCharts';
import { percent, type ClassBucket, type Report, type ReportField, type Risk } from './open-model';

const RISK_KEYS = ['highest', 'average', 'atRisk', 'unique'] as const;

/**
 * 预览报告 / the report of a request: information loss per field (table and bars), the rows
 * suppressed, the distribution of equivalence class sizes, the re-identification risk
 * (prosecutor model) before and after, and the lattice node the search chose.
 */
export function OpenReport({ report, source }: { report: Report; source: 'preview' | 'request' }) {
  const { t, lang, time } = useLang();
  const n = (x: number) => formatCount(lang, x);
  const qis = report.fields.filter((f) => f.quasiIdentifier);
  const aggregate = report.kind === 'aggregate';

  return (
    <div
      data-testid="open-report"
      data-feasible={String(report.feasible)}
      data-source={source}
      data-suppressed={report.suppressedRows}
      data-k={report.k}
    >
      <Space wrap style={{ marginBottom: 12 }}>
        <Tag color={source === 'preview' ? 'blue' : 'default'} data-testid="open-report-source">
          {source === 'preview' ? t('publish.report.preview') : t('publish.report.stored')}
        </Tag>
        {report.feasible ? (
          <Tag color="success" data-testid="open-report-feasible" data-value="true">
            {aggregate
              ? t('publish.report.feasibleAggregate', { n: report.k })
              : t('publish.report.feasible', { k: report.k })}
          </Tag>
        ) : (
          <Tag color="error" data-testid="open-report-feasible" data-value="false">
            {t('publish.report.infeasible', { k: report.k })}
          </Tag>
        )}
        <Typography.Text type="secondary">
          {t('publish.report.computedAt', { at: time(report.computedAt) })}
        </Typography.Text>
      </Space>
      {!report.feasible && (
        <Alert
          type="error"
          showIcon
          title={t('publish.report.infeasibleHint', {
            k: report.k,
            max: percent(report.maxSuppression),
            needed: n(report.suppressedRows),
            rows: n(report.sourceRows),
          })}
          style={{ marginBottom: 12 }}
        />
      )}
      <Row gutter={[24, 12]} style={{ marginBottom: 16 }}>
        <Col>
          <Statistic title={t('publish.report.sourceRows')} value={n(report.sourceRows)} />
        </Col>
        <Col>
          <Statistic title={t('publish.report.publishedRows')} value={n(report.publishedRows)} />
        </Col>
        <Col>
          <Statistic
            title={t('publish.report.suppressedRows')}
            value={`${n(report.suppressedRows)} (${percent(report.suppressedShare, 2)})`}
            valueRender={(node) => (
              <span data-testid="open-report-suppressed" data-value={report.suppressedRows}>
                {node}
              </span>
            )}
          />
        </Col>
        {aggregate ? (
          <>
            <Col>
              <Statistic title={t('publish.report.cells')} value={n(report.aggregate?.cells ?? 0)} />
            </Col>
            <Col>
              <Statistic
                title={t('publish.report.suppressedCells', { n: report.aggregate?.minCell ?? report.k })}
                value={n(report.aggregate?.suppressedCells ?? 0)}
              />
            </Col>
          </>
        ) : (
          <>
            <Col>
              <Statistic
                title={t('publish.report.informationLoss')}
                value={percent(report.informationLoss, 2)}
              />
            </Col>
            <Col>
              <Statistic
                title={t('publish.report.kAndBound')}
                value={`k = ${report.k} · ≤ ${percent(report.maxSuppression)}`}
              />
            </Col>
          </>
        )}
      </Row>

      <Row gutter={[16, 16]}>
        <Col span={24}>
          <Card size="small" title={t('publish.report.lossTitle')}>
            <Row gutter={[16, 16]}>
              <Col xs={24} xl={10}>
                <LossChart fields={report.fields} />
              </Col>
              <Col xs={24} xl={14}>
                <Table<ReportField>
                  rowKey="code"
                  size="small"
                  pagination={false}
                  dataSource={report.fields}
                  data-testid="open-report-loss"
                  columns={[
                    {
                      title: t('publish.field'),
                      key: 'field',
                      render: (_, f) => (
                        <Space size={4}>
                          <span>{f.name}</span>
                          <Typography.Text type="secondary" code>
                            {f.code}
                          </Typography.Text>
                          {f.quasiIdentifier && <Tag color="geekblue">{t('publish.qi.short')}</Tag>}
                        </Space>
                      ),
                    },
                    {
                      title: t('publish.field.action'),
                      key: 'action',
                      render: (_, f) => t(`publish.action.${f.action}`),
                    },
                    {
                      title: t('publish.report.detail'),
                      dataIndex: 'detail',
                      render: (d: string) => <Typography.Text code>{d}</Typography.Text>,
                    },
                    {
                      title: t('publish.report.level'),
                      key: 'level',
                      render: (_, f) => (f.level === null ? '—' : `${f.level} / ${f.maxLevel ?? '?'}`),
                    },
                    {
                      title: t('publish.report.loss'),
                      key: 'loss',
                      align: 'right',
                      render: (_, f) => (
                        <span data-testid="open-report-loss-value" data-code={f.code} data-value={f.loss}>
                          {percent(f.loss)}
                        </span>
                      ),
                    },
                  ]}
                />
              </Col>
            </Row>
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card
            size="small"
            title={t(aggregate ? 'publish.report.cellsTitle' : 'publish.report.classesTitle')}
          >
            <div data-testid="open-report-classes" data-classes={report.classes.classes}>
              <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 4 }} style={{ marginBottom: 8 }}>
                <Descriptions.Item label={t('publish.report.classes')}>
                  {n(report.classes.classes)}
                </Descriptions.Item>
                <Descriptions.Item label={t('publish.report.minSize')}>
                  <span data-testid="open-report-min-size" data-value={report.classes.minSize}>
                    {n(report.classes.minSize)}
                  </span>
                </Descriptions.Item>
                <Descriptions.Item label={t('publish.report.maxSize')}>
                  {n(report.classes.maxSize)}
                </Descriptions.Item>
                <Descriptions.Item label={t('publish.report.averageSize')}>
                  {report.classes.averageSize.toFixed(1)}
                </Descriptions.Item>
              </Descriptions>
              {report.classes.histogram.length > 0 ? (
                <ClassesChart histogram={report.classes.histogram} />
              ) : (
                <Typography.Text type="secondary">{t('publish.report.noClasses')}</Typography.Text>
              )}
              <Table<ClassBucket>
                rowKey="from"
                size="small"
                pagination={false}
                dataSource={report.classes.histogram}
                columns={[
                  { title: t('publish.report.classSize'), key: 'size', render: (_, b) => bucketLabel(b) },
                  { title: t('publish.report.classCount'), dataIndex: 'classes', align: 'right' },
                  { title: t('publish.report.classRows'), dataIndex: 'rows', align: 'right' },
                ]}
              />
            </div>
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card size="small" title={t('publish.report.riskTitle')}>
            <Table<{ key: (typeof RISK_KEYS)[number] }>
              rowKey="key"
              size="small"
              pagination={false}
              dataSource={RISK_KEYS.map((key) => ({ key }))}
              data-testid="open-report-risk"
              columns={[
                {
                  title: t('publish.report.risk'),
                  key: 'name',
                  render: (_, r) => (
                    <span title={t(`publish.risk.${r.key}.hint`, { k: report.k })}>
                      {t(`publish.risk.${r.key}`)}
                    </span>
                  ),
                },
                {
                  title: t('publish.report.before'),
                  key: 'before',
                  align: 'right',
                  render: (_, r) => riskValue(report.risk.before, r.key),
                },
                {
                  title: t('publish.report.after'),
                  key: 'after',
                  align: 'right',
                  render: (_, r) => (
                    <span data-testid={`open-report-risk-${r.key}`} data-value={report.risk.after[r.key]}>
                      {riskValue(report.risk.after, r.key)}
                    </span>
                  ),
                },
              ]}
            />
            <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0, fontSize: 12 }}>
              {t('publish.report.riskModel', { k: report.k })}
            </Typography.Paragraph>
          </Card>
        </Col>
        {report.lattice && (
          <Col span={24}>
            <Card size="small" title={t('publish.report.latticeTitle')}>
              <div data-testid="open-report-node" data-levels={qis.map((f) => f.level ?? 0).join(',')}>
                {qis.length === 0 ? (
                  <Typography.Text type="secondary">{t('publish.report.noQi')}</Typography.Text>
                ) : (
                  <Space wrap size={[4, 4]}>
                    {qis.map((f) => (
                      <Tag key={f.code} color="geekblue">
                        {f.name} ({f.code}): {f.level ?? 0}/{f.maxLevel ?? '?'} · {f.detail}
                      </Tag>
                    ))}
                  </Space>
                )}
              </div>
              <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }} style={{ marginTop: 12 }}>
                <Descriptions.Item label={t('publish.lattice.nodes')}>
                  {n(report.lattice.nodes)}
                </Descriptions.Item>
                <Descriptions.Item label={t('publish.lattice.evaluated')}>
                  {n(report.lattice.evaluated)}
                </Descriptions.Item>
                <Descriptions.Item label={t('publish.lattice.tagged')}>
                  {n(report.lattice.tagged)}
                </Descriptions.Item>
                <Descriptions.Item label={t('publish.lattice.anonymous')}>
                  {n(report.lattice.anonymous)}
                </Descriptions.Item>
                <Descriptions.Item label={t('publish.lattice.minimal')}>
                  {n(report.lattice.minimal)}
                </Descriptions.Item>
                <Descriptions.Item label={t('publish.lattice.searchMs')}>
                  {report.lattice.searchMs.toFixed(1)} ms
                </Descriptions.Item>
              </Descriptions>
            </Card>
          </Col>
        )}
      </Row>
    </div>
  );
}

/** The highest risk as 1/n and a share; the others as shares of the rows. */
function riskValue(r: Risk, key: (typeof RISK_KEYS)[number]): string {
  const v = r[key];
  if (key === 'highest' || key === 'average')
    return v > 0 ? `${percent(v, 2)} (1/${Math.round(1 / v)})` : '0';
  return percent(v, 2);
}
