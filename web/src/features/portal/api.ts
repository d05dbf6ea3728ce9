import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../api';
import type {
  OpenAggregate,
  OpenAggregateQuery,
  OpenDataset,
  OpenHome,
  OpenRows,
  OpenRowsQuery,
  OpenSearchParams,
  OpenSearchResult,
} from './model';

/** The portal's reads of the public API (/api/open/…); no session needed. */

export const OPEN_KEY = ['open'] as const;

export const datasetPath = (entryId: string) => `/api/open/datasets/${encodeURIComponent(entryId)}`;

export function useOpenHome() {
  return useQuery({
    queryKey: [...OPEN_KEY, 'home'],
    queryFn: () => api.get<OpenHome>('/api/open/home'),
    staleTime: 60_000,
  });
}

export function useOpenSearch(params: OpenSearchParams, enabled: boolean) {
  return useQuery({
    queryKey: [...OPEN_KEY, 'search', params],
    queryFn: () =>
      api.get<OpenSearchResult>('/api/open/datasets', {
        q: params.q,
        category: params.category,
        org: params.org,
        page: params.page,
        pageSize: params.pageSize,
      }),
    enabled,
    placeholderData: keepPreviousData,
  });
}

export function useOpenDataset(entryId: string) {
  return useQuery({
    queryKey: [...OPEN_KEY, 'dataset', entryId],
    queryFn: () => api.get<OpenDataset>(datasetPath(entryId)),
    retry: false,
  });
}

export function useOpenRows(entryId: string, query: OpenRowsQuery, enabled = true) {
  return useQuery({
    queryKey: [...OPEN_KEY, 'rows', entryId, query],
    queryFn: () =>
      api.get<OpenRows>(`${datasetPath(entryId)}/rows`, {
        q: query.q,
        filters: query.filters,
        limit: query.limit,
        offset: query.offset,
      }),
    enabled,
    placeholderData: keepPreviousData,
    retry: false,
  });
}

export function useOpenAggregate(entryId: string, query: OpenAggregateQuery | null) {
  return useQuery({
    queryKey: [...OPEN_KEY, 'aggregate', entryId, query],
    queryFn: () =>
      api.get<OpenAggregate>(`${datasetPath(entryId)}/aggregate`, {
        groupBy: query?.groupBy,
        measure: query?.measure,
        regionLevel: query?.regionLevel,
      }),
    enabled: query !== null,
    retry: false,
  });
}
