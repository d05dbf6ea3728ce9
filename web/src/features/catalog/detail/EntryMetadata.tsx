import { Alert, Descriptions, Space, Tag, Typography } from 'antd';
import { useLang } from '../../../lang';
import { GradeTag, OpenTag, ShareTag, StatusTag } from '../labels';
import type { Entry } from '../model';

const dash = (v: string | null | undefined) => (v ? v : '—');

function tags(values: readonly string[]) {
  return values.length === 0 ? '—' : values.map((v) => <Tag key={v}>{v}</Tag>);
}

/** Every entry-level field of docs/CATALOG.md with its Chinese label. */
export function EntryMetadata({ entry, lifecycle = true }: { entry: Entry; lifecycle?: boolean }) {
  const { t, time } = useLang();
  const items = [
    { key: 'code', label: t('catalog.code'), children: <Typography.Text code>{entry.code}</Typography.Text> },
    { key: 'name', label: t('catalog.name'), children: entry.name },
    { key: 'category', label: t('catalog.category'), children: t(`catalog.category.${entry.category}`) },
    { key: 'classification', label: t('catalog.classification'), children: entry.classification.join('.') },
    { key: 'provider', label: t('catalog.provider'), children: entry.providerOrgName },
    { key: 'providerCode', label: t('catalog.providerCode'), children: entry.providerCode },
    {
      key: 'resourceKind',
      label: t('catalog.resourceKind'),
      children: t(`catalog.resourceKind.${entry.resourceKind}`),
    },
    { key: 'formats', label: t('catalog.formats'), children: tags(entry.formats) },
    {
      key: 'updateCycle',
      label: t('catalog.updateCycle'),
      children: t(`catalog.updateCycle.${entry.updateCycle}`),
    },
    { key: 'publishDate', label: t('catalog.publishDate'), children: dash(entry.publishDate) },
    { key: 'shareType', label: t('catalog.shareType'), children: <ShareTag value={entry.shareType} /> },
    { key: 'shareCondition', label: t('catalog.shareCondition'), children: dash(entry.shareCondition) },
    {
      key: 'shareMethod',
      label: t('catalog.shareMethod'),
      children: t(`catalog.shareMethod.${entry.shareMethod}`),
    },
    { key: 'openType', label: t('catalog.openType'), children: <OpenTag value={entry.openType} /> },
    { key: 'openCondition', label: t('catalog.openCondition'), children: dash(entry.openCondition) },
    { key: 'licence', label: t('catalog.licence'), children: dash(entry.licence) },
    {
      key: 'grade',
      label: t('catalog.gradeLabel'),
      children: (
        <Space size={4}>
          <GradeTag value={entry.grade} />
          {entry.important && <Tag color="volcano">{t('catalog.important')}</Tag>}
          {entry.core && <Tag color="magenta">{t('catalog.core')}</Tag>}
        </Space>
      ),
    },
    { key: 'tags', label: t('catalog.tags'), children: tags(entry.tags) },
    { key: 'relatedCodes', label: t('catalog.relatedCodes'), children: tags(entry.relatedCodes) },
    { key: 'responsible', label: t('catalog.responsible'), children: dash(entry.responsible.person) },
    { key: 'phone', label: t('catalog.responsiblePhone'), children: dash(entry.responsible.phone) },
    { key: 'email', label: t('catalog.responsibleEmail'), children: dash(entry.responsible.email) },
    ...(lifecycle
      ? [
          { key: 'status', label: t('catalog.status'), children: <StatusTag value={entry.status} /> },
          { key: 'version', label: t('catalog.version'), children: entry.version },
          {
            key: 'publishedVersion',
            label: t('catalog.publishedVersion'),
            children: entry.publishedVersion ?? '—',
          },
          { key: 'reviewComment', label: t('catalog.reviewComment'), children: dash(entry.reviewComment) },
          { key: 'statusReason', label: t('catalog.statusReason'), children: dash(entry.statusReason) },
        ]
      : []),
    { key: 'updatedAt', label: t('catalog.updatedAt'), children: time(entry.updatedAt) },
    { key: 'publishedAt', label: t('catalog.publishedAt'), children: time(entry.publishedAt) },
    { key: 'summary', label: t('catalog.summary'), span: 'filled' as const, children: dash(entry.summary) },
  ];
  return (
    <>
      {entry.restricted && (
        <Alert
          type="warning"
          showIcon
          title={t('catalog.restricted')}
          style={{ marginBottom: 16 }}
          data-testid="entry-restricted"
        />
      )}
      <Descriptions
        bordered
        size="small"
        column={{ xs: 1, md: 2 }}
        items={items}
        data-testid="entry-metadata"
      />
    </>
  );
}
