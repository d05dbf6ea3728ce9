import { Empty, Timeline, Typography } from 'antd';
import { useLang } from '../../../lang';
import type { MessageKey } from '../../../i18n';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { useHistory } from '../api';

const ACTIONS = [
  'create',
  'update',
  'submit',
  'approve',
  'return',
  'revise',
  'deprecate',
  'withdraw',
  'import',
];

/** Lifecycle transitions with actor and comment (the audit ledger holds the proof). */
export function HistoryTimeline({ id }: { id: string }) {
  const { t, time } = useLang();
  const history = useHistory(id);
  if (history.error) return <ErrorAlert error={history.error} />;
  const items = history.data ?? [];
  if (!history.isPending && items.length === 0) return <Empty description={t('history.empty')} />;
  const label = (action: string) => {
    // Audit names are "catalog.submit"; the history may send either form.
    const short = action.replace(/^catalog\./, '');
    return ACTIONS.includes(short) ? t(`history.action.${short}` as MessageKey) : action;
  };
  return (
    <Timeline
      data-testid="entry-history"
      items={items.map((h, i) => ({
        key: i,
        color: h.action.endsWith('return') ? 'orange' : h.action.endsWith('approve') ? 'green' : 'blue',
        title: time(h.at),
        content: (
          <div data-testid="history-item" data-action={h.action.replace(/^catalog\./, '')}>
            <Typography.Text strong>{label(h.action)}</Typography.Text> · v{h.version} · {h.actorName ?? '—'}
            {h.comment && (
              <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
                {h.comment}
              </Typography.Paragraph>
            )}
          </div>
        ),
      }))}
    />
  );
}
