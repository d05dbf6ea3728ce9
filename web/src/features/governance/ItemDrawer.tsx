import { useState } from 'react';
import {
  Button,
  Card,
  Divider,
  Drawer,
  Empty,
  Form,
  Input,
  Popconfirm,
  Radio,
  Space,
  Switch,
  Typography,
} from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { useLang } from '../../lang';
import { useNotify } from '../../components/useNotify';
import { useAddSource, useCreateItem, useDeleteSource, useUpdateItem } from './registry-api';
import {
  DEFAULT_NORMALISE,
  NORMALISE_OPTIONS,
  SUBJECT_KINDS,
  type CreateItemInput,
  type DataItem,
  type ItemSource,
  type Normalise,
  type SourceInput,
  type SubjectKind,
  type UpdateItemInput,
} from './registry-model';
import { SourceFields, showPathErrors, type KnownEntry } from './SourceFields';

interface ItemValues {
  name: string;
  description?: string;
  subjectKind: SubjectKind;
  normalise: Normalise;
  authority: SourceInput;
  /** Secondary sources, when the item is created. */
  sources?: SourceInput[];
}

const FORM_ROOTS = ['name', 'description', 'subjectKind', 'normalise', 'authority', 'sources'] as const;

const sameSource = (a: SourceInput, b: SourceInput) =>
  a.entryId === b.entryId && a.field === b.field && a.keyField === b.keyField;

const knownOf = (item: DataItem | undefined): KnownEntry[] =>
  (item?.sources ?? []).map((s) => ({ id: s.entryId, name: s.entryName, code: s.entryCode }));

/** 主体标识: the subject kind with what it identifies. */
function SubjectRadio({ value, onChange }: { value?: SubjectKind; onChange?: (v: SubjectKind) => void }) {
  const { t } = useLang();
  return (
    <Radio.Group
      value={value}
      onChange={(e) => onChange?.(e.target.value as SubjectKind)}
      data-testid="item-subject"
    >
      {SUBJECT_KINDS.map((k) => (
        <Radio key={k} value={k} data-testid={`item-subject-${k}`}>
          {t(`registry.subject.${k}`)}
        </Radio>
      ))}
    </Radio.Group>
  );
}

/** A secondary source as a line: entry, provider, value field and key field. */
export function SourceLine({ s }: { s: ItemSource }) {
  const { t } = useLang();
  return (
    <Space orientation="vertical" size={0}>
      <Typography.Text>
        {s.entryName} <Typography.Text type="secondary">({s.entryCode})</Typography.Text>
      </Typography.Text>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {s.providerOrgName} · {t('registry.source.valueOf', { name: s.fieldName, code: s.field })} ·{' '}
        {t('registry.source.keyOf', { name: s.keyFieldName, code: s.keyField })}
      </Typography.Text>
    </Space>
  );
}

