import { useState, type ReactNode } from 'react';
import { Button, Card, Checkbox, Col, Row, Space, Typography } from 'antd';
import { FileExcelOutlined, FileTextOutlined, CodeOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { useLang } from '../../lang';
import { datasetPath, OPEN_KEY } from './api';
import { formatNumber } from './format';
import type { DownloadFormat, OpenDataset } from './model';

const ICONS: Record<DownloadFormat, ReactNode> = {
  csv: <FileTextOutlined />,
  xlsx: <FileExcelOutlined />,
  json: <CodeOutlined />,
};

/** 下载: links to the whole open version as CSV (UTF-8 with BOM), XLSX or JSON. */
export function DownloadTab({ dataset }: { dataset: OpenDataset }) {
  const { t, lang } = useLang();
  const qc = useQueryClient();
  const [names, setNames] = useState(false);
  const href = (format: DownloadFormat) =>
    `${datasetPath(dataset.entryId)}/download?format=${format}${names && format !== 'json' ? '&header=name' : ''}`;
  // The server counts each download; the counts shown refresh once the file has been asked for.
  const counted = () => {
    window.setTimeout(() => void qc.invalidateQueries({ queryKey: OPEN_KEY }), 1500);
  };
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Text>
        {t('portal.download.intro', { n: formatNumber(lang, dataset.rowCount ?? 0) })}
      </Typography.Text>
      <Checkbox
        checked={names}
        onChange={(e) => setNames(e.target.checked)}
        data-testid="portal-download-names"
      >
        {t('portal.download.header')}
      </Checkbox>
      <Row gutter={[16, 16]}>
        {(['csv', 'xlsx', 'json'] as const).map((f) => (
          <Col key={f} xs={24} md={8}>
            <Card size="small" style={{ height: '100%' }}>
              <Space orientation="vertical">
                <Button
                  type="primary"
                  icon={ICONS[f]}
                  href={href(f)}
                  download
                  onClick={counted}
                  data-testid={`portal-download-${f}`}
                >
                  {t(`portal.download.${f}`)}
                </Button>
                <Typography.Text type="secondary">{t(`portal.download.${f}.hint`)}</Typography.Text>
              </Space>
            </Card>
          </Col>
        ))}
      </Row>
    </Space>
  );
}
