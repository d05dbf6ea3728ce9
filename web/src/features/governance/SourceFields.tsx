import { useEffect, useState } from 'react';
import { Form, Input, Select, Space, Typography, type FormInstance } from 'antd';
import { isApiError } from '../../api';
import { useLang } from '../../lang';
import { useCatalogSearch } from '../catalog/api';
import type { Field } from '../catalog/model';
import { useSourceEntry } from './registry-api';
import type { SubjectKind } from './registry-model';

type NamePath = (string | number)[];

/** An entry already chosen (an item's source), offered even before any search finds it. */
export interface KnownEntry {
  id: string;
  name: string;
  code: string;
}

/** The text typed, once it has rested for a moment. */
function useDebounced(value: string, ms = 300): string {
  const [out, setOut] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setOut(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return out;
}

/** A published catalog entry, searched by name or code as the user types. */
function EntrySelect(p: {
  value?: string;
  onChange?: (v: string) => void;
  known: readonly KnownEntry[];
  testId: string;
}) {
  const { t } = useLang();
  const [q, setQ] = useState('');
  const text = useDebounced(q.trim());
  const search = useCatalogSearch(
    { q: text, sort: text ? 'relevance' : 'name', status: 'published', filters: {} },
    'console',
  );
  // The entry picked, kept as an option when a later search no longer finds it.
  const [chosen, setChosen] = useState<KnownEntry | null>(null);
  const hits = (search.data?.pages ?? []).flatMap((page) => page.items);
  const entries: KnownEntry[] = [...hits];
  for (const k of [...(chosen ? [chosen] : []), ...p.known])
    if (!entries.some((e) => e.id === k.id)) entries.push(k);
  const providers = new Map(hits.map((e) => [e.id, e.providerOrgName ?? '']));
  return (
    <Select
      value={p.value}
      onChange={(v: string) => {
        const hit = hits.find((e) => e.id === v);
        if (hit) setChosen({ id: hit.id, name: hit.name, code: hit.code });
        p.onChange?.(v);
      }}
      placeholder={t('registry.source.entryPlaceholder')}
      loading={search.isFetching}
      showSearch={{ filterOption: false, onSearch: setQ }}
      notFoundContent={search.isFetching ? undefined : t('registry.source.noEntry')}
      data-testid={testIdOf(p.testId, 'entry')}
      options={entries.map((e) => ({ value: e.id, label: `${e.name} (${e.code})`, name: e.name }))}
      optionRender={(o) => (
        <Space
          orientation="vertical"
          size={0}
          data-testid={`${testIdOf(p.testId, 'entry')}-option-${String(o.data.name)}`}
        >
          <span>{o.label}</span>
          {providers.get(String(o.value)) && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {providers.get(String(o.value))}
            </Typography.Text>
          )}
        </Space>
      )}
    />
  );
}

const testIdOf = (base: string, part: string) => `${base}-${part}`;

/** A field of the chosen entry, or its code typed in when the entry's fields are not visible. */
function FieldSelect(p: {
  value?: string;
  onChange?: (v: string) => void;
  fields: readonly Field[] | undefined;
  loading: boolean;
  testId: string;
}) {
  const { t } = useLang();
  if (p.fields && p.fields.length === 0) {
    return (
      <Input
        value={p.value}
        onChange={(e) => p.onChange?.(e.target.value.trim())}
        placeholder={t('registry.source.fieldCode')}
        data-testid={p.testId}
      />
    );
  }
  return (
    <Select
      value={p.value}
      onChange={p.onChange}
      loading={p.loading}
      showSearch={{ optionFilterProp: 'label' }}
      data-testid={p.testId}
      options={(p.fields ?? []).map((f) => ({ value: f.code, label: `${f.name} (${f.code})` }))}
      optionRender={(o) => <span data-testid={`${p.testId}-option-${String(o.value)}`}>{o.label}</span>}
    />
  );
}

