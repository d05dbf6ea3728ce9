import { Tag } from 'antd';
import { useLang } from '../../lang';
import type { ApplicationStatus, ProductKind, ProductStatus, SubscriptionStatus } from './model';

/** Status tags and small helpers of the opening pages. */

const APP_COLORS: Record<ApplicationStatus, string> = {
  submitted: 'processing',
  provider_approved: 'blue',
  approved: 'success',
  refused: 'error',
  withdrawn: 'default',
  expired: 'warning',
};

export function ApplicationStatusTag({ value }: { value: ApplicationStatus }) {
  const { t } = useLang();
  return (
    <Tag color={APP_COLORS[value]} data-testid="open-app-status" data-status={value}>
      {t(`opening.status.${value}`)}
    </Tag>
  );
}

const PRODUCT_COLORS: Record<ProductStatus, string> = {
  draft: 'default',
  published: 'success',
  retired: 'warning',
};

export function ProductStatusTag({ value }: { value: ProductStatus }) {
  const { t } = useLang();
  return <Tag color={PRODUCT_COLORS[value]}>{t(`product.status.${value}`)}</Tag>;
}

const SUB_COLORS: Record<SubscriptionStatus, string> = {
  applied: 'processing',
  approved: 'success',
  refused: 'error',
  revoked: 'warning',
};

export function SubscriptionStatusTag({ value }: { value: SubscriptionStatus }) {
  const { t } = useLang();
  return (
    <Tag color={SUB_COLORS[value]} data-testid="product-sub-status" data-status={value}>
      {t(`product.sub.${value}`)}
    </Tag>
  );
}

export function KindTag({ value }: { value: ProductKind }) {
  const { t } = useLang();
  return <Tag>{t(`product.kind.${value}`)}</Tag>;
}

/** YYYY-MM-DD of an instant in Asia/Shanghai. */
export const dayOf = (iso: string | null | undefined): string =>
  iso ? new Date(new Date(iso).getTime() + 8 * 3_600_000).toISOString().slice(0, 10) : '—';

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** 统一社会信用代码 check (GB 32100-2015), as the server checks it. */
export function isUscc(code: string): boolean {
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(code[i]!) * USCC_WEIGHTS[i]!;
  return USCC_ALPHABET[(31 - (sum % 31)) % 31] === code[17];
}
