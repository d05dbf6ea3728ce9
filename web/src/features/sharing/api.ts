import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api, type FieldError } from '../../api';
import { currentLang } from '../../i18n';
import type {
  AnswerDemandInput,
  AppUsage,
  CreateDemandInput,
  Demand,
  DemandBox,
  ApproveInput,
  CreateRequestInput,
  Grant,
  GrantBox,
  Page,
  QueryAnswer,
  RequestBox,
  ShareRequest,
} from './model';
import { signRequest } from './sign';

export const SHARE_KEY = ['share'] as const;
const requestsKey = (box: RequestBox) => [...SHARE_KEY, 'requests', box] as const;
const requestKey = (id: string) => [...SHARE_KEY, 'request', id] as const;
const grantsKey = (box: GrantBox) => [...SHARE_KEY, 'grants', box] as const;
const grantKey = (id: string) => [...SHARE_KEY, 'grant', id] as const;

/** One page of 200: the console shows a box at once (the API pages by cursor beyond that). */
const PAGE = 200;

/** The applications of the caller's organisation a request may name. */
export function useRequestableApps() {
  return useQuery({
    queryKey: [...SHARE_KEY, 'apps'] as const,
    queryFn: () => api.get<{ id: string; name: string }[]>('/api/share/apps'),
  });
}

export function useRequests(box: RequestBox, enabled = true) {
  return useQuery({
    queryKey: requestsKey(box),
    queryFn: () => api.get<Page<ShareRequest>>('/api/share/requests', { box, limit: PAGE }),
    enabled,
  });
}

export function useRequest(id: string | null) {
  return useQuery({
    queryKey: requestKey(id ?? ''),
    queryFn: () => api.get<ShareRequest>(`/api/share/requests/${id}`),
    enabled: id !== null,
  });
}

export function useGrants(box: GrantBox, enabled = true) {
  return useQuery({
    queryKey: grantsKey(box),
    queryFn: () => api.get<Page<Grant>>('/api/share/grants', { box, limit: PAGE }),
    enabled,
  });
}

export function useGrant(id: string | null) {
  return useQuery({
    queryKey: grantKey(id ?? ''),
    queryFn: () => api.get<Grant>(`/api/share/grants/${id}`),
    enabled: id !== null,
  });
}

/** Any write refreshes every sharing list and detail (inbox, outbox, grants). */
function useShareMutation<I, O>(fn: (input: I) => Promise<O>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => qc.invalidateQueries({ queryKey: SHARE_KEY }),
  });
}

export const useCreateRequest = () =>
  useShareMutation((input: CreateRequestInput) => api.post<ShareRequest>('/api/share/requests', input));

export const useApproveRequest = () =>
  useShareMutation(({ id, input }: { id: string; input: ApproveInput }) =>
    api.post<ShareRequest>(`/api/share/requests/${id}/approve`, input),
  );

export const useRefuseRequest = () =>
  useShareMutation(({ id, reason }: { id: string; reason: string }) =>
    api.post<ShareRequest>(`/api/share/requests/${id}/refuse`, { reason }),
  );

export const useReviewRequest = () =>
  useShareMutation(
    ({ id, decision, reason }: { id: string; decision: 'approve' | 'refuse'; reason?: string }) =>
      api.post<ShareRequest>(
        `/api/share/requests/${id}/review`,
        reason ? { decision, reason } : { decision },
      ),
  );

export const useWithdrawRequest = () =>
  useShareMutation(({ id, reason }: { id: string; reason?: string }) =>
    api.post<ShareRequest>(`/api/share/requests/${id}/withdraw`, reason ? { reason } : {}),
  );

export type GrantStep = 'suspend' | 'resume' | 'revoke';

export const useGrantStep = () =>
  useShareMutation(({ id, step, reason }: { id: string; step: GrantStep; reason?: string }) =>
    api.post<Grant>(`/api/share/grants/${id}/${step}`, reason ? { reason } : {}),
  );

export const useRenewGrant = () =>
  useShareMutation(({ id, validTo }: { id: string; validTo: string }) =>
    api.post<Grant>(`/api/share/grants/${id}/renew`, { validTo }),
  );

/** A problem+json answer (or any failure) as the console's ApiError. */
async function problemOf(res: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = await res.json();
    if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: the status line below.
  }
  const title = typeof body.title === 'string' ? body.title : res.statusText || `HTTP ${res.status}`;
  return new ApiError({
    title,
    status: res.status,
    code: typeof body.code === 'string' ? body.code : 'http_error',
    detail: typeof body.detail === 'string' ? body.detail : title,
    requestId: typeof body.requestId === 'string' ? body.requestId : res.headers.get('x-request-id'),
    errors: Array.isArray(body.errors) ? (body.errors as FieldError[]) : [],
  });
}

