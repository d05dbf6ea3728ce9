import { useState } from 'react';
import {
  Button,
  Card,
  DatePicker,
  Form,
  Input,
  Modal,
  Radio,
  Select,
  Space,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { PlusOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { useSearchParams } from 'react-router';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { showFieldErrors } from '../../components/formErrors';
import { useNotify } from '../../components/useNotify';
import { useCan } from '../auth/session';
import { useEntry, useCatalogSearch } from '../catalog/api';
import { useOrgs } from '../identity/orgs/api';
import { useAnswerDemand, useCreateDemand, useDemands, useEndDemand, useRouteDemand } from './api';
import { BoxTable, EntryCell, RowActions, useDone } from './BoxPage';
import { Countdown, dayOf } from './labels';
import type { Demand, DemandBox, DemandStatus } from './model';
import { ReasonModal } from './ReasonModal';
import { RequestWizard } from './RequestWizard';

const STATUS_COLOR: Record<DemandStatus, string> = {
  open: 'blue',
  routed: 'processing',
  answered_linked: 'green',
  answered_planned: 'cyan',
  refused: 'red',
  withdrawn: 'default',
  closed: 'default',
};

type DialogKind = 'route' | 'answer' | 'withdraw' | 'close' | 'request';
type Dialog = { kind: DialogKind; demand: Demand } | null;

/** What the caller may do to a demand in a box, in the order of its buttons. */
function demandActions(box: DemandBox, d: Demand, can: (p: string) => boolean): DialogKind[] {
  const out: DialogKind[] = [];
  if (can('share.review') && ['open', 'routed', 'refused'].includes(d.status)) out.push('route');
  if (box === 'assigned' && d.status === 'routed' && can('share.approve')) out.push('answer');
  if (box === 'mine' && can('share.request')) {
    if (d.status === 'answered_linked') out.push('request');
    if (d.status === 'open' || d.status === 'routed') out.push('withdraw');
    if (d.status.startsWith('answered_') || d.status === 'refused') out.push('close');
  }
  return out;
}

/** The answer of a demand in a few words: the linked entry, the plan, or the refusal. */
function AnswerCell({ d }: { d: Demand }) {
  const { t } = useLang();
  if (d.answerKind === 'link')
    return <EntryCell name={d.linkedEntryName ?? ''} code={d.linkedEntryCode ?? ''} />;
  if (d.answerKind === 'plan')
    return <span>{t('share.demand.planned', { name: d.plannedName ?? '', date: d.plannedDate ?? '' })}</span>;
  if (d.answerKind === 'refuse') return <Typography.Text type="danger">{d.reason}</Typography.Text>;
  return <Typography.Text type="secondary">—</Typography.Text>;
}

function DemandTable({ box, onDialog }: { box: DemandBox; onDialog: (d: Dialog) => void }) {
  const { t, time } = useLang();
  const can = useCan();
  const list = useDemands(box);
  const columns: ColumnsType<Demand> = [
    {
      title: t('share.demand.title'),
      key: 'title',
      render: (_, d) => (
        <Space orientation="vertical" size={0}>
          <Typography.Text strong>{d.title}</Typography.Text>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {d.purpose.name}
          </Typography.Text>
        </Space>
      ),
    },
    { title: t('share.demand.requester'), dataIndex: 'requesterOrgName' },
    {
      title: t('share.demand.assigned'),
      key: 'assigned',
      render: (_, d) => d.assignedOrgName ?? d.suggestedOrgName ?? '—',
    },
    {
      title: t('share.col.status'),
      dataIndex: 'status',
      render: (v: DemandStatus) => (
        <Tag color={STATUS_COLOR[v]} data-testid="demand-status" data-status={v}>
          {t(`share.demand.status.${v}`)}
        </Tag>
      ),
    },
    { title: t('share.col.due'), key: 'due', render: (_, d) => (d.dueAt ? dayOf(d.dueAt) : '—') },
    {
      title: t('share.col.countdown'),
      key: 'countdown',
      render: (_, d) => (
        <Countdown request={d.status === 'routed' ? d : { workingDaysLeft: null, overdue: false }} />
      ),
    },
    { title: t('share.demand.answer'), key: 'answer', render: (_, d) => <AnswerCell d={d} /> },
    { title: t('share.col.createdAt'), dataIndex: 'createdAt', render: (v: string) => time(v) },
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_, d) => (
        <RowActions
          actions={demandActions(box, d, can).map((kind) => ({
            key: kind,
            testId: `demand-${kind}-${d.id}`,
            label: t(`share.demand.action.${kind}`),
            type: kind === 'answer' || kind === 'request' || kind === 'route' ? 'primary' : undefined,
            onClick: () => onDialog({ kind, demand: d }),
          }))}
        />
      ),
    },
  ];
  return (
    <BoxTable<Demand>
      list={list}
      columns={columns}
      testId={`demand-table-${box}`}
      rowTestId="demand-row"
      expandable={{ expandedRowRender: (d) => <Typography.Paragraph>{d.description}</Typography.Paragraph> }}
      rowData={(d) => ({ 'data-id': d.id, 'data-title': d.title, 'data-status': d.status })}
    />
  );
}

