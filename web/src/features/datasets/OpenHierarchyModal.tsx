import { useState } from 'react';
import { Alert, Button, Form, Input, Modal, Table, Typography, Upload } from 'antd';
import { InboxOutlined } from '@ant-design/icons';
import { isApiError } from '../../api';
import { useLang } from '../../lang';
import { useNotify } from '../../components/useNotify';
import { useUploadHierarchy } from './open-api';
import { HIERARCHY_NAME, type CustomHierarchy } from './open-model';

interface Values {
  name: string;
  description?: string;
  csv: string;
}

/**
 * 自定义泛化层级: upload a CSV (`value, level 1, …, level n`; comma, semicolon or tab separated, as
 * ARX writes them) into the provider organisation; a hierarchy of the same name is replaced.
 * The organisation's hierarchies are listed with a sample of their rows.
 */
export function OpenHierarchyModal({
  orgId,
  hierarchies,
  onClose,
}: {
  orgId: string;
  hierarchies: CustomHierarchy[];
  onClose: () => void;
}) {
  const { t, time } = useLang();
  const notify = useNotify();
  const [form] = Form.useForm<Values>();
  const upload = useUploadHierarchy(orgId);
  const [fileName, setFileName] = useState<string | null>(null);

  const submit = (v: Values) =>
    upload.mutate(
      { name: v.name, description: v.description || undefined, csv: v.csv },
      {
        onSuccess: (h) => {
          notify.success(t('publish.hierarchy.saved', { name: h.name, n: h.values }));
          form.resetFields();
          setFileName(null);
        },
      },
    );

  return (
    <Modal
      open
      width={760}
      title={t('publish.hierarchy.title')}
      onCancel={onClose}
      footer={[
        <Button key="close" onClick={onClose}>
          {t('publish.close')}
        </Button>,
        <Button
          key="submit"
          type="primary"
          loading={upload.isPending}
          onClick={() => form.submit()}
          data-testid="open-hierarchy-submit"
        >
          {t('publish.hierarchy.submit')}
        </Button>,
      ]}
      data-testid="open-hierarchy-modal"
    >
      <Typography.Paragraph type="secondary">{t('publish.hierarchy.help')}</Typography.Paragraph>
      {upload.error !== null && (
        <Alert
          type="error"
          showIcon
          title={isApiError(upload.error) ? upload.error.title : String(upload.error)}
          style={{ marginBottom: 12 }}
          data-testid="open-hierarchy-error"
        />
      )}
      <Form<Values> form={form} layout="vertical" onFinish={submit}>
        <Form.Item
          name="name"
          label={t('publish.hierarchy.name')}
          extra={t('publish.hierarchy.name.hint')}
          rules={[
            { required: true, message: t('common.required') },
            { pattern: HIERARCHY_NAME, message: t('publish.hierarchy.name.invalid') },
          ]}
        >
          <Input placeholder="occupation" data-testid="open-hierarchy-name" />
        </Form.Item>
        <Form.Item name="description" label={t('publish.hierarchy.description')}>
          <Input maxLength={500} data-testid="open-hierarchy-description" />
        </Form.Item>
        <Upload.Dragger
          accept=".csv,.tsv,.txt,text/csv"
          multiple={false}
          showUploadList={false}
          beforeUpload={(file) => {
            void file.text().then((text) => {
              form.setFieldValue('csv', text.replace(/^\uFEFF/, ''));
              void form.validateFields(['csv']);
              setFileName(file.name);
            });
            return false;
          }}
          data-testid="open-hierarchy-file"
        >
          <p className="ant-upload-drag-icon">
            <InboxOutlined />
          </p>
          <p>{fileName ?? t('publish.hierarchy.file')}</p>
        </Upload.Dragger>
        <Form.Item
          name="csv"
          label={t('publish.hierarchy.csv')}
          style={{ marginTop: 12 }}
          rules={[{ required: true, message: t('publish.hierarchy.csv.required') }]}
        >
          <Input.TextArea
            rows={6}
            style={{ fontFamily: 'monospace' }}
            placeholder={'value,level 1,level 2\n教师,教育,专业技术\n医生,卫生,专业技术'}
            data-testid="open-hierarchy-csv"
          />
        </Form.Item>
      </Form>
      <Typography.Title level={5}>{t('publish.hierarchy.list')}</Typography.Title>
      <Table<CustomHierarchy>
        rowKey="id"
        size="small"
        pagination={false}
        dataSource={hierarchies}
        locale={{ emptyText: t('publish.hierarchy.none') }}
        data-testid="open-hierarchy-list"
        columns={[
          { title: t('publish.hierarchy.name'), dataIndex: 'name' },
          { title: t('publish.hierarchy.description'), dataIndex: 'description' },
          { title: t('publish.hierarchy.levelsCol'), dataIndex: 'levels' },
          { title: t('publish.hierarchy.values'), dataIndex: 'values' },
          {
            title: t('publish.hierarchy.sample'),
            key: 'sample',
            render: (_, h) => (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {h.sample
                  .slice(0, 3)
                  .map((row) => row.join(' → '))
                  .join('；')}
              </Typography.Text>
            ),
          },
          { title: t('publish.hierarchy.updated'), key: 'updated', render: (_, h) => time(h.updatedAt) },
        ]}
      />
    </Modal>
  );
}