export interface ServiceCall {
  grantId: string;
  keyId: string;
  secret: string;
  body: Record<string, unknown>;
}

/**
 * POST /api/services/grants/:id/query as the application: signed in the browser with the
 * credential given (never stored), without the user's cookies.
 */
export async function queryService(call: ServiceCall): Promise<QueryAnswer> {
  const path = `/api/services/grants/${encodeURIComponent(call.grantId)}/query`;
  const body = JSON.stringify(call.body);
  const headers = await signRequest({ method: 'POST', path, body, keyId: call.keyId, secret: call.secret });
  let res: Response;
  try {
    res = await fetch(path, {
      method: 'POST',
      credentials: 'omit',
      headers: {
        ...headers,
        Accept: 'application/json',
        'Accept-Language': currentLang(),
        'Content-Type': 'application/json',
      },
      body,
    });
  } catch (err) {
    throw new ApiError({
      title: err instanceof Error ? err.message : String(err),
      status: 0,
      code: 'network',
    });
  }
  if (!res.ok) throw await problemOf(res);
  return (await res.json()) as QueryAnswer;
}

export const useQueryService = () => useMutation({ mutationFn: queryService });

/** GET /api/share/summary: the dashboard's open and overdue counts (review: share.review only). */
export interface ShareSummary {
  inbox: { open: number; overdue: number };
  outbox: { open: number };
  review: { open: number; overdue: number } | null;
  demands: { assigned: number; overdue: number };
}

/** One in-app notification (share.overdue, share.review_overdue, demand.overdue, …). */
export interface AppNotification {
  id: number;
  kind: string;
  payload: Record<string, unknown>;
  createdAt: string;
  readAt: string | null;
}

export interface NotificationList {
  items: AppNotification[];
  /** All of the caller's unread notifications. */
  unread: number;
}

const NOTIFICATIONS_KEY = ['notifications'] as const;

/** Under SHARE_KEY: every sharing write refreshes the counts. */
export function useShareSummary(enabled = true) {
  return useQuery({
    queryKey: [...SHARE_KEY, 'summary'] as const,
    queryFn: () => api.get<ShareSummary>('/api/share/summary'),
    enabled,
  });
}

export function useUnreadNotifications(limit = 5, enabled = true) {
  return useQuery({
    queryKey: [...NOTIFICATIONS_KEY, 'unread', limit] as const,
    queryFn: () => api.get<NotificationList>('/api/notifications', { unread: 'true', limit }),
    enabled,
  });
}

export function useMarkNotificationRead() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api.post<AppNotification>(`/api/notifications/${id}/read`),
    onSuccess: () => qc.invalidateQueries({ queryKey: NOTIFICATIONS_KEY }),
  });
}

/** An application's calls per grant and day, for its usage chart. */
export function useAppUsage(appId: string, days: number) {
  return useQuery({
    queryKey: [...SHARE_KEY, 'usage', appId, days] as const,
    queryFn: () => api.get<AppUsage>(`/api/share/apps/${appId}/usage`, { days }),
  });
}

// ---- supply–demand (供需对接) ----------------------------------------------------------------

export function useDemands(box: DemandBox) {
  return useQuery({
    queryKey: [...SHARE_KEY, 'demands', box] as const,
    queryFn: () => api.get<Page<Demand>>('/api/share/demands', { box, limit: PAGE }),
  });
}

export const useCreateDemand = () =>
  useShareMutation((input: CreateDemandInput) => api.post<Demand>('/api/share/demands', input));

export const useRouteDemand = () =>
  useShareMutation(({ id, orgId }: { id: string; orgId: string }) =>
    api.post<Demand>(`/api/share/demands/${id}/route`, { orgId }),
  );

export const useAnswerDemand = () =>
  useShareMutation(({ id, input }: { id: string; input: AnswerDemandInput }) =>
    api.post<Demand>(`/api/share/demands/${id}/answer`, input),
  );

export const useEndDemand = () =>
  useShareMutation(({ id, action, reason }: { id: string; action: 'withdraw' | 'close'; reason?: string }) =>
    api.post<Demand>(`/api/share/demands/${id}/${action}`, reason ? { reason } : {}),
  );

/** A share request for the entry a demand was answered with (linked to the demand). */
export const useDemandRequest = () =>
  useShareMutation(({ id, input }: { id: string; input: Omit<CreateRequestInput, 'entryId'> }) =>
    api.post<ShareRequest>(`/api/share/demands/${id}/request`, input),
  );
