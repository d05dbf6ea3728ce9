import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../api';
import type { NewUser, Page, Role, User } from '../../../types';

export const USERS_KEY = ['users'] as const;

export interface UserFilter {
  q: string;
  orgId: string | undefined;
}

export function useUsers(filter: UserFilter) {
  return useInfiniteQuery({
    queryKey: [...USERS_KEY, filter],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      api.get<Page<User>>('/api/users', { limit: 50, cursor: pageParam, q: filter.q, orgId: filter.orgId }),
    getNextPageParam: (last) => last.nextCursor,
  });
}

function useUserMutation<V>(fn: (v: V) => Promise<unknown>) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: fn, onSuccess: () => qc.invalidateQueries({ queryKey: USERS_KEY }) });
}

export const useCreateUser = () => useUserMutation((u: NewUser) => api.post<User>('/api/users', u));

export const useAssignRoles = () =>
  useUserMutation(({ id, roles }: { id: string; roles: Role[] }) =>
    api.put<User>(`/api/users/${id}/roles`, { roles }),
  );

export const useUnlockUser = () => useUserMutation((id: string) => api.post<User>(`/api/users/${id}/unlock`));

export const useSetDisabled = () =>
  useUserMutation(({ id, disabled }: { id: string; disabled: boolean }) =>
    api.patch<User>(`/api/users/${id}`, { disabled }),
  );

export function isLocked(u: User, now = Date.now()): boolean {
  return u.lockedUntil !== null && new Date(u.lockedUntil).getTime() > now;
}
