import { Card, Descriptions } from 'antd';
import { Link, useParams } from 'react-router';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { typeText } from '../catalog/detail/FieldTable';
import { useDataElement } from './api';

/** One 数据元 with its type, validator and code table. */
export default function DataElementPage() {
  const { t } = useLang();
  const { id = '' } = useParams();
  const el = useDataElement(id);
  if (el.error) return <ErrorAlert error={el.error} />;
  const d = el.data;
  return (
    <Card
      loading={el.isPending}
      title={d ? `${d.name}（${d.identifier}）` : t('standards.dataElements')}
      data-testid="data-element-detail"
    >
      {d && (
        <Descriptions
          bordered
          size="small"
          column={1}
          items={[
            { key: 'identifier', label: t('standards.identifier'), children: d.identifier },
            { key: 'name', label: t('standards.name'), children: d.name },
            { key: 'type', label: t('standards.type'), children: typeText(d) },
            {
              key: 'validator',
              label: t('standards.validator'),
              children: d.validator ? t(`field.validator.${d.validator.kind}`) : '—',
            },
            ...(d.validator?.pattern
              ? [
                  {
                    key: 'pattern',
                    label: t('standards.pattern'),
                    children: <code>{d.validator.pattern}</code>,
                  },
                ]
              : []),
            {
              key: 'codeTable',
              label: t('standards.codeTable'),
              children: d.codeTable ? (
                <Link
                  to={`/standards/code-tables/${d.codeTable.id}`}
                >{`${d.codeTable.name}（${d.codeTable.identifier} ${d.codeTable.version}）`}</Link>
              ) : (
                '—'
              ),
            },
            { key: 'description', label: t('standards.description'), children: d.description || '—' },
          ]}
        />
      )}
    </Card>
  );
}
