import { useState, type HTMLAttributes } from 'react';
import { Form, Input, Modal, Table } from 'antd';
import { Link } from 'react-router';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { SearchToolbar } from './SearchToolbar';
import { showFieldErrors } from '../../components/formErrors';
import { useNotify } from '../../components/useNotify';
import { useCodeTables, useCreateCodeTable, type CodeTable, type CodeValue } from './api';

interface Values {
  identifier: string;
  name: string;
  version: string;
  description?: string;
  values: string;
}

/** "code,label[,parent]" per line, or the number (1-based) of the first bad line. */
export function parseValues(text: string): CodeValue[] | number {
  const out: CodeValue[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim() ?? '';
    if (!line) continue;
    const [code, label, parent] = line.split(/[,，\t]/).map((s) => s.trim());
    if (!code || !label) return i + 1;
    out.push({ code, label, parentCode: parent || null });
  }
  return out;
}

function CreateCodeTableModal({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useLang();
  const notify = useNotify();
  const [form] = Form.useForm<Values>();
  const create = useCreateCodeTable();
  const submit = async () => {
    const v = await form.validateFields();
    const values = parseValues(v.values);
    if (typeof values === 'number') return;
    create.mutate(
      {
        identifier: v.identifier.trim(),
        name: v.name.trim(),
        version: v.version.trim(),
        description: v.description?.trim() ?? '',
        values,
      },
      {
        onSuccess: () => {
          notify.success(t('standards.created'));
          form.resetFields();
          onClose();
        },
        onError: (err) => {
          showFieldErrors(form, err, ['identifier', 'name', 'version', 'description', 'values']);
          notify.error(err);
        },
      },
    );
  };
  return (
    <Modal
      open={open}
      title={t('standards.createCodeTable')}
      onCancel={onClose}
      onOk={() => void submit().catch(() => undefined)}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={create.isPending}
      okButtonProps={{ 'data-testid': 'code-table-form-submit' }}
      forceRender
    >
      <Form form={form} layout="vertical" name="codeTable">
        <Form.Item
          name="identifier"
          label={t('standards.identifier')}
          rules={[{ required: true, whitespace: true, max: 100 }]}
        >
          <Input placeholder="GB/T 2261.2" data-testid="code-table-identifier" />
        </Form.Item>
        <Form.Item
          name="name"
          label={t('standards.name')}
          rules={[{ required: true, whitespace: true, max: 200 }]}
        >
          <Input data-testid="code-table-name" />
        </Form.Item>
        <Form.Item
          name="version"
          label={t('standards.version')}
          rules={[{ required: true, whitespace: true, max: 50 }]}
        >
          <Input placeholder="2003" data-testid="code-table-version" />
        </Form.Item>
        <Form.Item name="description" label={t('standards.description')} rules={[{ max: 4000 }]}>
          <Input.TextArea rows={2} />
        </Form.Item>
        <Form.Item
          name="values"
          label={t('standards.valuesText')}
          rules={[
            { required: true, message: t('common.required') },
            {
              validator: (_rule, v: string | undefined) => {
                const parsed = parseValues(v ?? '');
                return typeof parsed === 'number'
                  ? Promise.reject(new Error(t('standards.valuesInvalid', { n: parsed })))
                  : Promise.resolve();
              },
            },
          ]}
        >
          <Input.TextArea rows={6} placeholder={'1,未婚\n2,已婚'} data-testid="code-table-values" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export function CodeTablesTab() {
  const { t } = useLang();
  const tables = useCodeTables();
  const [q, setQ] = useState('');
  const [creating, setCreating] = useState(false);
  const needle = q.trim().toLowerCase();
  const rows = (tables.data ?? []).filter(
    (c) => !needle || c.identifier.toLowerCase().includes(needle) || c.name.toLowerCase().includes(needle),
  );
  return (
    <>
      <SearchToolbar
        onSearch={setQ}
        onCreate={() => setCreating(true)}
        createLabel={t('standards.createCodeTable')}
        testId="code-table"
      />
      {tables.error && <ErrorAlert error={tables.error} style={{ marginBottom: 16 }} />}
      <Table<CodeTable>
        rowKey="id"
        size="small"
        loading={tables.isPending}
        dataSource={rows}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        data-testid="code-tables"
        onRow={(c) =>
          ({
            'data-testid': 'code-table-row',
            'data-identifier': c.identifier,
          }) as HTMLAttributes<HTMLElement>
        }
        columns={[
          {
            title: t('standards.identifier'),
            dataIndex: 'identifier',
            render: (v: string, c) => <Link to={`/standards/code-tables/${c.id}`}>{v}</Link>,
          },
          { title: t('standards.name'), dataIndex: 'name' },
          { title: t('standards.version'), dataIndex: 'version' },
          { title: t('standards.valueCount'), dataIndex: 'valueCount' },
        ]}
      />
      <CreateCodeTableModal open={creating} onClose={() => setCreating(false)} />
    </>
  );
}
