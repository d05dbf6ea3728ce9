import type { HTMLAttributes } from 'react';
import { Table, Tag } from 'antd';
import { useLang } from '../../lang';
import { formatCount } from './labels';
import type { OpenVersion } from './open-model';

/** 开放版本: the kept open version tables, newest first; the current one tagged. */
export function OpenVersions({ versions, current }: { versions: OpenVersion[]; current: number }) {
  const { t, lang, time } = useLang();
  const rows = [...versions].sort((a, b) => b.version - a.version);
  return (
    <Table<OpenVersion>
      rowKey="version"
      size="small"
      pagination={false}
      dataSource={rows}
      locale={{ emptyText: t('publish.versions.empty') }}
      data-testid="open-versions"
      onRow={(v) =>
        ({
          'data-testid': 'open-version-row',
          'data-version': v.version,
          'data-rows': v.rows,
          'data-suppressed': v.suppressed,
        }) as HTMLAttributes<HTMLElement>
      }
      columns={[
        {
          title: t('publish.version'),
          key: 'version',
          render: (_, v) => (
            <>
              v{v.version}{' '}
              {v.version === current && <Tag color="success">{t('publish.version.current')}</Tag>}
            </>
          ),
        },
        {
          title: t('publish.version.rows'),
          key: 'rows',
          align: 'right',
          render: (_, v) => formatCount(lang, v.rows),
        },
        {
          title: t('publish.version.suppressed'),
          key: 'suppressed',
          align: 'right',
          render: (_, v) => formatCount(lang, v.suppressed),
        },
        {
          title: t('publish.version.batch'),
          key: 'batch',
          render: (_, v) => (v.batchId === null ? '—' : `#${v.batchId}`),
        },
        { title: t('publish.version.created'), key: 'created', render: (_, v) => time(v.createdAt) },
      ]}
    />
  );
}
