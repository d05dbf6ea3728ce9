import { useState } from 'react';
import { Button, Form, Input, Modal, Space } from 'antd';
import { useNavigate } from 'react-router';
import { useLang } from '../../../lang';
import { useNotify } from '../../../components/useNotify';
import { useCurrentUser } from '../../auth/session';
import { useEntryAction, type EntryAction } from '../api';
import type { Entry } from '../model';

/** Transitions that need a text: deprecate/withdraw a reason, return a comment, approve an optional one. */
const NEEDS_TEXT: Partial<Record<EntryAction, 'reason' | 'comment' | 'optional'>> = {
  deprecate: 'reason',
  withdraw: 'reason',
  return: 'comment',
  approve: 'optional',
};

function available(entry: Entry, own: boolean, can: (p: string) => boolean): EntryAction[] {
  const out: EntryAction[] = [];
  if (own && can('catalog.write')) {
    if (entry.status === 'draft' || entry.status === 'returned') out.push('submit');
    if (entry.status === 'published') out.push('revise', 'deprecate', 'withdraw');
  }
  if (can('catalog.review') && entry.status === 'submitted') out.push('approve', 'return');
  return out;
}

/** The lifecycle buttons this user may press on this entry in its current status. */
export function EntryActions({ entry, onDone }: { entry: Entry; onDone: (e: Entry) => void }) {
  const { t } = useLang();
  const me = useCurrentUser();
  const notify = useNotify();
  const navigate = useNavigate();
  const action = useEntryAction();
  const [asking, setAsking] = useState<EntryAction | null>(null);
  const [form] = Form.useForm<{ text?: string }>();
  const can = (p: string) => me.permissions.includes(p);
  const own = entry.providerOrgId === me.orgId;
  const actions = available(entry, own, can);
  const editable = own && can('catalog.write') && (entry.status === 'draft' || entry.status === 'returned');

  const run = (a: EntryAction, text?: string) =>
    action.mutate(
      { id: entry.id, action: a, ...(text ? { text } : {}) },
      {
        onSuccess: (e) => {
          notify.success(t('action.done'));
          setAsking(null);
          form.resetFields();
          onDone(e);
        },
        onError: (err) => notify.error(err),
      },
    );

  const need = asking ? NEEDS_TEXT[asking] : undefined;
  return (
    <Space wrap data-testid="entry-actions">
      {editable && (
        <Button onClick={() => void navigate(`/catalog/${entry.id}/edit`)} data-testid="entry-edit">
          {t('action.edit')}
        </Button>
      )}
      {actions.map((a) => (
        <Button
          key={a}
          type={a === 'submit' || a === 'approve' ? 'primary' : 'default'}
          danger={a === 'deprecate' || a === 'withdraw'}
          loading={action.isPending && action.variables?.action === a}
          data-testid={`entry-${a}`}
          onClick={() => (NEEDS_TEXT[a] ? setAsking(a) : run(a))}
        >
          {t(`action.${a}`)}
        </Button>
      ))}
      <Modal
        open={asking !== null}
        title={asking ? t(`action.${asking}`) : ''}
        onCancel={() => setAsking(null)}
        okText={t('common.ok')}
        cancelText={t('common.cancel')}
        confirmLoading={action.isPending}
        okButtonProps={{ 'data-testid': 'action-confirm' }}
        onOk={() =>
          void form
            .validateFields()
            .then((v) => asking && run(asking, v.text?.trim()))
            .catch(() => undefined)
        }
        forceRender
      >
        <Form form={form} layout="vertical">
          <Form.Item
            name="text"
            label={need === 'reason' ? t('action.reason') : t('action.comment')}
            rules={
              need === 'optional'
                ? [{ max: 2000 }]
                : [
                    {
                      required: true,
                      whitespace: true,
                      message: need === 'reason' ? t('action.reasonRequired') : t('action.commentRequired'),
                    },
                    { max: 2000 },
                  ]
            }
          >
            <Input.TextArea rows={3} data-testid="action-text" />
          </Form.Item>
        </Form>
      </Modal>
    </Space>
  );
}