interface DemandValues {
  title: string;
  description: string;
  purposeName: string;
  purposeDescription: string;
  purposeBasis: string;
}

function CreateDemandModal({ onClose }: { onClose: () => void }) {
  const { t } = useLang();
  const notify = useNotify();
  const [form] = Form.useForm<DemandValues>();
  const create = useCreateDemand();
  const submit = async () => {
    const v = await form.validateFields();
    create.mutate(
      {
        title: v.title.trim(),
        description: v.description.trim(),
        purpose: {
          name: v.purposeName.trim(),
          description: v.purposeDescription.trim(),
          basis: v.purposeBasis.trim(),
        },
      },
      {
        onSuccess: () => {
          notify.success(t('share.demand.created'));
          onClose();
        },
        onError: (err) => {
          showFieldErrors(form, err, ['title', 'description']);
          notify.error(err);
        },
      },
    );
  };
  const text = (name: keyof DemandValues, label: string, rows = 0, max = 200) => (
    <Form.Item name={name} label={label} rules={[{ required: true, whitespace: true, max }]}>
      {rows ? (
        <Input.TextArea rows={rows} data-testid={`demand-${name}`} />
      ) : (
        <Input data-testid={`demand-${name}`} />
      )}
    </Form.Item>
  );
  return (
    <Modal
      open
      title={t('share.demand.create')}
      onCancel={onClose}
      onOk={() => void submit().catch(() => undefined)}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={create.isPending}
      okButtonProps={{ 'data-testid': 'demand-submit' }}
    >
      <Form form={form} layout="vertical">
        {text('title', t('share.demand.title'))}
        {text('description', t('share.demand.description'), 3, 4000)}
        {text('purposeName', t('share.wizard.scenarioName'), 0, 100)}
        {text('purposeDescription', t('share.wizard.scenarioDescription'), 2, 2000)}
        {text('purposeBasis', t('share.wizard.scenarioBasis'), 0, 500)}
      </Form>
    </Modal>
  );
}

function RouteModal({ demand, onClose }: { demand: Demand; onClose: () => void }) {
  const { t } = useLang();
  const orgs = useOrgs();
  const route = useRouteDemand();
  const done = useDone(onClose);
  const [orgId, setOrgId] = useState<string | undefined>(
    demand.assignedOrgId ?? demand.suggestedOrgId ?? undefined,
  );
  return (
    <Modal
      open
      title={t('share.demand.action.route')}
      onCancel={onClose}
      okButtonProps={{ disabled: !orgId, 'data-testid': 'demand-route-submit' }}
      confirmLoading={route.isPending}
      onOk={() => orgId && route.mutate({ id: demand.id, orgId }, done(t('share.demand.routed')))}
    >
      <Select
        showSearch
        optionFilterProp="label"
        style={{ width: '100%' }}
        value={orgId}
        onChange={setOrgId}
        loading={orgs.isPending}
        data-testid="demand-route-org"
        options={(orgs.data ?? []).map((o) => ({ value: o.id, label: o.name }))}
        optionRender={(o) => (
          <span data-testid={`demand-route-org-option-${String(o.label)}`}>{o.label}</span>
        )}
      />
    </Modal>
  );
}

interface AnswerValues {
  kind: 'link' | 'plan' | 'refuse';
  entryId?: string;
  plannedName?: string;
  plannedDate?: dayjs.Dayjs;
  text?: string;
}

