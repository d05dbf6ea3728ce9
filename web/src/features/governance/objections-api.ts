import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api';
import type {
  CorrectObjectionInput,
  Objection,
  ObjectionFilter,
  ObjectionPage,
  RaiseObjectionInput,
} from './model';

export const OBJECTIONS_KEY = ['governance', 'objections'] as const;
const PAGE = 50;

/** One box of objections, keyset pages of 50 (most urgent first in the inbox, else newest). */
export function useObjections(filter: ObjectionFilter) {
  return useInfiniteQuery({
    queryKey: [...OBJECTIONS_KEY, 'list', filter] as const,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      api.get<ObjectionPage>('/api/quality/objections', {
        box: filter.box,
        status: filter.status,
        overdue: filter.overdue === undefined ? undefined : String(filter.overdue),
        limit: PAGE,
        cursor: pageParam,
      }),
    getNextPageParam: (last) => last.nextCursor,
  });
}

/** One objection with its events. */
export function useObjection(id: string | null) {
  return useQuery({
    queryKey: [...OBJECTIONS_KEY, 'one', id ?? ''] as const,
    queryFn: () => api.get<Objection>(`/api/quality/objections/${id}`),
    enabled: id !== null,
  });
}

/** Any write refreshes every objection list and detail. */
function useObjectionMutation<I>(fn: (input: I) => Promise<Objection>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => qc.invalidateQueries({ queryKey: OBJECTIONS_KEY }),
  });
}

export const useRaiseObjection = () =>
  useObjectionMutation((input: RaiseObjectionInput) => api.post<Objection>('/api/quality/objections', input));

export const useCorrectObjection = () =>
  useObjectionMutation(({ id, input }: { id: string; input: CorrectObjectionInput }) =>
    api.post<Objection>(`/api/quality/objections/${id}/correct`, input),
  );

export const useRejectObjection = () =>
  useObjectionMutation(({ id, reason }: { id: string; reason: string }) =>
    api.post<Objection>(`/api/quality/objections/${id}/reject`, { reason }),
  );

export const useWithdrawObjection = () =>
  useObjectionMutation(({ id, reason }: { id: string; reason?: string }) =>
    api.post<Objection>(`/api/quality/objections/${id}/withdraw`, reason ? { reason } : {}),
  );
