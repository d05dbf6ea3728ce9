import { useState, type HTMLAttributes } from 'react';
import { Button, Card, Form, Input, Modal, Space, Table } from 'antd';
import { Link } from 'react-router';
import { useLang } from '../../../lang';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { useNotify } from '../../../components/useNotify';
import { useEntryAction, useReviewQueue } from '../api';
import { GradeTag, OpenTag, ShareTag } from '../labels';
import type { EntrySummary } from '../model';

/** 审核队列: submitted entries; approve, or return with a comment (required). */
export default function ReviewQueuePage() {
  const { t, time } = useLang();
  const notify = useNotify();
  const queue = useReviewQueue();
  const action = useEntryAction();
  const [returning, setReturning] = useState<EntrySummary | null>(null);
  const [form] = Form.useForm<{ comment: string }>();

  const approve = (e: EntrySummary) =>
    action.mutate(
      { id: e.id, action: 'approve' },
      { onSuccess: () => notify.success(t('action.done')), onError: (err) => notify.error(err) },
    );

  const sendBack = async () => {
    const { comment } = await form.validateFields();
    if (!returning) return;
    action.mutate(
      { id: returning.id, action: 'return', text: comment.trim() },
      {
        onSuccess: () => {
          notify.success(t('action.done'));
          setReturning(null);
          form.resetFields();
        },
        onError: (err) => notify.error(err),
      },
    );
  };

  return (
    <Card title={t('review.title')}>
      {queue.error && <ErrorAlert error={queue.error} style={{ marginBottom: 16 }} />}
      <Table<EntrySummary>
        rowKey="id"
        loading={queue.isPending}
        dataSource={queue.data ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: t('review.empty') }}
        data-testid="review-table"
        onRow={(e) =>
          ({
            'data-testid': 'review-row',
            'data-name': e.name,
            'data-id': e.id,
          }) as HTMLAttributes<HTMLElement>
        }
        columns={[
          { title: t('catalog.code'), dataIndex: 'code' },
          {
            title: t('catalog.name'),
            dataIndex: 'name',
            render: (v: string, e) => <Link to={`/catalog/${e.id}`}>{v}</Link>,
          },
          { title: t('catalog.provider'), dataIndex: 'providerOrgName' },
          {
            title: `${t('catalog.shareType')} / ${t('catalog.openType')}`,
            key: 'types',
            render: (_, e) => (
              <>
                {e.shareType && <ShareTag value={e.shareType} />}
                {e.openType && <OpenTag value={e.openType} />}
              </>
            ),
          },
          {
            title: t('catalog.gradeLabel'),
            dataIndex: 'grade',
            render: (g: EntrySummary['grade']) => g && <GradeTag value={g} />,
          },
          {
            title: t('catalog.version'),
            dataIndex: 'version',
            render: (v: number | undefined) => (v ? `v${v}` : '—'),
          },
          {
            title: t('review.submittedAt'),
            dataIndex: 'updatedAt',
            render: (v: string | undefined) => time(v),
          },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, e) => (
              <Space>
                <Button
                  type="primary"
                  size="small"
                  loading={
                    action.isPending && action.variables?.id === e.id && action.variables.action === 'approve'
                  }
                  onClick={() => approve(e)}
                  data-testid={`review-approve-${e.id}`}
                >
                  {t('action.approve')}
                </Button>
                <Button
                  size="small"
                  danger
                  onClick={() => setReturning(e)}
                  data-testid={`review-return-${e.id}`}
                >
                  {t('action.return')}
                </Button>
              </Space>
            ),
          },
        ]}
      />
      <Modal
        open={returning !== null}
        title={`${t('action.return')} · ${returning?.name ?? ''}`}
        onCancel={() => setReturning(null)}
        onOk={() => void sendBack().catch(() => undefined)}
        okText={t('action.return')}
        cancelText={t('common.cancel')}
        confirmLoading={action.isPending}
        okButtonProps={{ 'data-testid': 'review-return-confirm', danger: true }}
        forceRender
      >
        <Form form={form} layout="vertical">
          <Form.Item
            name="comment"
            label={t('action.comment')}
            rules={[
              { required: true, whitespace: true, message: t('action.commentRequired') },
              { max: 2000 },
            ]}
          >
            <Input.TextArea rows={4} data-testid="review-comment" />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
