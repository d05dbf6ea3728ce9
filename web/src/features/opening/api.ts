import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api';
import type {
  Agreement,
  ApplicationBox,
  ApplyInput,
  CreateProductInput,
  DataProduct,
  OpenApplication,
  Page,
  SubscribeInput,
  Subscription,
  UsageReport,
} from './model';

/** The hooks of conditional-open applications and data products (docs/OPENING.md). */

export const OPENING_KEY = ['opening'] as const;
const PAGE = 200;

export function useAgreement(enabled = true) {
  return useQuery({
    queryKey: [...OPENING_KEY, 'agreement'],
    queryFn: () => api.get<Agreement>('/api/open/applications/agreement'),
    enabled,
    staleTime: 60 * 60_000,
  });
}

export function useApplications(box: ApplicationBox) {
  return useQuery({
    queryKey: [...OPENING_KEY, 'applications', box],
    queryFn: () => api.get<Page<OpenApplication>>('/api/open/applications', { box, limit: PAGE }),
  });
}

export function useMyApplications() {
  return useQuery({
    queryKey: [...OPENING_KEY, 'applications', 'mine'],
    queryFn: () => api.get<Page<OpenApplication>>('/api/open/applications/mine', { limit: PAGE }),
  });
}

export function useApplication(id: string | null) {
  return useQuery({
    queryKey: [...OPENING_KEY, 'application', id ?? ''],
    queryFn: () => api.get<OpenApplication>(`/api/open/applications/${id}`),
    enabled: id !== null,
  });
}

/** Every mutation refreshes everything of this feature (small lists). */
function useOpeningMutation<I>(fn: (input: I) => Promise<unknown>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => qc.invalidateQueries({ queryKey: OPENING_KEY }),
  });
}

export const useApply = () =>
  useOpeningMutation((input: ApplyInput) => api.post<OpenApplication>('/api/open/applications', input));

export type ApplicationStep =
  | { step: 'approve'; id: string; months?: number; comment?: string }
  | { step: 'refuse'; id: string; reason: string }
  | { step: 'review'; id: string; decision: 'approve' | 'refuse'; reason?: string }
  | { step: 'withdraw'; id: string; reason?: string };

export const useApplicationStep = () =>
  useOpeningMutation(({ step, id, ...body }: ApplicationStep) =>
    api.post<OpenApplication>(`/api/open/applications/${id}/${step}`, body),
  );

export function useProducts(scope: 'published' | 'provider', entryId?: string) {
  return useQuery({
    queryKey: [...OPENING_KEY, 'products', scope, entryId ?? ''],
    queryFn: () =>
      api.get<{ items: DataProduct[] }>('/api/products', { scope, limit: PAGE, entryId: entryId ?? null }),
  });
}

export function useProduct(id: string | null) {
  return useQuery({
    queryKey: [...OPENING_KEY, 'product', id ?? ''],
    queryFn: () => api.get<DataProduct>(`/api/products/${id}`),
    enabled: id !== null,
  });
}

export const useCreateProduct = () =>
  useOpeningMutation((input: CreateProductInput) => api.post<DataProduct>('/api/products', input));

export const useProductStep = () =>
  useOpeningMutation(({ id, step }: { id: string; step: 'publish' | 'retire' }) =>
    api.post<DataProduct>(`/api/products/${id}/${step}`),
  );

export const useSubscribe = () =>
  useOpeningMutation(({ productId, ...body }: SubscribeInput & { productId: string }) =>
    api.post<Subscription>(`/api/products/${productId}/subscriptions`, body),
  );

export function useSubscriptions(productId?: string) {
  return useQuery({
    queryKey: [...OPENING_KEY, 'subscriptions', productId ?? ''],
    queryFn: () =>
      api.get<{ items: Subscription[] }>('/api/product-subscriptions', { productId: productId ?? null }),
  });
}

export function useMySubscriptions(month?: string) {
  return useQuery({
    queryKey: [...OPENING_KEY, 'subscriptions', 'mine', month ?? ''],
    queryFn: () =>
      api.get<{ items: Subscription[] }>('/api/product-subscriptions/mine', { month: month ?? null }),
  });
}

export type SubscriptionStep =
  | { step: 'approve'; id: string; tier?: string; comment?: string }
  | { step: 'refuse' | 'revoke'; id: string; reason: string };

export const useSubscriptionStep = () =>
  useOpeningMutation(({ step, id, ...body }: SubscriptionStep) =>
    api.post<Subscription>(`/api/product-subscriptions/${id}/${step}`, body),
  );

export function useUsage(productId: string | null, month: string) {
  return useQuery({
    queryKey: [...OPENING_KEY, 'usage', productId ?? '', month],
    queryFn: () => api.get<UsageReport>(`/api/products/${productId}/usage`, { month }),
    enabled: productId !== null,
  });
}

/** The current month (YYYY-MM) in Asia/Shanghai, as the server counts it. */
export function shanghaiMonth(at = new Date()): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 7);
}
