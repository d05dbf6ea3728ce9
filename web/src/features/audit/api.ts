import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api, isApiError } from '../../api';
import type { AuditEvent, Checkpoint, Page, VerifyReport } from '../../types';

export interface EventFilter {
  action: string;
  actor: string;
}

export function useAuditEvents(filter: EventFilter) {
  return useInfiniteQuery({
    queryKey: ['audit', 'events', filter],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      api.get<Page<AuditEvent>>('/api/audit/events', {
        limit: 50,
        cursor: pageParam,
        action: filter.action,
        actor: filter.actor,
      }),
    getNextPageParam: (last) => last.nextCursor,
  });
}

/** The latest signed checkpoint, or null before the first one is signed. */
export function useLatestCheckpoint() {
  return useQuery({
    queryKey: ['audit', 'checkpoint'],
    queryFn: async () => {
      try {
        return await api.get<Checkpoint>('/api/audit/checkpoints/latest');
      } catch (err) {
        if (isApiError(err) && err.status === 404) return null;
        throw err;
      }
    },
  });
}

export function useVerify(enabled: boolean) {
  return useQuery({
    queryKey: ['audit', 'verify'],
    queryFn: () => api.get<VerifyReport>('/api/audit/verify'),
    enabled,
    retry: false,
  });
}