/** 次要来源 of an item being edited: each with its removal, and a form to add one. */
function SecondarySources({ item }: { item: DataItem }) {
  const { t } = useLang();
  const notify = useNotify();
  const [form] = Form.useForm<SourceInput>();
  const [adding, setAdding] = useState(false);
  const add = useAddSource();
  const remove = useDeleteSource();
  const secondaries = item.sources.filter((s) => s.role === 'secondary');
  const submit = async () => {
    const v = await form.validateFields();
    add.mutate(
      { itemId: item.id, input: { role: 'secondary', ...v } },
      {
        onSuccess: () => {
          notify.success(t('registry.source.added'));
          form.resetFields();
          setAdding(false);
        },
        onError: (err) => {
          showPathErrors(form, err, ['entryId', 'field', 'keyField']);
          notify.error(err);
        },
      },
    );
  };
  return (
    <div data-testid="item-sources">
      <Divider titlePlacement="start">{t('registry.sources')}</Divider>
      {secondaries.length === 0 && (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('registry.source.none')} />
      )}
      <Space orientation="vertical" style={{ width: '100%' }}>
        {secondaries.map((s) => (
          <Card
            key={s.id}
            size="small"
            data-testid="item-source-row"
            data-id={s.id}
            data-entry={s.entryName}
            data-field={s.field}
          >
            <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8 }}>
              <SourceLine s={s} />
              <Popconfirm
                title={t('registry.source.removeConfirm')}
                okText={t('common.ok')}
                cancelText={t('common.cancel')}
                okButtonProps={{ 'data-testid': 'item-source-remove-confirm' }}
                onConfirm={() =>
                  remove.mutateAsync(s.id).then(
                    () => notify.success(t('registry.source.removed')),
                    (err: unknown) => notify.error(err),
                  )
                }
              >
                <Button size="small" danger icon={<DeleteOutlined />} data-testid="item-source-remove">
                  {t('registry.source.remove')}
                </Button>
              </Popconfirm>
            </div>
          </Card>
        ))}
      </Space>
      {adding ? (
        <Card size="small" style={{ marginTop: 12 }} title={t('registry.source.add')}>
          <Form form={form} layout="vertical" name="item-source-add" data-testid="item-source-form">
            <SourceFields
              name={[]}
              path={[]}
              known={[]}
              subjectKind={item.subjectKind}
              testId="item-source-new"
            />
            <Space>
              <Button
                type="primary"
                loading={add.isPending}
                data-testid="item-source-add-submit"
                onClick={() => void submit().catch(() => undefined)}
              >
                {t('registry.source.add')}
              </Button>
              <Button
                onClick={() => {
                  form.resetFields();
                  setAdding(false);
                }}
              >
                {t('common.cancel')}
              </Button>
            </Space>
          </Form>
        </Card>
      ) : (
        <Button
          type="dashed"
          block
          icon={<PlusOutlined />}
          style={{ marginTop: 12 }}
          data-testid="item-source-add"
          onClick={() => setAdding(true)}
        >
          {t('registry.source.add')}
        </Button>
      )}
    </div>
  );
}

/**
 * 登记 / 编辑数据项: name, description, the subject its key identifies, the normalisation before
 * comparing, and its one authoritative source (a published table entry, the value field, the key
 * field). Created with any secondary sources; once it exists, they are added and removed one by
 * one below the form.
 */
