import { Space, Tag, Typography } from 'antd';
import { Link } from 'react-router';
import { useLang } from '../../../lang';
import { GradeTag, OpenTag, ShareTag, StatusTag } from '../labels';
import type { EntrySummary } from '../model';

/** One hit: code, name, provider, share/open type, grade and (in the console) status. */
export function ResultItem({
  entry,
  base,
  showStatus,
}: {
  entry: EntrySummary;
  base: string;
  showStatus: boolean;
}) {
  const { t, time } = useLang();
  return (
    <div
      data-testid="catalog-result"
      data-id={entry.id}
      data-name={entry.name}
      data-open-type={entry.openType ?? ''}
      data-share-type={entry.shareType ?? ''}
      style={{ padding: '12px 0', borderBottom: '1px solid #f0f0f0' }}
    >
      <Space wrap size={[8, 4]} style={{ width: '100%' }}>
        <Link
          to={`${base}/${entry.id}`}
          data-testid="catalog-result-link"
          style={{ fontSize: 16, fontWeight: 500 }}
        >
          {entry.name}
        </Link>
        <Typography.Text type="secondary" code data-testid="catalog-result-code">
          {entry.code}
        </Typography.Text>
        {showStatus && entry.status && <StatusTag value={entry.status} />}
      </Space>
      {entry.summary && (
        <Typography.Paragraph type="secondary" ellipsis={{ rows: 2 }} style={{ margin: '6px 0' }}>
          {entry.summary}
        </Typography.Paragraph>
      )}
      <Space wrap size={[4, 4]}>
        {entry.providerOrgName && <Tag data-testid="catalog-result-provider">{entry.providerOrgName}</Tag>}
        {entry.shareType && <ShareTag value={entry.shareType} />}
        {entry.openType && <OpenTag value={entry.openType} />}
        {entry.grade && <GradeTag value={entry.grade} />}
        {entry.updateCycle && <Tag>{t(`catalog.updateCycle.${entry.updateCycle}`)}</Tag>}
        {(entry.formats ?? []).map((f) => (
          <Tag key={f} bordered={false}>
            {f}
          </Tag>
        ))}
        {entry.updatedAt && (
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('catalog.updatedAt')}: {time(entry.updatedAt)}
          </Typography.Text>
        )}
      </Space>
    </div>
  );
}