function AnswerModal({ demand, onClose }: { demand: Demand; onClose: () => void }) {
  const { t } = useLang();
  const notify = useNotify();
  const [form] = Form.useForm<AnswerValues>();
  const kind = Form.useWatch('kind', form) ?? 'link';
  const answer = useAnswerDemand();
  // The assigned organisation's published entries.
  const entries = useCatalogSearch(
    { q: '', sort: 'name', status: 'published', mine: true, filters: {} },
    'console',
  );
  const options = (entries.data?.pages ?? [])
    .flatMap((p) => p.items)
    .map((e) => ({ value: e.id, label: `${e.name} (${e.code})`, name: e.name }));
  const submit = async () => {
    const v = await form.validateFields();
    const comment = v.text?.trim() ? { comment: v.text.trim() } : {};
    const input =
      v.kind === 'link'
        ? { kind: 'link' as const, entryId: v.entryId ?? '', ...comment }
        : v.kind === 'plan'
          ? {
              kind: 'plan' as const,
              plannedName: (v.plannedName ?? '').trim(),
              plannedDate: v.plannedDate?.format('YYYY-MM-DD') ?? '',
              ...comment,
            }
          : { kind: 'refuse' as const, reason: (v.text ?? '').trim() };
    answer.mutate(
      { id: demand.id, input },
      {
        onSuccess: () => {
          notify.success(t('share.demand.answered'));
          onClose();
        },
        onError: (err) => {
          showFieldErrors(form, err, ['entryId', 'plannedName', 'plannedDate']);
          notify.error(err);
        },
      },
    );
  };
  return (
    <Modal
      open
      title={`${t('share.demand.action.answer')} · ${demand.title}`}
      onCancel={onClose}
      onOk={() => void submit().catch(() => undefined)}
      confirmLoading={answer.isPending}
      okButtonProps={{ 'data-testid': 'demand-answer-submit' }}
    >
      <Form form={form} layout="vertical" initialValues={{ kind: 'link' }}>
        <Form.Item name="kind">
          <Radio.Group data-testid="demand-answer-kind">
            <Radio value="link">{t('share.demand.kind.link')}</Radio>
            <Radio value="plan">{t('share.demand.kind.plan')}</Radio>
            <Radio value="refuse">{t('share.demand.kind.refuse')}</Radio>
          </Radio.Group>
        </Form.Item>
        {kind === 'link' && (
          <Form.Item name="entryId" label={t('share.demand.entry')} rules={[{ required: true }]}>
            <Select
              showSearch
              optionFilterProp="label"
              loading={entries.isPending}
              options={options}
              optionRender={(o) => (
                <span data-testid={`demand-answer-entry-option-${String(o.data.name)}`}>{o.label}</span>
              )}
              data-testid="demand-answer-entry"
            />
          </Form.Item>
        )}
        {kind === 'plan' && (
          <>
            <Form.Item
              name="plannedName"
              label={t('share.demand.plannedName')}
              rules={[{ required: true, whitespace: true, max: 200 }]}
            >
              <Input data-testid="demand-answer-planned-name" />
            </Form.Item>
            <Form.Item name="plannedDate" label={t('share.demand.plannedDate')} rules={[{ required: true }]}>
              <DatePicker
                disabledDate={(d) => d.isBefore(dayjs(), 'day')}
                data-testid="demand-answer-planned-date"
              />
            </Form.Item>
          </>
        )}
        <Form.Item
          name="text"
          label={kind === 'refuse' ? t('share.demand.reason') : t('share.demand.comment')}
          rules={
            kind === 'refuse' ? [{ required: true, whitespace: true, min: 2, max: 2000 }] : [{ max: 2000 }]
          }
        >
          <Input.TextArea rows={2} data-testid="demand-answer-text" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** The share request wizard on the entry a demand was answered with. */
function DemandRequest({ demand, onClose }: { demand: Demand; onClose: () => void }) {
  const entry = useEntry(demand.linkedEntryId ?? '');
  if (entry.error) return <ErrorAlert error={entry.error} />;
  if (!entry.data) return null;
  return <RequestWizard entry={entry.data} demand={demand} onClose={onClose} />;
}

const BOXES: readonly DemandBox[] = ['mine', 'assigned', 'all'];

/** 供需对接 — the demand board: my organisation's demands, those assigned to it, all (platform). */
export default function DemandsPage() {
  const { t } = useLang();
  const can = useCan();
  const [search, setSearch] = useSearchParams();
  const [creating, setCreating] = useState(false);
  const [dialog, setDialog] = useState<Dialog>(null);
  const end = useEndDemand();
  const done = useDone(() => setDialog(null));
  const boxes = BOXES.filter((b) => b !== 'all' || can('share.review'));
  const tab = boxes.find((b) => b === search.get('tab')) ?? boxes[0]!;
  const close = () => setDialog(null);
  return (
    <Card
      title={t('share.demand.board')}
      data-testid="demand-page"
      extra={
        can('share.request') && (
          <Button
            type="primary"
            icon={<PlusOutlined />}
            data-testid="demand-create"
            onClick={() => setCreating(true)}
          >
            {t('share.demand.create')}
          </Button>
        )
      }
    >
      <Tabs
        activeKey={tab}
        onChange={(k) => setSearch({ tab: k }, { replace: true })}
        items={boxes.map((box) => ({
          key: box,
          label: <span data-testid={`demand-tab-${box}`}>{t(`share.demand.box.${box}`)}</span>,
          children: <DemandTable box={box} onDialog={setDialog} />,
        }))}
      />
      {creating && <CreateDemandModal onClose={() => setCreating(false)} />}
      {dialog?.kind === 'route' && <RouteModal demand={dialog.demand} onClose={close} />}
      {dialog?.kind === 'answer' && <AnswerModal demand={dialog.demand} onClose={close} />}
      {dialog?.kind === 'request' && <DemandRequest demand={dialog.demand} onClose={close} />}
      {(dialog?.kind === 'withdraw' || dialog?.kind === 'close') && (
        <ReasonModal
          title={t(`share.demand.action.${dialog.kind}`)}
          required={false}
          pending={end.isPending}
          onClose={close}
          onSubmit={({ reason }) =>
            end.mutate(
              {
                id: dialog.demand.id,
                action: dialog.kind as 'withdraw' | 'close',
                ...(reason ? { reason } : {}),
              },
              done(t('share.demand.ended')),
            )
          }
        />
      )}
    </Card>
  );
}
