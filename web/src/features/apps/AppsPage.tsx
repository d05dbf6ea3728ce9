import { useState, type HTMLAttributes } from 'react';
import { Button, Card, Form, Input, Modal, Space, Table } from 'antd';
import { ApiOutlined, BarChartOutlined, KeyOutlined, PlusOutlined } from '@ant-design/icons';
import { useLang } from '../../lang';
import type { DatongApp } from '../../types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { showFieldErrors } from '../../components/formErrors';
import { useNotify } from '../../components/useNotify';
import { useCan } from '../auth/session';
import { useApps, useCreateApp } from './api';
import { CredentialsDrawer } from './CredentialsDrawer';
import { TryItDrawer } from './TryItDrawer';
import { UsageDrawer } from '../sharing/UsageDrawer';

interface AppValues {
  name: string;
  description?: string;
}

function CreateAppModal({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useLang();
  const notify = useNotify();
  const [form] = Form.useForm<AppValues>();
  const create = useCreateApp();
  const submit = async () => {
    const v = await form.validateFields();
    const description = v.description?.trim();
    create.mutate(
      { name: v.name.trim(), ...(description ? { description } : {}) },
      {
        onSuccess: () => {
          notify.success(t('apps.created'));
          form.resetFields();
          onClose();
        },
        onError: (err) => {
          showFieldErrors(form, err, ['name', 'description']);
          notify.error(err);
        },
      },
    );
  };
  return (
    <Modal
      open={open}
      title={t('apps.create')}
      onCancel={onClose}
      onOk={() => void submit().catch(() => undefined)}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={create.isPending}
      okButtonProps={{ 'data-testid': 'app-form-submit' }}
      forceRender
    >
      <Form form={form} name="app" layout="vertical">
        <Form.Item
          name="name"
          label={t('apps.name')}
          rules={[{ required: true, whitespace: true, max: 100 }]}
        >
          <Input data-testid="app-name" />
        </Form.Item>
        <Form.Item name="description" label={t('apps.description')}>
          <Input.TextArea rows={3} maxLength={2000} data-testid="app-description" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export default function AppsPage() {
  const { t, time } = useLang();
  const can = useCan();
  const apps = useApps();
  const [creating, setCreating] = useState(false);
  const [selected, setSelected] = useState<DatongApp | null>(null);
  const [trying, setTrying] = useState<DatongApp | null>(null);
  const [charting, setCharting] = useState<DatongApp | null>(null);

  return (
    <Card
      title={t('apps.title')}
      extra={
        can('app.manage') && (
          <Button
            type="primary"
            icon={<PlusOutlined />}
            data-testid="app-create"
            onClick={() => setCreating(true)}
          >
            {t('apps.create')}
          </Button>
        )
      }
    >
      {apps.error && <ErrorAlert error={apps.error} style={{ marginBottom: 16 }} />}
      <Table<DatongApp>
        rowKey="id"
        loading={apps.isPending}
        dataSource={apps.data ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        data-testid="app-table"
        onRow={(a) => ({ 'data-testid': 'app-row', 'data-name': a.name }) as HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('apps.name'), dataIndex: 'name' },
          { title: t('apps.description'), dataIndex: 'description', render: (v: string | null) => v || '—' },
          { title: t('apps.org'), dataIndex: 'orgName' },
          { title: t('apps.createdAt'), dataIndex: 'createdAt', render: (v: string) => time(v) },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, a) => (
              <Space size={4}>
                <Button
                  size="small"
                  icon={<KeyOutlined />}
                  data-testid={`app-credentials-${a.id}`}
                  onClick={() => setSelected(a)}
                >
                  {t('apps.credentials')}
                </Button>
                <Button
                  size="small"
                  icon={<BarChartOutlined />}
                  data-testid={`app-usage-${a.id}`}
                  onClick={() => setCharting(a)}
                >
                  {t('share.usage.open')}
                </Button>
                {can('share.read') && (
                  <Button
                    size="small"
                    icon={<ApiOutlined />}
                    data-testid={`app-tryit-${a.id}`}
                    onClick={() => setTrying(a)}
                  >
                    {t('share.tryit.open')}
                  </Button>
                )}
              </Space>
            ),
          },
        ]}
      />
      <CreateAppModal open={creating} onClose={() => setCreating(false)} />
      {selected && <CredentialsDrawer app={selected} onClose={() => setSelected(null)} />}
      {trying && <TryItDrawer app={trying} onClose={() => setTrying(null)} />}
      {charting && <UsageDrawer app={charting} onClose={() => setCharting(null)} />}
    </Card>
  );
}
