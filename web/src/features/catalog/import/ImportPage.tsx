import { useState, type HTMLAttributes } from 'react';
import { Alert, Button, Card, Result, Space, Steps, Table, Typography, Upload } from 'antd';
import { DownloadOutlined, InboxOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../../api';
import { useLang } from '../../../lang';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { CATALOG_KEY } from '../api';
import type { ImportError, ImportResult } from '../model';

/** Excel 导入: template, upload, then either the created drafts or the row-level error report. */
export default function ImportPage() {
  const { t, lang } = useLang();
  const qc = useQueryClient();
  const [fileName, setFileName] = useState<string | null>(null);
  const upload = useMutation({
    mutationFn: (file: File) => {
      const form = new FormData();
      form.append('file', file, file.name);
      return api.upload<ImportResult>('/api/catalog/import', form);
    },
    onSuccess: (r) => {
      if (r.created.length > 0) void qc.invalidateQueries({ queryKey: CATALOG_KEY });
    },
  });
  const result = upload.data;
  const step = result ? 2 : upload.isPending || fileName ? 1 : 0;

  return (
    <Card title={t('import.title')}>
      <Steps
        current={step}
        style={{ marginBottom: 24 }}
        items={[
          { title: t('import.template') },
          { title: t('import.upload') },
          { title: t('import.message') },
        ]}
      />
      <Typography.Paragraph>{t('import.hint')}</Typography.Paragraph>
      <Alert
        type="info"
        showIcon
        title={t('import.allOrNothing')}
        style={{ marginBottom: 16 }}
        data-testid="import-policy"
      />
      <Space orientation="vertical" style={{ width: '100%' }} size="large">
        <a href="/api/catalog/import/template.xlsx" download data-testid="import-template">
          <Button icon={<DownloadOutlined />}>{t('import.template')}</Button>
        </a>
        {!result && (
          <Upload.Dragger
            accept=".xlsx,.csv"
            multiple={false}
            showUploadList={false}
            disabled={upload.isPending}
            data-testid="import-upload"
            beforeUpload={(file) => {
              setFileName(file.name);
              upload.mutate(file);
              // The upload is ours (with the CSRF header), not antd's.
              return false;
            }}
          >
            <p className="ant-upload-drag-icon">
              <InboxOutlined />
            </p>
            <p>{upload.isPending ? `${fileName ?? ''} …` : t('import.upload')}</p>
          </Upload.Dragger>
        )}
        {upload.error && <ErrorAlert error={upload.error} />}
        {result && result.errors.length > 0 && (
          <div data-testid="import-errors" data-count={result.errors.length}>
            <Alert
              type="error"
              showIcon
              title={t('import.errors', { n: result.errors.length })}
              style={{ marginBottom: 12 }}
            />
            <Table<ImportError>
              rowKey={(e) => `${e.row}:${e.column}:${e.message}`}
              size="small"
              dataSource={result.errors}
              pagination={{ pageSize: 50, hideOnSinglePage: true }}
              onRow={(e) =>
                ({
                  'data-testid': 'import-error',
                  'data-row': e.row,
                  'data-column': e.column,
                }) as HTMLAttributes<HTMLElement>
              }
              columns={[
                { title: t('import.row'), dataIndex: 'row', width: 80 },
                { title: t('import.column'), dataIndex: 'column', width: 200 },
                {
                  title: t('import.message'),
                  key: 'message',
                  render: (_, e) => (lang === 'en' ? e.messageEn || e.message : e.message),
                },
              ]}
            />
          </div>
        )}
        {result && result.errors.length === 0 && (
          <Result
            status="success"
            title={t('import.created', { n: result.created.length })}
            data-testid="import-created"
            extra={
              <ul style={{ textAlign: 'left', display: 'inline-block' }}>
                {result.created.map((c) => (
                  <li key={c.id}>
                    <Link to={`/catalog/${c.id}`} data-testid="import-created-entry">
                      {c.code} {c.name}
                    </Link>
                  </li>
                ))}
              </ul>
            }
          />
        )}
        {result && (
          <Button
            onClick={() => {
              upload.reset();
              setFileName(null);
            }}
            data-testid="import-again"
          >
            {t('import.again')}
          </Button>
        )}
      </Space>
    </Card>
  );
}
