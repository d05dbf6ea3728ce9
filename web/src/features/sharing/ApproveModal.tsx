import { Alert, Checkbox, Form, Input, InputNumber, Modal, Select, Space, Tag, Typography } from 'antd';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { showFieldErrors } from '../../components/formErrors';
import { useNotify } from '../../components/useNotify';
import { useEntry } from '../catalog/api';
import type { Field } from '../catalog/model';
import { useApproveRequest } from './api';
import {
  defaultMask,
  FILTER_OPS,
  MASK_FUNCTIONS,
  type ApproveInput,
  type FilterOp,
  type MaskFunction,
  type ShareRequest,
  type SimpleCondition,
} from './model';

interface ApproveValues {
  fields: string[];
  masking: Record<string, MaskFunction>;
  filterField?: string;
  filterOp: FilterOp;
  filterValue?: string;
  validTo: string;
  rateLimit: number;
  dailyQuota: number;
  comment?: string;
}

const needsValue = (op: FilterOp) => op === 'eq' || op === 'ne' || op === 'prefix';

/**
 * 批准: the provider's approver may narrow the fields, choose a mask per field (PII fields start
 * at their kind's default), add one row condition, shorten the validity and set the rate limit.
 */
export function ApproveModal({ request, onClose }: { request: ShareRequest; onClose: () => void }) {
  const { t } = useLang();
  const notify = useNotify();
  const approve = useApproveRequest();
  const entry = useEntry(request.entryId, request.catalogVersion);
  const [form] = Form.useForm<ApproveValues>();
  const granted = Form.useWatch('fields', form) ?? request.fields;
  const op = Form.useWatch('filterOp', form) ?? 'eq';

  const byCode = new Map<string, Field>((entry.data?.fields ?? []).map((f) => [f.code, f]));
  const label = (code: string) => byCode.get(code)?.name ?? code;
  const isPii = (code: string) => (byCode.get(code)?.piiKind ?? 'none') !== 'none';

  const submit = async () => {
    const v = await form.validateFields();
    const fields = request.fields.filter((c) => v.fields.includes(c));
    const masking: Record<string, MaskFunction> = {};
    for (const c of fields) masking[c] = v.masking?.[c] ?? defaultMask(byCode.get(c)?.piiKind ?? 'none');
    let rowFilter: SimpleCondition | undefined;
    if (v.filterField) {
      rowFilter =
        v.filterOp === 'is_null' || v.filterOp === 'not_null'
          ? { field: v.filterField, op: v.filterOp }
          : { field: v.filterField, op: v.filterOp, value: v.filterValue ?? '' };
    }
    const input: ApproveInput = {
      ...(fields.length < request.fields.length ? { fields } : {}),
      masking,
      ...(rowFilter ? { rowFilter } : {}),
      ...(v.validTo && v.validTo !== request.validTo ? { validTo: v.validTo } : {}),
      rateLimit: v.rateLimit,
      dailyQuota: v.dailyQuota,
      ...(v.comment?.trim() ? { comment: v.comment.trim() } : {}),
    };
    approve.mutate(
      { id: request.id, input },
      {
        onSuccess: () => {
          notify.success(t('share.done.approved'));
          onClose();
        },
        onError: (err) => {
          showFieldErrors(form, err, ['fields', 'validTo', 'rateLimit', 'dailyQuota']);
          notify.error(err);
        },
      },
    );
  };

  return (
    <Modal
      open
      width={780}
      title={`${t('share.approve.title')} · ${request.entryName}`}
      onCancel={onClose}
      onOk={() => void submit().catch(() => undefined)}
      okText={t('share.action.approve')}
      cancelText={t('common.cancel')}
      confirmLoading={approve.isPending}
      okButtonProps={{ 'data-testid': 'approve-submit', disabled: !entry.data }}
    >
      {entry.error && <ErrorAlert error={entry.error} />}
      {entry.data && (
        <Form<ApproveValues>
          form={form}
          name="share-approve"
          layout="vertical"
          data-testid="approve-form"
          initialValues={{
            fields: request.fields,
            masking: Object.fromEntries(
              request.fields.map((c) => [c, defaultMask(byCode.get(c)?.piiKind ?? 'none')]),
            ),
            filterOp: 'eq',
            validTo: request.validTo,
            rateLimit: 10,
            dailyQuota: request.expectedVolume.perDay,
          }}
        >
          <Form.Item
            name="fields"
            label={t('share.approve.fields')}
            rules={[{ required: true, type: 'array', min: 1 }]}
          >
            <Checkbox.Group>
              <Space wrap>
                {request.fields.map((c) => (
                  <Checkbox key={c} value={c} data-testid={`approve-field-${c}`}>
                    {label(c)}
                  </Checkbox>
                ))}
              </Space>
            </Checkbox.Group>
          </Form.Item>
          <Typography.Text strong>{t('share.approve.masking')}</Typography.Text>
          <Alert
            type="info"
            showIcon
            title={t('share.approve.maskingHint')}
            style={{ margin: '8px 0 12px' }}
          />
          {request.fields
            .filter((c) => granted.includes(c))
            .map((c) => (
              <Form.Item
                key={c}
                name={['masking', c]}
                label={
                  <Space>
                    {label(c)}
                    <code>{c}</code>
                    {isPii(c) && <Tag color="red">{t('share.pii')}</Tag>}
                  </Space>
                }
                style={{ marginBottom: 8 }}
              >
                <Select
                  data-testid={`approve-mask-${c}`}
                  style={{ maxWidth: 320 }}
                  options={MASK_FUNCTIONS.map((fn) => ({
                    value: fn,
                    label: <span data-testid={`mask-option-${c}-${fn}`}>{t(`share.mask.${fn}`)}</span>,
                  }))}
                />
              </Form.Item>
            ))}
          <Typography.Text strong style={{ display: 'block', margin: '12px 0 8px' }}>
            {t('share.approve.rowFilter')}
          </Typography.Text>
          <Space align="start" wrap>
            <Form.Item name="filterField" label={t('share.approve.filterField')}>
              <Select
                allowClear
                style={{ width: 200 }}
                data-testid="approve-filter-field"
                options={(entry.data.fields ?? []).map((f) => ({
                  value: f.code,
                  label: <span data-testid={`filter-field-option-${f.code}`}>{f.name}</span>,
                }))}
              />
            </Form.Item>
            <Form.Item name="filterOp" label={t('share.approve.filterOp')}>
              <Select
                style={{ width: 120 }}
                data-testid="approve-filter-op"
                options={FILTER_OPS.map((o) => ({
                  value: o,
                  label: <span data-testid={`filter-op-option-${o}`}>{t(`share.op.${o}`)}</span>,
                }))}
              />
            </Form.Item>
            {needsValue(op) && (
              <Form.Item
                name="filterValue"
                label={t('share.approve.filterValue')}
                dependencies={['filterField']}
                rules={[
                  ({ getFieldValue }) => ({
                    required: Boolean(getFieldValue('filterField')),
                  }),
                ]}
              >
                <Input style={{ width: 240 }} data-testid="approve-filter-value" />
              </Form.Item>
            )}
          </Space>
          <Space size="large" wrap>
            <Form.Item name="validTo" label={t('share.approve.validTo')} rules={[{ required: true }]}>
              <Input
                type="date"
                min={request.validFrom}
                max={request.validTo}
                data-testid="approve-valid-to"
              />
            </Form.Item>
            <Form.Item name="rateLimit" label={t('share.approve.rateLimit')} rules={[{ required: true }]}>
              <InputNumber min={1} max={10_000} precision={0} data-testid="approve-rate-limit" />
            </Form.Item>
            <Form.Item name="dailyQuota" label={t('share.approve.dailyQuota')} rules={[{ required: true }]}>
              <InputNumber min={1} max={100_000_000} precision={0} data-testid="approve-daily-quota" />
            </Form.Item>
          </Space>
          <Form.Item name="comment" label={t('share.approve.comment')}>
            <Input.TextArea rows={2} maxLength={2000} data-testid="approve-comment" />
          </Form.Item>
        </Form>
      )}
    </Modal>
  );
}
