import { useEffect, useMemo } from 'react';
import { Form, Input, Modal, Select, TreeSelect } from 'antd';
import { useLang } from '../../../lang';
import { ORG_KINDS, type Org, type OrgInput, type OrgKind } from '../../../types';
import { showFieldErrors } from '../../../components/formErrors';
import { useNotify } from '../../../components/useNotify';
import { orgTree, selfAndDescendants, useSaveOrg, type OrgNode } from './api';
import { isValidUscc } from './uscc';

interface Values {
  name: string;
  uscc: string;
  regionCode: string;
  kind: OrgKind;
  parentId?: string;
}

interface TreeOption {
  value: string;
  title: string;
  disabled: boolean;
  children: TreeOption[];
}

function toOptions(nodes: OrgNode[], blocked: Set<string>): TreeOption[] {
  return nodes.map((n) => ({
    value: n.id,
    title: n.name,
    disabled: blocked.has(n.id),
    children: toOptions(n.children ?? [], blocked),
  }));
}

const FIELDS = ['name', 'uscc', 'regionCode', 'kind', 'parentId'] as const;

/** Create (editing === null) or edit an organisation. */
export function OrgFormModal(props: {
  open: boolean;
  editing: Org | null;
  orgs: Org[];
  onClose: () => void;
}) {
  const { open, editing, orgs, onClose } = props;
  const { t, orgKind } = useLang();
  const notify = useNotify();
  const [form] = Form.useForm<Values>();
  const save = useSaveOrg();

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    if (editing) {
      form.setFieldsValue({
        name: editing.name,
        uscc: editing.uscc,
        regionCode: editing.regionCode,
        kind: editing.kind,
        parentId: editing.parentId ?? undefined,
      });
    }
  }, [open, editing, form]);

  const parentOptions = useMemo(
    () => toOptions(orgTree(orgs), editing ? selfAndDescendants(orgs, editing.id) : new Set()),
    [orgs, editing],
  );

  const submit = async () => {
    const values = await form.validateFields();
    const input: OrgInput = {
      name: values.name.trim(),
      uscc: values.uscc,
      regionCode: values.regionCode,
      kind: values.kind,
      parentId: values.parentId ?? null,
    };
    save.mutate(
      { id: editing?.id ?? null, input },
      {
        onSuccess: () => {
          notify.success(editing ? t('common.saved') : t('orgs.created'));
          onClose();
        },
        onError: (err) => {
          showFieldErrors(form, err, FIELDS);
          notify.error(err);
        },
      },
    );
  };

  return (
    <Modal
      open={open}
      title={editing ? t('orgs.edit') : t('orgs.create')}
      onCancel={onClose}
      onOk={() => void submit().catch(() => undefined)}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={save.isPending}
      okButtonProps={{ 'data-testid': 'org-form-submit' }}
      forceRender
    >
      <Form form={form} name="org" layout="vertical" data-testid="org-form">
        <Form.Item
          name="name"
          label={t('orgs.name')}
          rules={[{ required: true, whitespace: true, max: 200 }]}
        >
          <Input data-testid="org-name" />
        </Form.Item>
        <Form.Item
          name="uscc"
          label={t('orgs.uscc')}
          normalize={(v: string | undefined) => v?.toUpperCase().trim()}
          rules={[
            { required: true, message: t('common.required') },
            {
              validator: (_, v: string | undefined) =>
                !v || isValidUscc(v) ? Promise.resolve() : Promise.reject(new Error(t('orgs.uscc.invalid'))),
            },
          ]}
        >
          <Input maxLength={18} showCount data-testid="org-uscc" />
        </Form.Item>
        <Form.Item
          name="regionCode"
          label={t('orgs.regionCode')}
          rules={[
            { required: true, message: t('common.required') },
            { pattern: /^\d{6}$/, message: t('orgs.regionCode.invalid') },
          ]}
        >
          <Input maxLength={6} data-testid="org-region" />
        </Form.Item>
        <Form.Item
          name="kind"
          label={t('orgs.kind')}
          rules={[{ required: true, message: t('common.required') }]}
        >
          <Select
            data-testid="org-kind"
            options={ORG_KINDS.map((k) => ({ value: k, label: orgKind(k), 'data-testid': `org-kind-${k}` }))}
          />
        </Form.Item>
        <Form.Item name="parentId" label={t('orgs.parent')}>
          <TreeSelect
            allowClear
            showSearch
            treeDefaultExpandAll
            treeNodeFilterProp="title"
            treeData={parentOptions}
            data-testid="org-parent"
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}
