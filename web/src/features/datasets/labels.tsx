import { Tag } from 'antd';
import { useLang } from '../../lang';
import type { Lang } from '../../types';
import type { Batch, BatchMode, Localized, PullStatus } from './model';

type Translate = ReturnType<typeof useLang>['t'];

const statusColor: Record<PullStatus, string> = {
  queued: 'default',
  running: 'processing',
  done: 'success',
  failed: 'error',
  aborted: 'warning',
};

export function BatchStatusTag({ value, testId = 'batch-status' }: { value: PullStatus; testId?: string }) {
  const { t } = useLang();
  return (
    <Tag color={statusColor[value]} data-testid={testId} data-value={value}>
      {t(`dataset.status.${value}`)}
    </Tag>
  );
}

export const modeLabel = (t: Translate, mode: BatchMode) => t(`dataset.mode.${mode}`);

/** A message in the UI's language (the server sends both). */
export function localized(lang: Lang, m: Localized | string | null | undefined): string {
  if (m === null || m === undefined) return '';
  if (typeof m === 'string') return m;
  return m[lang] || m['zh-CN'];
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** Where a batch's rows came from: an upload's file name, a pull's name, a rollback's version. */
export function sourceLabel(t: Translate, b: Pick<Batch, 'source'>): string {
  const s = b.source;
  switch (s.kind) {
    case 'upload':
      return `${t('dataset.source.upload')} ${str(s.name) ?? ''}`.trim();
    case 'url':
    case 'postgres':
      // A pull: its name, and where it reads from.
      return `${t('dataset.source.pull')} ${str(s.name) ?? ''} ${str(s.url) ?? str(s.host) ?? ''}`.trim();
    case 'demo':
      return `${t('dataset.source.demo')} ${str(s.name) ?? ''}`.trim();
    case 'rollback':
      return t('dataset.source.rollback', { from: String(s.from ?? '?') });
    case 'cli':
      return `${t('dataset.source.cli')} ${str(s.name) ?? ''}`.trim();
    default:
      return str(s.name) ?? str(s.kind) ?? '—';
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export const formatCount = (lang: Lang, n: number) => n.toLocaleString(lang);
