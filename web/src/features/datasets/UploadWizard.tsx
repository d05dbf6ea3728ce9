import { useEffect, useRef, useState, type HTMLAttributes } from 'react';
import {
  Alert,
  Button,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Modal,
  Progress,
  Radio,
  Result,
  Select,
  Space,
  Statistic,
  Steps,
  Table,
  Tag,
  Typography,
  Upload,
} from 'antd';
import { DownloadOutlined, InboxOutlined } from '@ant-design/icons';
import { useMutation } from '@tanstack/react-query';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useNotify } from '../../components/useNotify';
import {
  fetchDatasetOrNull,
  POLL_MS,
  probeFile,
  rejectsDownloadUrl,
  saveMapping,
  uploadFile,
  useInvalidateDataset,
  type UploadHandle,
} from './api';
import { formatBytes, formatCount, localized } from './labels';
import {
  ENCODINGS,
  LOAD_MODES,
  type Batch,
  type BatchResult,
  type Encoding,
  type LoadMode,
  type ProbeResult,
  type ReadOptions,
} from './model';

/** A field the file's headers can map to. */
export interface WizardField {
  code: string;
  name: string;
  /** Required or part of the key: a row without it is rejected. */
  required: boolean;
}

type Phase = 'idle' | 'running' | 'done' | 'error';
type Mapping = Record<string, string | null>;

const ACCEPT = '.csv,.tsv,.tab,.xlsx,.json,.ndjson,.jsonl';
const isXlsx = (file: File | null) => !!file && /\.xlsx$/i.test(file.name);

function mappingOf(probe: ProbeResult): Mapping {
  return Object.fromEntries(probe.mapping.map((m) => [m.header, m.code]));
}

/**
 * The upload wizard (上传数据): choose a file, check the header mapping the server proposes on the
 * file's first bytes, choose the mode, then send it while the running batch's progress is polled.
 */