export function ItemDrawer({ item, onClose }: { item?: DataItem | undefined; onClose: () => void }) {
  const { t } = useLang();
  const notify = useNotify();
  const [form] = Form.useForm<ItemValues>();
  const subjectKind = Form.useWatch('subjectKind', form);
  const create = useCreateItem();
  const update = useUpdateItem();
  const authority = item?.sources.find((s) => s.role === 'authoritative');
  const known = knownOf(item);
  const initialValues: Partial<ItemValues> = item
    ? {
        name: item.name,
        description: item.description,
        subjectKind: item.subjectKind,
        normalise: { ...DEFAULT_NORMALISE, ...item.normalise },
        ...(authority
          ? {
              authority: {
                entryId: authority.entryId,
                field: authority.field,
                keyField: authority.keyField,
              },
            }
          : {}),
      }
    : { subjectKind: 'uscc', normalise: DEFAULT_NORMALISE, sources: [] };

  const onError = (err: unknown) => {
    showPathErrors(form, err, FORM_ROOTS);
    notify.error(err);
  };

  const submit = async () => {
    const v = await form.validateFields();
    const name = v.name.trim();
    const description = (v.description ?? '').trim();
    const normalise = { ...DEFAULT_NORMALISE, ...v.normalise };
    if (!item) {
      const input: CreateItemInput = {
        name,
        subjectKind: v.subjectKind,
        normalise,
        authority: v.authority,
        ...(description ? { description } : {}),
        ...(v.sources?.length ? { sources: v.sources } : {}),
      };
      create.mutate(input, {
        onSuccess: () => {
          notify.success(t('registry.created'));
          onClose();
        },
        onError,
      });
      return;
    }
    // Only what changed: a PATCH with the same authority would still be audited as a change.
    const input: UpdateItemInput = {
      ...(name !== item.name ? { name } : {}),
      ...(description !== item.description ? { description } : {}),
      ...(v.subjectKind !== item.subjectKind ? { subjectKind: v.subjectKind } : {}),
      ...(NORMALISE_OPTIONS.some((o) => normalise[o] !== item.normalise[o]) ? { normalise } : {}),
      ...(!authority || !sameSource(authority, v.authority) ? { authority: v.authority } : {}),
    };
    if (Object.keys(input).length === 0) {
      onClose();
      return;
    }
    update.mutate(
      { id: item.id, input },
      {
        onSuccess: () => {
          notify.success(t('common.saved'));
          onClose();
        },
        onError,
      },
    );
  };

  return (
    <Drawer
      open
      size={720}
      title={item ? `${t('registry.edit')} · ${item.name}` : t('registry.create')}
      onClose={onClose}
      data-testid="item-drawer"
      extra={
        <Space>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button
            type="primary"
            loading={create.isPending || update.isPending}
            data-testid="item-submit"
            onClick={() => void submit().catch(() => undefined)}
          >
            {t('common.save')}
          </Button>
        </Space>
      }
    >
      <Form<ItemValues>
        form={form}
        layout="vertical"
        name="item-form"
        initialValues={initialValues}
        data-testid="item-form"
      >
        <Form.Item
          name="name"
          label={t('registry.name')}
          extra={t('registry.name.hint')}
          rules={[{ required: true, whitespace: true, max: 100 }]}
        >
          <Input data-testid="item-name" />
        </Form.Item>
        <Form.Item name="description" label={t('registry.description')} rules={[{ max: 2000 }]}>
          <Input.TextArea rows={2} data-testid="item-description" />
        </Form.Item>
        <Form.Item
          name="subjectKind"
          label={t('registry.subjectKind')}
          extra={t('registry.subjectKind.hint')}
          rules={[{ required: true }]}
        >
          <SubjectRadio />
        </Form.Item>
        <Form.Item label={t('registry.normalise')} extra={t('registry.normalise.hint')}>
          <Space wrap size="large">
            {NORMALISE_OPTIONS.map((o) => (
              <Space key={o} size={6}>
                <Form.Item name={['normalise', o]} valuePropName="checked" noStyle>
                  <Switch size="small" data-testid={`item-normalise-${o}`} />
                </Form.Item>
                <span>{t(`registry.normalise.${o}`)}</span>
              </Space>
            ))}
          </Space>
        </Form.Item>
        <Divider titlePlacement="start">{t('registry.authority')}</Divider>
        <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
          {item ? t('registry.authority.replaceHint') : t('registry.authority.hint')}
        </Typography.Paragraph>
        <SourceFields
          name={['authority']}
          path={['authority']}
          known={known}
          subjectKind={subjectKind}
          testId="item-authority"
        />
        {!item && (
          <>
            <Divider titlePlacement="start">{t('registry.sources')}</Divider>
            <Form.List name="sources">
              {(rows, { add, remove }) => (
                <Space orientation="vertical" style={{ width: '100%' }}>
                  {rows.map((row, i) => (
                    <Card
                      key={row.key}
                      size="small"
                      data-testid="item-source-new-row"
                      title={t('registry.source.nth', { n: i + 1 })}
                      extra={
                        <Button
                          size="small"
                          type="text"
                          danger
                          icon={<DeleteOutlined />}
                          aria-label={t('registry.source.remove')}
                          data-testid="item-source-new-remove"
                          onClick={() => remove(row.name)}
                        />
                      }
                    >
                      <SourceFields
                        name={[row.name]}
                        path={['sources', row.name]}
                        known={[]}
                        subjectKind={subjectKind}
                        testId={`item-source-${i}`}
                      />
                    </Card>
                  ))}
                  <Button
                    type="dashed"
                    block
                    icon={<PlusOutlined />}
                    data-testid="item-source-add"
                    onClick={() => add({})}
                  >
                    {t('registry.source.add')}
                  </Button>
                </Space>
              )}
            </Form.List>
          </>
        )}
      </Form>
      {item && <SecondarySources item={item} />}
    </Drawer>
  );
}
