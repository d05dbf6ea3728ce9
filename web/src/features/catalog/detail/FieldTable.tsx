import type { HTMLAttributes } from 'react';
import { Table, Tag, Typography } from 'antd';
import { CheckOutlined, KeyOutlined } from '@ant-design/icons';
import { Link } from 'react-router';
import { useLang } from '../../../lang';
import { useCodeTables, useDataElements } from '../../standards/api';
import { GradeTag } from '../labels';
import type { Field } from '../model';

/** "string(64)", "decimal(18,2)" … as a field dictionary shows a type. */
export function typeText(f: Pick<Field, 'type' | 'length' | 'precision' | 'scale'>): string {
  if (f.type === 'string' && f.length) return `string(${f.length})`;
  if (f.type === 'decimal' && f.precision) return `decimal(${f.precision}${f.scale ? `,${f.scale}` : ''})`;
  return f.type;
}

/**
 * 信息项 field dictionary. With `standards` (a standards.read holder in the console) the code
 * table and data element references are named and linked; the portal shows them as plain ids.
 */
export function FieldTable({ fields, standards }: { fields: Field[]; standards: boolean }) {
  const { t } = useLang();
  const tables = useCodeTables(standards);
  const elements = useDataElements('', standards);
  const tableName = (id: string) => tables.data?.find((c) => c.id === id)?.name ?? id;
  const elementName = (id: string) => elements.data?.find((d) => d.id === id)?.name ?? id;
  const ref = (id: string | null | undefined, kind: 'code-tables' | 'data-elements') => {
    if (!id) return '—';
    const name = kind === 'code-tables' ? tableName(id) : elementName(id);
    return standards ? <Link to={`/standards/${kind}/${id}`}>{name}</Link> : name;
  };
  return (
    <Table<Field>
      rowKey="code"
      size="small"
      pagination={false}
      dataSource={fields}
      scroll={{ x: 1100 }}
      data-testid="entry-fields"
      onRow={(f) => ({ 'data-testid': 'field-row', 'data-code': f.code }) as HTMLAttributes<HTMLElement>}
      columns={[
        { title: '#', key: 'i', width: 48, render: (_, __, i) => i + 1 },
        {
          title: t('field.code'),
          dataIndex: 'code',
          render: (v: string) => <Typography.Text code>{v}</Typography.Text>,
        },
        {
          title: t('field.name'),
          dataIndex: 'name',
          render: (v: string, f) => (
            <>
              {v}
              {f.description && (
                <Typography.Paragraph type="secondary" style={{ margin: 0, fontSize: 12 }}>
                  {f.description}
                </Typography.Paragraph>
              )}
            </>
          ),
        },
        { title: t('field.type'), key: 'type', render: (_, f) => typeText(f) },
        {
          title: t('field.required'),
          dataIndex: 'required',
          width: 64,
          render: (v: boolean) => (v ? <CheckOutlined /> : ''),
        },
        {
          title: t('field.key'),
          dataIndex: 'key',
          width: 64,
          render: (v: boolean) => (v ? <KeyOutlined /> : ''),
        },
        {
          title: t('field.validator'),
          key: 'validator',
          render: (_, f) =>
            f.validator ? (
              <span title={f.validator.pattern}>{t(`field.validator.${f.validator.kind}`)}</span>
            ) : (
              '—'
            ),
        },
        {
          title: t('field.pii'),
          dataIndex: 'piiKind',
          render: (v: Field['piiKind']) =>
            v === 'none' ? '—' : <Tag color="purple">{t(`field.pii.${v}`)}</Tag>,
        },
        {
          title: t('field.grade'),
          dataIndex: 'grade',
          render: (v: Field['grade']) => <GradeTag value={v} />,
        },
        {
          title: t('field.codeTable'),
          key: 'codeTable',
          render: (_, f) => ref(f.codeTableId, 'code-tables'),
        },
        {
          title: t('field.dataElement'),
          key: 'dataElement',
          render: (_, f) => ref(f.dataElementId, 'data-elements'),
        },
      ]}
    />
  );
}
