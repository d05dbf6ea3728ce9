import { Tag } from 'antd';
import { useLang } from '../../lang';
import type { EntryVersion, FacetName, Grade, OpenType, ShareType } from './model';

type Translate = ReturnType<typeof useLang>['t'];

const shareColor: Record<ShareType, string> = { unconditional: 'green', conditional: 'gold', none: 'red' };
const statusColor: Record<EntryVersion['status'], string> = {
  draft: 'default',
  submitted: 'processing',
  returned: 'warning',
  published: 'success',
  deprecated: 'default',
  withdrawn: 'default',
  superseded: 'default',
};
const gradeColor: Record<Grade, string> = { 1: 'blue', 2: 'cyan', 3: 'orange', 4: 'red' };

/** The Chinese (or glossed English) name of a facet value; providers and tags come named. */
export function facetValueLabel(t: Translate, facet: FacetName, value: string, label?: string): string {
  switch (facet) {
    case 'category':
      return isOneOf(value, ['base', 'theme', 'department']) ? t(`catalog.category.${value}`) : value;
    case 'shareType':
      return isShareType(value) ? t(`catalog.shareType.${value}`) : value;
    case 'openType':
      return isShareType(value) ? t(`catalog.openType.${value}`) : value;
    case 'grade':
      return t('catalog.grade', { n: value });
    case 'updateCycle':
      return isOneOf(value, [
        'realtime',
        'daily',
        'weekly',
        'monthly',
        'quarterly',
        'half_yearly',
        'yearly',
        'irregular',
      ] as const)
        ? t(`catalog.updateCycle.${value}`)
        : value;
    default:
      return label ?? value;
  }
}

function isOneOf<T extends string>(value: string, options: readonly T[]): value is T {
  return (options as readonly string[]).includes(value);
}

function isShareType(value: string): value is ShareType {
  return isOneOf(value, ['unconditional', 'conditional', 'none'] as const);
}

export function ShareTag({ value }: { value: ShareType }) {
  const { t } = useLang();
  return (
    <Tag color={shareColor[value]} data-testid="share-type" data-value={value}>
      {t(`catalog.shareType.${value}`)}
    </Tag>
  );
}

export function OpenTag({ value }: { value: OpenType }) {
  const { t } = useLang();
  return (
    <Tag color={shareColor[value]} data-testid="open-type" data-value={value}>
      {t(`catalog.openType.${value}`)}
    </Tag>
  );
}

export function StatusTag({ value }: { value: EntryVersion['status'] }) {
  const { t } = useLang();
  return (
    <Tag color={statusColor[value]} data-testid="entry-status" data-value={value}>
      {t(`catalog.status.${value}`)}
    </Tag>
  );
}

export function GradeTag({ value }: { value: Grade }) {
  const { t } = useLang();
  return (
    <Tag color={gradeColor[value]} data-testid="grade" data-value={value}>
      {t('catalog.grade', { n: value })}
    </Tag>
  );
}
