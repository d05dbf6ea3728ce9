import type { HTMLAttributes, ReactNode } from 'react';
import { Button, Card, Space, Table, Tabs, Typography } from 'antd';
import type { ColumnsType, TableProps } from 'antd/es/table';
import { useNavigate, useSearchParams } from 'react-router';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useNotify } from '../../components/useNotify';
import type { GrantBox, Page, RequestBox } from './model';

/**
 * The pieces the requests page and the grants page share: a card of tabs (one box a tab, the
 * tab kept in ?tab=), a box table, the entry cell and the callbacks of a dialog's mutation.
 */

type Box = RequestBox | GrantBox;

/** A card with one tab a box (the open one in ?tab=, else the first) and a link to the other page. */
export function BoxTabsCard<B extends Box>({
  title,
  testId,
  link,
  boxes,
  tabTestId,
  renderBox,
  children,
}: {
  title: string;
  testId: string;
  link: { icon: ReactNode; testId: string; to: string; label: string };
  boxes: readonly [B, ...B[]];
  /** The tab label's test id is `${tabTestId}-${box}`. */
  tabTestId: string;
  renderBox: (box: B) => ReactNode;
  /** The page's dialogs and drawers. */
  children?: ReactNode;
}) {
  const { t } = useLang();
  const navigate = useNavigate();
  const [search, setSearch] = useSearchParams();
  const wanted = search.get('tab');
  const tab = boxes.find((b) => b === wanted) ?? boxes[0];
  return (
    <Card
      title={title}
      data-testid={testId}
      extra={
        <Button icon={link.icon} data-testid={link.testId} onClick={() => void navigate(link.to)}>
          {link.label}
        </Button>
      }
    >
      <Tabs
        activeKey={tab}
        onChange={(k) => setSearch({ tab: k }, { replace: true })}
        items={boxes.map((box) => ({
          key: box,
          label: <span data-testid={`${tabTestId}-${box}`}>{t(`share.tab.${box}`)}</span>,
          children: renderBox(box),
        }))}
      />
      {children}
    </Card>
  );
}

/** A row of a box: a request, a grant or a demand. */
interface BoxRow {
  id: string;
  status: string;
}

/** The data attributes of a request's or a grant's row: its id, entry and status. */
const entryRow = (r: BoxRow): Record<string, string> => ({
  'data-id': r.id,
  'data-entry': (r as BoxRow & { entryName?: string }).entryName ?? '',
  'data-status': r.status,
});

/** One box as a table (its load error above it); each row carries its id, entry and status. */
export function BoxTable<T extends BoxRow>({
  list,
  columns,
  testId,
  rowTestId,
  expandable,
  rowData = entryRow,
}: {
  list: { error: Error | null; isPending: boolean; data?: Page<T> | undefined };
  columns: ColumnsType<T>;
  testId: string;
  rowTestId: string;
  expandable?: TableProps<T>['expandable'];
  /** The row's data-* attributes (tests find rows by them). */
  rowData?: (row: T) => Record<string, string>;
}) {
  const { t } = useLang();
  return (
    <>
      {list.error && <ErrorAlert error={list.error} style={{ marginBottom: 16 }} />}
      <Table<T>
        rowKey="id"
        size="middle"
        loading={list.isPending}
        dataSource={list.data?.items ?? []}
        columns={columns}
        locale={{ emptyText: t('share.empty') }}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        data-testid={testId}
        expandable={expandable}
        onRow={(r) => ({ 'data-testid': rowTestId, ...rowData(r) }) as HTMLAttributes<HTMLElement>}
      />
    </>
  );
}

/** The entry column's cell: the name (plain or a link) over the code. */
export function EntryCell({ name, code }: { name: ReactNode; code: string }) {
  return (
    <Space orientation="vertical" size={0}>
      {name}
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {code}
      </Typography.Text>
    </Space>
  );
}

/** A button of a row's actions column. */
export interface RowAction {
  key: string;
  testId: string;
  label: string;
  type?: 'primary' | undefined;
  danger?: boolean | undefined;
  onClick: () => void;
}

/** A row's actions: any fixed buttons (children) and then one small button an action. */
export function RowActions({ actions, children }: { actions: RowAction[]; children?: ReactNode }) {
  return (
    <Space size={4} wrap>
      {children}
      {actions.map((a) => (
        <Button
          key={a.key}
          size="small"
          type={a.type}
          danger={a.danger}
          data-testid={a.testId}
          onClick={a.onClick}
        >
          {a.label}
        </Button>
      ))}
    </Space>
  );
}

/** The callbacks of a dialog's mutation: on success say `text` and close, on failure say why. */
export function useDone(close: () => void) {
  const notify = useNotify();
  return (text: string) => ({
    onSuccess: () => {
      notify.success(text);
      close();
    },
    onError: (err: unknown) => notify.error(err),
  });
}
