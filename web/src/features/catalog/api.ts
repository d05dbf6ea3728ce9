import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api';
import type { ListOf } from '../../types';
import type {
  Entry,
  EntryDiff,
  EntryInput,
  EntrySummary,
  EntryVersion,
  FacetBucket,
  SearchParams,
  SearchResult,
  Transition,
} from './model';

export const CATALOG_KEY = ['catalog'] as const;
const entryKey = (id: string) => [...CATALOG_KEY, 'entry', id] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The contract names the facet dimensions but not their encoding; accept both a bucket list
 * (`[{value, count, label?}]`) and a value → count map so the sidebar works with either.
 */
export function normaliseFacets(raw: unknown): Record<string, FacetBucket[]> {
  const out: Record<string, FacetBucket[]> = {};
  if (!isRecord(raw)) return out;
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) {
      out[name] = value.filter(isRecord).map((b) => ({
        value: String(b.value ?? b.key ?? b.name ?? ''),
        count: Number(b.count ?? 0),
        ...(typeof b.label === 'string' ? { label: b.label } : {}),
      }));
    } else if (isRecord(value)) {
      out[name] = Object.entries(value).map(([v, c]) => ({ value: v, count: Number(c) }));
    }
  }
  return out;
}

function searchQuery(p: SearchParams, cursor: string | null) {
  const query: Record<string, string> = { sort: p.sort, limit: '20' };
  if (p.q.trim()) query.q = p.q.trim();
  if (cursor) query.cursor = cursor;
  if (p.status) query.status = p.status;
  if (p.mine) query.mine = 'true';
  const params = new URLSearchParams(query);
  // Repeated parameters (tag=a&tag=b) select several values of one facet.
  for (const [name, values] of Object.entries(p.filters)) {
    for (const v of values ?? []) params.append(name, v);
  }
  return `/api/catalog/entries?${params.toString()}`;
}

export function useCatalogSearch(params: SearchParams, scope: 'console' | 'portal') {
  return useInfiniteQuery({
    queryKey: [...CATALOG_KEY, 'search', scope, params],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam }) => {
      const res = await api.get<SearchResult>(searchQuery(params, pageParam));
      return { ...res, facets: normaliseFacets(res.facets) };
    },
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function useEntry(id: string, version?: number) {
  return useQuery({
    queryKey: [...entryKey(id), version ?? 'current'],
    queryFn: () => api.get<Entry>(`/api/catalog/entries/${id}`, { version }),
  });
}

export function useVersions(id: string) {
  return useQuery({
    queryKey: [...entryKey(id), 'versions'],
    queryFn: () => api.get<ListOf<EntryVersion>>(`/api/catalog/entries/${id}/versions`).then((r) => r.items),
  });
}

export function useDiff(id: string, from: number | null, to: number | null) {
  return useQuery({
    queryKey: [...entryKey(id), 'diff', from, to],
    queryFn: () => api.get<EntryDiff>(`/api/catalog/entries/${id}/diff`, { from, to }),
    enabled: from !== null && to !== null && from !== to,
  });
}

export function useHistory(id: string) {
  return useQuery({
    queryKey: [...entryKey(id), 'history'],
    queryFn: () => api.get<ListOf<Transition>>(`/api/catalog/entries/${id}/history`).then((r) => r.items),
  });
}

export function useReviewQueue() {
  return useQuery({
    queryKey: [...CATALOG_KEY, 'review-queue'],
    queryFn: () => api.get<ListOf<EntrySummary>>('/api/catalog/review-queue').then((r) => r.items),
  });
}

export function useSaveEntry() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: string | null; input: EntryInput }) =>
      id
        ? api.put<Entry>(`/api/catalog/entries/${id}`, input)
        : api.post<Entry>('/api/catalog/entries', input),
    onSuccess: () => qc.invalidateQueries({ queryKey: CATALOG_KEY }),
  });
}

export type EntryAction = 'submit' | 'approve' | 'return' | 'revise' | 'deprecate' | 'withdraw';

/** A lifecycle transition; approve/return take a comment, deprecate/withdraw a reason. */
export function useEntryAction() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action, text }: { id: string; action: EntryAction; text?: string }) => {
      let body: Record<string, string> = {};
      if (action === 'deprecate' || action === 'withdraw') body = { reason: text ?? '' };
      else if ((action === 'approve' || action === 'return') && text) body = { comment: text };
      return api.post<Entry>(`/api/catalog/entries/${id}/${action}`, body);
    },
    onSuccess: () => qc.invalidateQueries({ queryKey: CATALOG_KEY }),
  });
}