export function UploadWizard({
  entryId,
  fields,
  savedMapping,
  lastBatchId,
  onClose,
  onViewBatch,
}: {
  entryId: string;
  fields: WizardField[];
  savedMapping: Record<string, string>;
  /** The newest batch before this upload: the upload's own batch is a newer one. */
  lastBatchId: number;
  onClose: () => void;
  onViewBatch: (batchId: number) => void;
}) {
  const { t, lang } = useLang();
  const notify = useNotify();
  const invalidate = useInvalidateDataset(entryId);
  const [step, setStep] = useState(0);
  const [file, setFile] = useState<File | null>(null);
  const [encoding, setEncoding] = useState<Encoding | 'auto'>('auto');
  const [sheet, setSheet] = useState('');
  const [headerRow, setHeaderRow] = useState<number | null>(null);
  const [probe, setProbe] = useState<ProbeResult | null>(null);
  const [mapping, setMapping] = useState<Mapping>({});
  // The mapping the server applies by itself (its proposal, or what was saved last).
  const [baseline, setBaseline] = useState<Mapping>({});
  const [mode, setMode] = useState<LoadMode>('append');
  const [thresholdPct, setThresholdPct] = useState<number>(5);
  const [phase, setPhase] = useState<Phase>('idle');
  const [sent, setSent] = useState<{ loaded: number; total: number }>({ loaded: 0, total: 0 });
  const [live, setLive] = useState<Batch | null>(null);
  const [result, setResult] = useState<BatchResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const upload = useRef<UploadHandle | null>(null);

  const readOptions = (sheetOverride?: string): ReadOptions => {
    const s = sheetOverride ?? sheet;
    return {
      ...(encoding !== 'auto' ? { encoding } : {}),
      ...(isXlsx(file) && s.trim() ? { sheet: s.trim() } : {}),
      ...(headerRow !== null ? { headerRow } : {}),
    };
  };

  const probing = useMutation({
    mutationFn: (sheetOverride?: string) => {
      if (!file) throw new Error(t('upload.file.required'));
      return probeFile(entryId, file, readOptions(sheetOverride));
    },
    onSuccess: (p) => {
      setProbe(p);
      const m = mappingOf(p);
      setMapping(m);
      setBaseline(m);
      setStep(1);
    },
  });

  const saving = useMutation({
    mutationFn: (m: Mapping) => {
      const headers = new Set(Object.keys(m));
      const merged: Record<string, string> = {};
      const codes = new Set(Object.values(m).filter(Boolean));
      // The dataset's mapping covers every file seen so far: keep the other files' headers, unless
      // their field is this file's now (a field maps from one header only).
      for (const [h, code] of Object.entries(savedMapping)) {
        if (!headers.has(h) && !codes.has(code)) merged[h] = code;
      }
      for (const [h, code] of Object.entries(m)) if (code) merged[h] = code;
      return saveMapping(entryId, merged);
    },
    onSuccess: (_, m) => setBaseline(m),
  });

  const changed = Object.keys(mapping).some((h) => (mapping[h] ?? null) !== (baseline[h] ?? null));
  const chosen = Object.values(mapping).filter((c): c is string => !!c);
  const missing = fields.filter((f) => !chosen.includes(f.code));
  const missingRequired = missing.filter((f) => f.required);
  const duplicates = fields.filter((f) => chosen.filter((c) => c === f.code).length > 1);

  // While the load runs: the dataset lists the upload's batch as running, with live progress.
  useEffect(() => {
    if (phase !== 'running') return;
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      fetchDatasetOrNull(entryId)
        .then((ds) => {
          const mine = (ds?.batches ?? [])
            .filter((b) => b.id > lastBatchId && b.mode !== 'rollback')
            .sort((a, b) => a.id - b.id)[0];
          if (mine) setLive(mine);
        })
        .catch(() => undefined)
        .finally(() => {
          busy = false;
        });
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [phase, entryId, lastBatchId]);

  const start = async () => {
    if (!file) return;
    setError(null);
    setResult(null);
    setLive(null);
    setSent({ loaded: 0, total: file.size });
    setPhase('running');
    try {
      if (changed) {
        try {
          await saving.mutateAsync(mapping);
        } catch (err) {
          throw err instanceof Error ? err : new Error(t('upload.mappingSaveFailed'));
        }
      }
      const handle = uploadFile(
        entryId,
        file,
        { ...readOptions(), mode, threshold: thresholdPct / 100 },
        (loaded, total) => setSent({ loaded, total }),
      );
      upload.current = handle;
      const r = await handle.result;
      setResult(r);
      setPhase('done');
    } catch (err) {
      setError(err);
      setPhase('error');
    } finally {
      upload.current = null;
      void invalidate();
    }
  };

  const close = () => {
    upload.current?.abort();
    onClose();
  };

  const reset = () => {
    setStep(0);
    setFile(null);
    setProbe(null);
    setMapping({});
    setBaseline({});
    setPhase('idle');
    setResult(null);
    setError(null);
    setLive(null);
    probing.reset();
  };

  const running = phase === 'running';
  const fieldOptions = [
    { value: '', label: <Typography.Text type="secondary">{t('upload.ignore')}</Typography.Text> },
    ...fields.map((f) => ({
      value: f.code,
      label: (
        <span data-testid={`mapping-option-${f.code}`}>
          {f.name} <Typography.Text type="secondary">{f.code}</Typography.Text>
        </span>
      ),
      search: `${f.name} ${f.code}`,
    })),
  ];

  // ---------------------------------------------------------------------------------------------
  // Steps

  const fileStep = (
    <Form layout="vertical" data-testid="upload-step-file">
      <Form.Item label={t('upload.file')} required>
        <Upload.Dragger
          accept={ACCEPT}
          multiple={false}
          showUploadList={false}
          data-testid="upload-file"
          beforeUpload={(f) => {
            setFile(f);
            setProbe(null);
            probing.reset();
            // The upload is ours (streamed, with progress), not antd's.
            return false;
          }}
        >
          <p className="ant-upload-drag-icon">
            <InboxOutlined />
          </p>
          {file ? (
            <p data-testid="upload-file-name" data-name={file.name}>
              <Typography.Text strong>{file.name}</Typography.Text>{' '}
              <Typography.Text type="secondary">({formatBytes(file.size)})</Typography.Text>
            </p>
          ) : (
            <p>{t('upload.file.hint')}</p>
          )}
        </Upload.Dragger>
      </Form.Item>
      <Form.Item label={t('upload.encoding')}>
        <Select<Encoding | 'auto'>
          value={encoding}
          onChange={setEncoding}
          style={{ width: 240 }}
          data-testid="upload-encoding"
          options={(['auto', ...ENCODINGS] as const).map((e) => ({
            value: e,
            label: <span data-testid={`upload-encoding-${e}`}>{t(`upload.encoding.${e}`)}</span>,
          }))}
        />
      </Form.Item>
      <Space size="large" wrap>
        {isXlsx(file) && (
          <Form.Item label={t('upload.sheet')} extra={t('upload.sheet.hint')}>
            <Input
              value={sheet}
              onChange={(e) => setSheet(e.target.value)}
              style={{ width: 240 }}
              data-testid="upload-sheet"
            />
          </Form.Item>
        )}
        <Form.Item label={t('upload.headerRow')}>
          <InputNumber<number>
            min={1}
            max={1000}
            precision={0}
            placeholder="1"
            value={headerRow}
            onChange={(v) => setHeaderRow(v ?? null)}
            data-testid="upload-header-row"
          />
        </Form.Item>
      </Space>
      {probing.error && <ErrorAlert error={probing.error} />}
    </Form>
  );

  const sampleColumns = (probe?.header ?? []).map((h, i) => ({
    key: String(i),
    title: h,
    render: (_: unknown, row: (string | null)[]) => {
      const v = row[i];
      return v === null || v === undefined ? <Typography.Text type="secondary">NULL</Typography.Text> : v;
    },
  }));

  const mappingStep = probe && (
    <div data-testid="upload-step-mapping">
      <Descriptions
        size="small"
        bordered
        column={3}
        style={{ marginBottom: 16 }}
        title={t('upload.detected')}
      >
        <Descriptions.Item label={t('upload.format')}>
          <Tag data-testid="upload-detected-format" data-value={probe.format}>
            {probe.format.toUpperCase()}
          </Tag>
        </Descriptions.Item>
        <Descriptions.Item label={t('upload.encoding')}>
          <Tag data-testid="upload-detected-encoding" data-value={probe.encoding ?? ''}>
            {probe.encoding ? t(`upload.encoding.${probe.encoding}`) : '—'}
          </Tag>
        </Descriptions.Item>
        {probe.format === 'xlsx' && (
          <Descriptions.Item label={t('upload.sheet')}>
            {probe.sheets.length > 1 ? (
              <Select
                size="small"
                value={sheet || probe.sheets[0]}
                style={{ minWidth: 160 }}
                loading={probing.isPending}
                data-testid="upload-sheet-select"
                options={probe.sheets.map((s) => ({ value: s, label: s }))}
                onChange={(s: string) => {
                  setSheet(s);
                  probing.mutate(s);
                }}
              />
            ) : (
              (probe.sheets[0] ?? '—')
            )}
          </Descriptions.Item>
        )}
      </Descriptions>
      {probe.warnings.length > 0 && (
        <Alert
          type="warning"
          showIcon
          title={t('upload.warnings')}
          description={
            <ul style={{ margin: 0, paddingInlineStart: 20 }}>
              {probe.warnings.slice(0, 10).map((w, i) => (
                <li key={i}>
                  {w.row > 0 ? `${t('dataset.rejects.row')} ${w.row}: ` : ''}
                  {localized(lang, w.message)}
                </li>
              ))}
            </ul>
          }
          style={{ marginBottom: 16 }}
        />
      )}
      <Typography.Text strong>{t('upload.sample', { n: probe.sample.length })}</Typography.Text>
      <Table<(string | null)[]>
        size="small"
        bordered
        style={{ margin: '8px 0 16px' }}
        scroll={{ x: 'max-content' }}
        pagination={false}
        dataSource={probe.sample}
        rowKey={(_, i) => String(i)}
        columns={sampleColumns}
        data-testid="upload-sample"
      />
      <Table<{ header: string; index: number }>
        size="small"
        pagination={false}
        dataSource={probe.header.map((header, index) => ({ header, index }))}
        rowKey="index"
        data-testid="upload-mapping"
        onRow={(r) =>
          ({
            'data-testid': 'mapping-row',
            'data-header': r.header,
            'data-code': mapping[r.header] ?? '',
          }) as HTMLAttributes<HTMLElement>
        }
        columns={[
          {
            title: t('upload.header'),
            dataIndex: 'header',
            render: (h: string) => <Typography.Text strong>{h}</Typography.Text>,
          },
          {
            title: t('upload.field'),
            key: 'field',
            width: 320,
            render: (_, r) => (
              <Select
                showSearch={{ optionFilterProp: 'search' }}
                value={mapping[r.header] ?? ''}
                style={{ width: '100%' }}
                options={fieldOptions}
                data-testid={`mapping-select-${r.index}`}
                status={
                  mapping[r.header] && duplicates.some((f) => f.code === mapping[r.header])
                    ? 'warning'
                    : undefined
                }
                onChange={(code: string) => setMapping((m) => ({ ...m, [r.header]: code || null }))}
              />
            ),
          },
          {
            title: t('upload.mappedBy'),
            key: 'by',
            render: (_, r) => {
              const by = probe.mapping.find((m) => m.header === r.header)?.by ?? null;
              const manual = (mapping[r.header] ?? null) !== (mappingOf(probe)[r.header] ?? null);
              if (manual) return <Tag color="blue">{t('upload.by.manual')}</Tag>;
              return by ? <Tag>{t(`upload.by.${by}`)}</Tag> : null;
            },
          },
        ]}
      />
      <div
        style={{ marginTop: 16 }}
        data-testid="upload-missing"
        data-codes={missing.map((f) => f.code).join(',')}
      >
        <Typography.Text strong>{t('upload.missing')}: </Typography.Text>
        {missing.length === 0 ? (
          <Typography.Text type="success">{t('upload.missing.none')}</Typography.Text>
        ) : (
          missing.map((f) => (
            <Tag
              key={f.code}
              color={f.required ? 'red' : 'default'}
              data-testid="upload-missing-field"
              data-code={f.code}
            >
              {f.name} ({f.code})
            </Tag>
          ))
        )}
      </div>
      {missingRequired.length > 0 && (
        <Alert type="error" showIcon title={t('upload.missing.required')} style={{ marginTop: 12 }} />
      )}
      {duplicates.map((f) => (
        <Alert
          key={f.code}
          type="warning"
          showIcon
          title={t('upload.duplicate', { name: f.name })}
          style={{ marginTop: 12 }}
        />
      ))}
      {saving.error && <ErrorAlert error={saving.error} style={{ marginTop: 12 }} />}
    </div>
  );

  const modeStep = (
    <Form layout="vertical" data-testid="upload-step-mode">
      <Form.Item label={t('upload.step.mode')}>
        <Radio.Group
          value={mode}
          onChange={(e) => setMode(e.target.value as LoadMode)}
          data-testid="upload-mode"
        >
          <Space orientation="vertical">
            {LOAD_MODES.map((m) => (
              <Radio key={m} value={m} data-testid={`upload-mode-${m}`}>
                <Typography.Text strong>{t(`dataset.mode.${m}`)}</Typography.Text>
                <Typography.Text type="secondary"> — {t(`dataset.mode.${m}.hint`)}</Typography.Text>
              </Radio>
            ))}
          </Space>
        </Radio.Group>
      </Form.Item>
      <Form.Item label={t('upload.threshold')} extra={t('upload.threshold.hint')}>
        <InputNumber<number>
          min={0}
          max={100}
          step={1}
          value={thresholdPct}
          onChange={(v) => setThresholdPct(v ?? 5)}
          suffix="%"
          data-testid="upload-threshold"
        />
      </Form.Item>
    </Form>
  );

  // The live figures while the load runs, the result's once it answered.
  const read = result ? result.rowsRead : (live?.progress?.rowsRead ?? live?.rowsRead ?? 0);
  const rejected = result ? result.rowsRejected : (live?.progress?.rowsRejected ?? live?.rowsRejected ?? 0);
  const sentPercent =
    phase === 'done' ? 100 : sent.total > 0 ? Math.min(100, Math.floor((sent.loaded / sent.total) * 100)) : 0;
  const loadPercent = phase === 'done' ? 100 : (live?.progress?.percent ?? null);
  const progress = phase !== 'idle' && (
    <div
      data-testid="upload-progress"
      data-phase={phase}
      data-batch={live?.id ?? result?.batchId ?? ''}
      data-rows-read={read}
      data-rows-rejected={rejected}
      data-percent={loadPercent ?? ''}
      style={{ margin: '16px 0' }}
    >
      <Typography.Text type="secondary">
        {t('upload.sent')} {formatBytes(sent.loaded)} / {formatBytes(sent.total)}
      </Typography.Text>
      <Progress
        percent={sentPercent}
        size="small"
        status={running && sentPercent < 100 ? 'active' : undefined}
      />
      <Typography.Text type="secondary">
        {running ? t('upload.loading') : t('upload.finished')}
      </Typography.Text>
      <Progress
        percent={loadPercent ?? (running ? 100 : 0)}
        showInfo={loadPercent !== null}
        status={
          running
            ? 'active'
            : phase === 'error' || (result && result.status !== 'done')
              ? 'exception'
              : undefined
        }
        data-testid="upload-load-bar"
      />
      <Space size={48}>
        <Statistic
          title={t('upload.rowsRead')}
          value={formatCount(lang, read)}
          valueRender={(n) => <span data-testid="upload-rows-read">{n}</span>}
        />
        <Statistic
          title={t('upload.rowsRejected')}
          value={formatCount(lang, rejected)}
          valueRender={(n) => <span data-testid="upload-rows-rejected">{n}</span>}
        />
      </Space>
    </div>
  );

  const resultView =
    phase === 'done' && result ? (
      <Result
        data-testid="upload-result"
        data-status={result.status}
        data-batch={result.batchId}
        data-rejected={result.rowsRejected}
        data-accepted={result.rowsAccepted}
        status={
          result.status === 'done'
            ? result.rowsRejected > 0
              ? 'warning'
              : 'success'
            : result.status === 'aborted'
              ? 'warning'
              : 'error'
        }
        title={t(`upload.result.${result.status}`)}
        subTitle={
          <Space orientation="vertical" size={4}>
            <span>
              {t('upload.result.summary', {
                id: result.batchId,
                read: formatCount(lang, result.rowsRead),
                accepted: formatCount(lang, result.rowsAccepted),
                rejected: formatCount(lang, result.rowsRejected),
              })}
            </span>
            {result.version !== null && <span>{t('dataset.version.n', { n: result.version })}</span>}
            {result.error && (
              <Typography.Text type="danger" data-testid="upload-result-error">
                {localized(lang, result.error)}
              </Typography.Text>
            )}
            {result.warnings.length > 0 && (
              <Typography.Text type="warning">
                {t('upload.warnings')}:{' '}
                {result.warnings
                  .slice(0, 3)
                  .map((w) => localized(lang, w.message))
                  .join('；')}
              </Typography.Text>
            )}
          </Space>
        }
        extra={
          result.rowsRejected > 0 && (
            <Space>
              <Button
                type="primary"
                onClick={() => onViewBatch(result.batchId)}
                data-testid="upload-view-rejects"
              >
                {t('dataset.rejects.view')}
              </Button>
              <Button
                href={rejectsDownloadUrl(result.batchId, 'csv')}
                icon={<DownloadOutlined />}
                data-testid="upload-rejects-csv"
              >
                {t('dataset.rejects.csv')}
              </Button>
            </Space>
          )
        }
      />
    ) : phase === 'error' ? (
      <div data-testid="upload-result" data-status="error">
        <ErrorAlert error={error} />
      </div>
    ) : null;

  const loadStep = (
    <div data-testid="upload-step-load">
      <Descriptions size="small" bordered column={2}>
        <Descriptions.Item label={t('upload.file')}>
          {file?.name} ({formatBytes(file?.size ?? 0)})
        </Descriptions.Item>
        <Descriptions.Item label={t('upload.step.mode')}>{t(`dataset.mode.${mode}`)}</Descriptions.Item>
        <Descriptions.Item label={t('upload.encoding')}>
          {probe?.encoding ? t(`upload.encoding.${probe.encoding}`) : t(`upload.encoding.${encoding}`)}
        </Descriptions.Item>
        <Descriptions.Item label={t('upload.threshold')}>{thresholdPct}%</Descriptions.Item>
      </Descriptions>
      {mode === 'replace' && phase === 'idle' && (
        <Alert type="info" showIcon title={t('dataset.mode.replace.hint')} style={{ marginTop: 12 }} />
      )}
      {progress}
      {resultView}
    </div>
  );

  // ---------------------------------------------------------------------------------------------
  // Footer

  const next = () => {
    if (step === 0) probing.mutate(undefined);
    else setStep((s) => s + 1);
  };
  const footer = (
    <Space>
      {phase === 'idle' && step > 0 && (
        <Button onClick={() => setStep((s) => s - 1)} data-testid="upload-prev">
          {t('upload.prev')}
        </Button>
      )}
      {step === 1 && (
        <Button
          onClick={() =>
            saving.mutate(mapping, {
              onSuccess: () => notify.success(t('upload.mappingSaved')),
              onError: notify.error,
            })
          }
          loading={saving.isPending}
          disabled={!changed}
          data-testid="upload-save-mapping"
        >
          {t('upload.saveMapping')}
        </Button>
      )}
      {step < 3 && (
        <Button
          type="primary"
          onClick={next}
          disabled={!file}
          loading={probing.isPending}
          data-testid="upload-next"
        >
          {step === 0 && probing.isPending ? t('upload.probing') : t('upload.next')}
        </Button>
      )}
      {step === 3 && phase === 'idle' && (
        <Button type="primary" onClick={() => void start()} data-testid="upload-start">
          {t('upload.start')}
        </Button>
      )}
      {running && (
        <Button danger onClick={close} data-testid="upload-cancel">
          {t('upload.cancel')}
        </Button>
      )}
      {(phase === 'done' || phase === 'error') && (
        <Button onClick={reset} data-testid="upload-again">
          {t('upload.again')}
        </Button>
      )}
      {!running && (
        <Button onClick={close} data-testid="upload-close">
          {phase === 'idle' ? t('common.cancel') : t('upload.close')}
        </Button>
      )}
    </Space>
  );

  return (
    <Modal
      open
      width={980}
      title={t('upload.title')}
      onCancel={close}
      footer={footer}
      mask={{ closable: false }}
      closable={!running}
      keyboard={!running}
      destroyOnHidden
    >
      <div data-testid="upload-wizard" data-step={step}>
        <Steps
          current={step}
          size="small"
          style={{ marginBottom: 24 }}
          items={[
            { title: t('upload.step.file') },
            { title: t('upload.step.mapping') },
            { title: t('upload.step.mode') },
            { title: t('upload.step.load') },
          ]}
        />
        {step === 0 && fileStep}
        {step === 1 && mappingStep}
        {step === 2 && modeStep}
        {step === 3 && loadStep}
      </div>
    </Modal>
  );
}
