import { useState, type HTMLAttributes } from 'react';
import { Button, Card, Empty, Popconfirm, Space, Switch, Table, Tag, Typography } from 'antd';
import { DeleteOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useNotify } from '../../components/useNotify';
import type { Field } from '../catalog/model';
import type { DatasetColumn } from './model';
import { useAddSuggestions, useDeleteRule, useUpdateRule } from './quality-api';
import { DimensionTag, KindTag, SpecSummary } from './QualityLabels';
import type { DatasetQuality, QualityRule, Suggestion } from './quality-model';
import { QualityRuleForm } from './QualityRuleForm';

/**
 * 规则: the dataset's stored rules (enable/disable, edit, delete) and 推荐规则 — what the catalog
 * suggests (required and key fields, lengths, code tables, validators, keys, the update cycle, the
 * 一数一源 registry) and is not stored yet — for maintainers of the entry.
 */
export function QualityRules({
  entryId,
  quality,
  suggestions,
  suggestionsError,
  columns,
  catalogFields,
}: {
  entryId: string;
  quality: DatasetQuality;
  suggestions: readonly Suggestion[];
  suggestionsError: unknown;
  columns: readonly DatasetColumn[];
  catalogFields: readonly Field[];
}) {
  const { t, time } = useLang();
  const notify = useNotify();
  const update = useUpdateRule(entryId);
  const remove = useDeleteRule(entryId);
  const add = useAddSuggestions(entryId);
  // null: closed; 'new': creating; a rule: editing it.
  const [editing, setEditing] = useState<QualityRule | 'new' | null>(null);
  const byCode = new Map(columns.map((c) => [c.code, c.name]));
  const name = (code: string) => byCode.get(code) ?? code;
  const open = suggestions.filter((s) => !s.stored);

  const addSuggestions = (list: readonly Suggestion[]) =>
    add.mutate(list, {
      onSuccess: (n) => notify.success(t('quality.suggestion.added', { n })),
      onError: notify.error,
    });

  return (
    <div data-testid="quality-rules">
      <Space style={{ marginBottom: 12 }}>
        <Button
          type="primary"
          icon={<PlusOutlined />}
          onClick={() => setEditing('new')}
          data-testid="quality-rule-create"
        >
          {t('quality.rule.create')}
        </Button>
        <Typography.Text type="secondary">
          {t('quality.rule.count', {
            n: quality.rules.length,
            enabled: quality.rules.filter((r) => r.enabled).length,
          })}
        </Typography.Text>
      </Space>
      <Table<QualityRule>
        size="small"
        rowKey="id"
        dataSource={quality.rules}
        pagination={false}
        scroll={{ x: 'max-content' }}
        data-testid="quality-rule-table"
        locale={{ emptyText: t('quality.rule.none') }}
        onRow={(r) =>
          ({
            'data-testid': 'quality-rule-row',
            'data-id': r.id,
            'data-key': r.key,
            'data-name': r.name,
            'data-kind': r.kind,
            'data-enabled': String(r.enabled),
          }) as HTMLAttributes<HTMLElement>
        }
        columns={[
          {
            title: t('quality.rule.name'),
            dataIndex: 'name',
            render: (v: string, r) => (
              <Space orientation="vertical" size={0}>
                <Space size={4}>
                  <Typography.Text strong>{v}</Typography.Text>
                  {r.suggested && (
                    <Tag color="green" bordered={false}>
                      {t('quality.rule.suggested')}
                    </Tag>
                  )}
                </Space>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {r.createdBy} · {time(r.updatedAt)}
                </Typography.Text>
              </Space>
            ),
          },
          {
            title: t('quality.rule.kind'),
            dataIndex: 'kind',
            render: (k: QualityRule['kind']) => <KindTag value={k} />,
          },
          {
            title: t('quality.result.dimension'),
            dataIndex: 'dimension',
            render: (d: QualityRule['dimension']) => <DimensionTag value={d} />,
          },
          {
            title: t('quality.rule.params'),
            key: 'spec',
            render: (_, r) => <SpecSummary spec={r.spec} name={name} />,
          },
          {
            title: t('quality.rule.enabled'),
            dataIndex: 'enabled',
            render: (on: boolean, r) => (
              <Switch
                size="small"
                checked={on}
                loading={update.isPending && update.variables?.id === r.id}
                data-testid="quality-rule-enabled"
                onChange={(enabled) =>
                  update.mutate(
                    { id: r.id, patch: { enabled } },
                    {
                      onSuccess: () =>
                        notify.success(enabled ? t('quality.rule.enabledOn') : t('quality.rule.enabledOff')),
                      onError: notify.error,
                    },
                  )
                }
              />
            ),
          },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, r) => (
              <Space size={4}>
                <Button
                  size="small"
                  icon={<EditOutlined />}
                  onClick={() => setEditing(r)}
                  data-testid="quality-rule-edit"
                  aria-label={t('quality.rule.edit')}
                />
                <Popconfirm
                  title={t('quality.rule.deleteConfirm', { name: r.name })}
                  okText={t('quality.rule.delete')}
                  cancelText={t('common.cancel')}
                  okButtonProps={{ danger: true, 'data-testid': 'quality-rule-delete-confirm' }}
                  onConfirm={() =>
                    remove.mutate(r.id, {
                      onSuccess: () => notify.success(t('quality.rule.deleted')),
                      onError: notify.error,
                    })
                  }
                >
                  <Button
                    size="small"
                    danger
                    icon={<DeleteOutlined />}
                    loading={remove.isPending && remove.variables === r.id}
                    data-testid="quality-rule-delete"
                    aria-label={t('quality.rule.delete')}
                  />
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />

      <Card
        size="small"
        style={{ marginTop: 16 }}
        data-testid="quality-suggestions"
        title={
          <Space>
            <span>{t('quality.suggestion.title')}</span>
            <Typography.Text type="secondary" style={{ fontWeight: 'normal', fontSize: 12 }}>
              {t('quality.suggestion.hint')}
            </Typography.Text>
          </Space>
        }
        extra={
          open.length > 0 && (
            <Button
              size="small"
              type="primary"
              ghost
              loading={add.isPending && add.variables?.length !== 1}
              disabled={add.isPending}
              onClick={() => addSuggestions(open)}
              data-testid="quality-suggestion-add-all"
            >
              {t('quality.suggestion.addAll', { n: open.length })}
            </Button>
          )
        }
      >
        {suggestionsError ? <ErrorAlert error={suggestionsError} /> : null}
        {!suggestionsError && open.length === 0 ? (
          <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('quality.suggestion.none')} />
        ) : (
          <Table<Suggestion>
            size="small"
            rowKey="key"
            dataSource={open}
            pagination={false}
            showHeader={false}
            data-testid="quality-suggestion-table"
            onRow={(s) =>
              ({
                'data-testid': 'quality-suggestion-row',
                'data-key': s.key,
                'data-kind': s.spec.kind,
              }) as HTMLAttributes<HTMLElement>
            }
            columns={[
              {
                key: 'name',
                render: (_, s) => (
                  <Space orientation="vertical" size={0}>
                    <Typography.Text>{s.name}</Typography.Text>
                    <span style={{ fontSize: 12 }}>
                      <SpecSummary spec={s.spec} name={name} />
                    </span>
                  </Space>
                ),
              },
              { key: 'kind', render: (_, s) => <KindTag value={s.spec.kind} /> },
              { key: 'dimension', render: (_, s) => <DimensionTag value={s.dimension} /> },
              {
                key: 'add',
                align: 'right',
                render: (_, s) => (
                  <Button
                    size="small"
                    icon={<PlusOutlined />}
                    loading={add.isPending && add.variables?.length === 1 && add.variables[0]?.key === s.key}
                    disabled={add.isPending}
                    onClick={() => addSuggestions([s])}
                    data-testid="quality-suggestion-add"
                  >
                    {t('quality.suggestion.add')}
                  </Button>
                ),
              },
            ]}
          />
        )}
      </Card>

      {editing !== null && (
        <QualityRuleForm
          entryId={entryId}
          columns={columns}
          catalogFields={catalogFields}
          rule={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
        />
      )}
    </div>
  );
}
