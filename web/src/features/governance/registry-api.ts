import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api';
import { CATALOG_KEY } from '../catalog/api';
import type { Entry } from '../catalog/model';
import { OBJECTIONS_KEY } from './objections-api';
import type { Objection } from './model';
import type {
  AddSourceInput,
  Conflict,
  ConflictFilter,
  CreateItemInput,
  DataItem,
  KeysetPage,
  Run,
  RunSummary,
  UpdateItemInput,
} from './registry-model';

/** The 一数一源 registry and the 多源校核 runs; every route needs governance.manage. */
export const REGISTRY_KEY = ['governance', 'registry'] as const;
export const CROSSCHECKS_KEY = ['governance', 'crosschecks'] as const;
const itemsKey = [...REGISTRY_KEY, 'items'] as const;
const runKey = (id: number) => [...CROSSCHECKS_KEY, 'run', id] as const;
const conflictsKey = (runId: number) => [...CROSSCHECKS_KEY, 'conflicts', runId] as const;

const RUNS_PAGE = 50;
const CONFLICTS_PAGE = 100;
/** How often a running cross-check is polled. */
const POLL_MS = 1500;

export function useItems() {
  return useQuery({
    queryKey: itemsKey,
    queryFn: () => api.get<{ items: DataItem[] }>('/api/quality/items').then((r) => r.items),
  });
}

/**
 * Any registry write refreshes the item list, and the runs' figures: removing a source or an item
 * removes its figures and conflicts.
 */
function useRegistryMutation<I, O>(fn: (input: I) => Promise<O>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () =>
      Promise.all([
        qc.invalidateQueries({ queryKey: REGISTRY_KEY }),
        qc.invalidateQueries({ queryKey: CROSSCHECKS_KEY }),
      ]),
  });
}

export const useCreateItem = () =>
  useRegistryMutation((input: CreateItemInput) => api.post<DataItem>('/api/quality/items', input));

export const useUpdateItem = () =>
  useRegistryMutation(({ id, input }: { id: string; input: UpdateItemInput }) =>
    api.patch<DataItem>(`/api/quality/items/${id}`, input),
  );

export const useDeleteItem = () =>
  useRegistryMutation((id: string) => api.delete<void>(`/api/quality/items/${id}`));

export const useAddSource = () =>
  useRegistryMutation(({ itemId, input }: { itemId: string; input: AddSourceInput }) =>
    api.post<DataItem>(`/api/quality/items/${itemId}/sources`, input),
  );

export const useDeleteSource = () =>
  useRegistryMutation((sourceId: string) => api.delete<void>(`/api/quality/sources/${sourceId}`));

/**
 * A catalog entry offered as a source, with its fields: the version the caller sees (for the
 * platform, the published one), shared with the catalog pages' cache.
 */
export function useSourceEntry(id: string | undefined) {
  return useQuery({
    queryKey: [...CATALOG_KEY, 'entry', id ?? '', 'current'] as const,
    queryFn: () => api.get<Entry>(`/api/catalog/entries/${id}`),
    enabled: Boolean(id),
  });
}

/** The runs, newest first, keyset pages; polled while one of the first page is still running. */
export function useRuns() {
  return useInfiniteQuery({
    queryKey: [...CROSSCHECKS_KEY, 'runs'] as const,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      api.get<KeysetPage<RunSummary>>('/api/quality/crosschecks', { limit: RUNS_PAGE, cursor: pageParam }),
    getNextPageParam: (last) => last.nextCursor,
    refetchInterval: (q) =>
      q.state.data?.pages[0]?.items.some((r) => r.status === 'running') ? POLL_MS : false,
  });
}

/** One run with its figures; polled until it is done or failed. */
export function useRun(id: number) {
  return useQuery({
    queryKey: runKey(id),
    queryFn: () => api.get<Run>(`/api/quality/crosschecks/${id}`),
    refetchInterval: (q) => (q.state.data?.status === 'running' ? POLL_MS : false),
  });
}

/** 发起校核: 202 {runId}; the run is queued and recorded as running. */
export function useStartCrosscheck() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<{ runId: number }>('/api/quality/crosschecks'),
    onSuccess: () => qc.invalidateQueries({ queryKey: CROSSCHECKS_KEY }),
  });
}

/** A run's conflicts (of one item and/or source), masked for the viewer, keyset pages of 100. */
export function useConflicts(runId: number, filter: ConflictFilter, enabled = true) {
  return useInfiniteQuery({
    queryKey: [...conflictsKey(runId), filter.itemId ?? '', filter.sourceId ?? ''] as const,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      api.get<KeysetPage<Conflict>>(`/api/quality/crosschecks/${runId}/conflicts`, {
        itemId: filter.itemId,
        sourceId: filter.sourceId,
        limit: CONFLICTS_PAGE,
        cursor: pageParam,
      }),
    getNextPageParam: (last) => last.nextCursor,
    enabled,
  });
}

/**
 * 提出异议 from a conflict: an objection to the secondary source's record and field, proposing
 * the authoritative value, addressed to orgId. Once per conflict (409 afterwards); either way the
 * conflicts are read again, so the row shows the objection.
 */
export function useRaiseConflictObjection(runId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ conflictId, orgId, reason }: { conflictId: number; orgId: string; reason?: string }) =>
      api.post<Objection>(
        `/api/quality/crosschecks/conflicts/${conflictId}/objection`,
        reason ? { orgId, reason } : { orgId },
      ),
    onSettled: () =>
      Promise.all([
        qc.invalidateQueries({ queryKey: conflictsKey(runId) }),
        qc.invalidateQueries({ queryKey: OBJECTIONS_KEY }),
      ]),
  });
}
