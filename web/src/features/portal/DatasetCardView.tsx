import { Card, Space, Typography } from 'antd';
import { CloudDownloadOutlined, DatabaseOutlined, FieldTimeOutlined, LockOutlined } from '@ant-design/icons';
import { Link } from 'react-router';
import { useLang } from '../../lang';
import { OpenTag } from '../catalog/labels';
import { formatDay, formatNumber } from './format';
import type { DatasetCard } from './model';

/** One open dataset in the portal's lists: name, department, summary, open type, rows, downloads, date. */
export function DatasetCardView({ card, recentDownloads }: { card: DatasetCard; recentDownloads?: number }) {
  const { t, lang } = useLang();
  const rows =
    card.openType === 'conditional' ? (
      <>
        <LockOutlined /> {t('portal.card.conditional')}
      </>
    ) : card.rowCount !== null ? (
      <>
        <DatabaseOutlined /> {t('portal.card.rows', { n: formatNumber(lang, card.rowCount) })}
      </>
    ) : (
      <>
        <DatabaseOutlined /> {t('portal.card.noData')}
      </>
    );
  return (
    <Card
      size="small"
      hoverable
      style={{ height: '100%' }}
      data-testid="portal-card"
      data-id={card.entryId}
      data-name={card.name}
      data-open-type={card.openType}
      data-data-available={String(card.dataAvailable)}
    >
      <Space orientation="vertical" size={4} style={{ width: '100%' }}>
        <div style={{ display: 'flex', gap: 8, alignItems: 'flex-start', justifyContent: 'space-between' }}>
          <Link
            to={`/portal/${card.entryId}`}
            data-testid="portal-card-link"
            style={{ fontWeight: 600, fontSize: 15, minWidth: 0, overflowWrap: 'anywhere' }}
          >
            {card.name}
          </Link>
          <span style={{ flexShrink: 0 }}>
            <OpenTag value={card.openType} />
          </span>
        </div>
        <Typography.Text type="secondary" data-testid="portal-card-department">
          {card.providerOrgName}
        </Typography.Text>
        <Typography.Paragraph ellipsis={{ rows: 2 }} style={{ marginBottom: 4 }}>
          {card.summary}
        </Typography.Paragraph>
        <Space wrap size={[16, 4]} style={{ color: 'rgba(0,0,0,0.55)', fontSize: 13 }}>
          <span data-testid="portal-card-rows">{rows}</span>
          <span data-testid="portal-card-downloads">
            <CloudDownloadOutlined />{' '}
            {recentDownloads !== undefined
              ? t('portal.card.recentDownloads', { n: formatNumber(lang, recentDownloads) })
              : t('portal.card.downloads', { n: formatNumber(lang, card.downloads) })}
          </span>
          <span>
            <FieldTimeOutlined /> {t('portal.card.updated', { date: formatDay(lang, card.publishedAt) })}
          </span>
        </Space>
      </Space>
    </Card>
  );
}