/** The field most likely to hold the subject's key: one checked as that kind, else the only key. */
function guessKeyField(fields: readonly Field[], subjectKind: SubjectKind | undefined): string | undefined {
  const validated = fields.find((f) => subjectKind && f.validator?.kind === subjectKind);
  if (validated) return validated.code;
  const keys = fields.filter((f) => f.key);
  return keys.length === 1 ? keys[0]!.code : undefined;
}

/**
 * A source's three inputs — the catalog entry (a published table resource), the field holding
 * the item's value, the field holding the subject's key — as items of the surrounding form.
 * `name` is the path inside the form (or the Form.List item), `path` the absolute one.
 */
export function SourceFields(p: {
  name: NamePath;
  path: NamePath;
  known: readonly KnownEntry[];
  subjectKind: SubjectKind | undefined;
  testId: string;
}) {
  const { t } = useLang();
  const form = Form.useFormInstance();
  const entryId = Form.useWatch([...p.path, 'entryId'], form) as string | undefined;
  const entry = useSourceEntry(entryId);
  const fields = entry.data?.id === entryId ? entry.data?.fields : undefined;
  const guessed = fields ? guessKeyField(fields, p.subjectKind) : undefined;
  const keyPath = [...p.path, 'keyField'];
  const keyPathKey = JSON.stringify(keyPath);
  useEffect(() => {
    // Once a new entry's fields arrive, its key field is filled in when it is obvious.
    const path = JSON.parse(keyPathKey) as NamePath;
    if (guessed && !form.getFieldValue(path)) form.setFieldValue(path, guessed);
  }, [guessed, entryId, form, keyPathKey]);
  return (
    <>
      <Form.Item
        name={[...p.name, 'entryId']}
        label={t('registry.source.entry')}
        rules={[{ required: true, message: t('registry.source.entryRequired') }]}
        style={{ marginBottom: 8 }}
      >
        <EntrySelect
          known={p.known}
          testId={p.testId}
          onChange={() => {
            form.setFieldValue([...p.path, 'field'], undefined);
            form.setFieldValue(keyPath, undefined);
          }}
        />
      </Form.Item>
      {entry.error && (
        <Typography.Text type="danger">
          {isApiError(entry.error) ? entry.error.title : t('common.loadFailed')}
        </Typography.Text>
      )}
      <div style={{ display: 'flex', gap: 8 }}>
        <Form.Item
          name={[...p.name, 'field']}
          label={t('registry.source.field')}
          rules={[{ required: true, message: t('registry.source.fieldRequired') }]}
          style={{ flex: 1 }}
        >
          <FieldSelect fields={fields} loading={entry.isFetching} testId={testIdOf(p.testId, 'field')} />
        </Form.Item>
        <Form.Item
          name={[...p.name, 'keyField']}
          label={t('registry.source.keyField')}
          rules={[{ required: true, message: t('registry.source.fieldRequired') }]}
          style={{ flex: 1 }}
        >
          <FieldSelect fields={fields} loading={entry.isFetching} testId={testIdOf(p.testId, 'key')} />
        </Form.Item>
      </div>
    </>
  );
}

/**
 * Puts a refusal's field errors on the form's items: "/authority/field" on ['authority', 'field'],
 * "/sources/0/keyField" on ['sources', 0, 'keyField'], "/name" on ['name']. Only paths under
 * one of `roots` (their first segment) are placed. Returns whether any landed.
 */
export function showPathErrors(form: FormInstance, err: unknown, roots: readonly string[]): boolean {
  if (!isApiError(err) || err.errors.length === 0) return false;
  const byPath = new Map<string, { name: NamePath; errors: string[] }>();
  for (const e of err.errors) {
    const name: NamePath = e.path
      .replace(/^\//, '')
      .split('/')
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    if (!roots.includes(String(name[0]))) continue;
    const key = name.join('/');
    const entry = byPath.get(key) ?? { name, errors: [] };
    entry.errors.push(e.message);
    byPath.set(key, entry);
  }
  if (byPath.size === 0) return false;
  form.setFields([...byPath.values()].map(({ name, errors }) => ({ name, errors })));
  return true;
}
