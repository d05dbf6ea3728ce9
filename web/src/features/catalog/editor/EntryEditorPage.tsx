import { useState } from 'react';
import { Alert, Button, Card, Form, Space } from 'antd';
import { useNavigate, useParams } from 'react-router';
import { isApiError } from '../../../api';
import { useLang } from '../../../lang';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { useNotify } from '../../../components/useNotify';
import { useEntry, useEntryAction, useSaveEntry } from '../api';
import type { Entry } from '../model';
import { FieldsEditor } from './FieldsEditor';
import { MetadataForm } from './MetadataForm';
import { errorTarget, fromEntry, NEW_ENTRY, toInput, type EntryValues, type FieldValues } from './values';

function EditorForm({ entry }: { entry: Entry | null }) {
  const { t } = useLang();
  const notify = useNotify();
  const navigate = useNavigate();
  const [form] = Form.useForm<EntryValues>();
  const save = useSaveEntry();
  const submit = useEntryAction();
  const [unplaced, setUnplaced] = useState<string[]>([]);

  /** Rules that span cells are re-checked whenever one of their inputs changes. */
  const onValuesChange = (changed: Partial<EntryValues>, all: EntryValues) => {
    if (changed.core) form.setFieldValue('important', true);
    if (changed.fields || changed.resourceKind) {
      const codes = (all.fields ?? [])
        .map((f: FieldValues | undefined, i) => (f?.code ? ['fields', i, 'code'] : null))
        .filter((p): p is (string | number)[] => p !== null);
      void form.validateFields(['grade', ...codes]).catch(() => undefined);
    }
  };

  /** Server refusals (problem+json `errors`, e.g. /fields/3/code) go onto their cells. */
  const placeErrors = (err: unknown) => {
    if (!isApiError(err)) return;
    const placed: { name: (string | number)[]; errors: string[] }[] = [];
    const rest: string[] = [];
    for (const e of err.errors) {
      const target = errorTarget(e.path);
      if (target) placed.push({ name: target, errors: [e.message] });
      else rest.push(`${e.path}: ${e.message}`);
    }
    // The pointer's path is only known at run time; the form accepts it as any registered name.
    form.setFields(placed.map((p) => ({ name: p.name as never, errors: p.errors })));
    setUnplaced(rest);
  };

  const run = async (andSubmit: boolean) => {
    setUnplaced([]);
    let values: EntryValues;
    try {
      values = await form.validateFields();
    } catch {
      notify.error(new Error(t('editor.fixErrors')));
      return;
    }
    save.mutate(
      { id: entry?.id ?? null, input: toInput(values) },
      {
        onSuccess: (saved) => {
          notify.success(t('editor.saved'));
          if (!andSubmit) return void navigate(`/catalog/${saved.id}`);
          submit.mutate(
            { id: saved.id, action: 'submit' },
            {
              onSuccess: () => void navigate(`/catalog/${saved.id}`),
              onError: (err) => {
                notify.error(err);
                void navigate(`/catalog/${saved.id}`);
              },
            },
          );
        },
        onError: (err) => {
          placeErrors(err);
          notify.error(err);
        },
      },
    );
  };

  const busy = save.isPending || submit.isPending;
  return (
    <Form<EntryValues>
      form={form}
      name="entry"
      layout="vertical"
      initialValues={entry ? fromEntry(entry) : NEW_ENTRY}
      onValuesChange={onValuesChange}
      data-testid="entry-editor"
    >
      <Card
        title={entry ? `${t('editor.edit')} · ${entry.code}` : t('editor.new')}
        style={{ marginBottom: 16 }}
      >
        <MetadataForm form={form} />
      </Card>
      <Card title={t('editor.fields')} style={{ marginBottom: 16 }}>
        <FieldsEditor form={form} />
      </Card>
      {unplaced.length > 0 && (
        <Alert
          type="error"
          showIcon
          title={unplaced.join('\n')}
          style={{ marginBottom: 16 }}
          data-testid="editor-errors"
        />
      )}
      <Space>
        <Button loading={busy} onClick={() => void run(false)} data-testid="editor-save">
          {t('common.save')}
        </Button>
        <Button type="primary" loading={busy} onClick={() => void run(true)} data-testid="editor-submit">
          {t('editor.saveAndSubmit')}
        </Button>
        <Button onClick={() => void navigate(entry ? `/catalog/${entry.id}` : '/catalog')}>
          {t('common.cancel')}
        </Button>
      </Space>
    </Form>
  );
}

/** /catalog/new and /catalog/:id/edit. */
export default function EntryEditorPage() {
  const { id } = useParams();
  if (!id) return <EditorForm entry={null} />;
  return <ExistingEntryEditor id={id} />;
}

function ExistingEntryEditor({ id }: { id: string }) {
  const entry = useEntry(id);
  if (entry.error) return <ErrorAlert error={entry.error} />;
  if (!entry.data) return <Card loading />;
  // Keyed so that the form starts from the loaded values once, without an effect.
  return <EditorForm key={entry.data.id} entry={entry.data} />;
}
