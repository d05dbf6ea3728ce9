import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api';
import type { Credential, DatongApp, ListOf, NewCredential } from '../../types';

export const APPS_KEY = ['apps'] as const;
const credentialsKey = (appId: string) => [...APPS_KEY, appId, 'credentials'] as const;

export function useApps() {
  return useQuery({
    queryKey: APPS_KEY,
    queryFn: () => api.get<ListOf<DatongApp>>('/api/apps').then((r) => r.items),
  });
}

export function useCreateApp() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { name: string; description?: string }) => api.post<DatongApp>('/api/apps', input),
    onSuccess: () => qc.invalidateQueries({ queryKey: APPS_KEY }),
  });
}

export function useCredentials(appId: string | null) {
  return useQuery({
    queryKey: credentialsKey(appId ?? ''),
    queryFn: () => api.get<ListOf<Credential>>(`/api/apps/${appId}/credentials`).then((r) => r.items),
    enabled: appId !== null,
  });
}

export function useCreateCredential(appId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { expiresInDays?: number }) =>
      api.post<NewCredential>(`/api/apps/${appId}/credentials`, input),
    onSuccess: () => qc.invalidateQueries({ queryKey: credentialsKey(appId) }),
  });
}

export function useRevokeCredential(appId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (keyId: string) =>
      api.delete<unknown>(`/api/apps/${appId}/credentials/${encodeURIComponent(keyId)}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: credentialsKey(appId) }),
  });
}

export type CredentialState = 'active' | 'revoked' | 'expired';

export function credentialState(c: Credential, now = Date.now()): CredentialState {
  if (c.revokedAt) return 'revoked';
  if (c.expiresAt && new Date(c.expiresAt).getTime() <= now) return 'expired';
  return 'active';
}
