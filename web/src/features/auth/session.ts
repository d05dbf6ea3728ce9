import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api, isApiError, setCsrfToken } from '../../api';
import type { LoginResponse, Me, MeWithCsrf } from '../../types';

export const ME_KEY = ['me'] as const;

/** The signed-in user, or null when there is no session. */
async function fetchMe(): Promise<Me | null> {
  try {
    const { csrfToken, ...me } = await api.get<MeWithCsrf>('/api/me');
    setCsrfToken(csrfToken);
    return me;
  } catch (err) {
    if (isApiError(err) && err.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw err;
  }
}

export function useMe() {
  return useQuery({ queryKey: ME_KEY, queryFn: fetchMe, staleTime: 60_000, retry: false });
}

/** The current user; only for components rendered inside the signed-in console. */
export function useCurrentUser(): Me {
  const { data } = useMe();
  if (!data) throw new Error('useCurrentUser outside a session');
  return data;
}

export function useCan(): (permission: string) => boolean {
  const me = useCurrentUser();
  return (permission) => me.permissions.includes(permission);
}

export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { username: string; password: string }) =>
      api.post<LoginResponse>('/api/auth/login', body),
    onSuccess: ({ user, csrfToken }) => {
      setCsrfToken(csrfToken);
      forgetOthers(qc);
      qc.setQueryData(ME_KEY, user);
    },
  });
}

// Everything cached but the session itself, whose observers must keep their query.
function forgetOthers(qc: QueryClient): void {
  qc.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
}

/** Forget everything cached for the previous user. */
export function endSession(qc: QueryClient): void {
  setCsrfToken(null);
  forgetOthers(qc);
  qc.setQueryData(ME_KEY, null);
}

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<unknown>('/api/auth/logout'),
    onSettled: () => endSession(qc),
  });
}
