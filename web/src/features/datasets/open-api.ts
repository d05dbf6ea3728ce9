import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, isApiError } from '../../api';
import type { CustomHierarchy, HierarchyInput, Publication, PublishConfig, Report } from './open-model';

/** The publishing pipeline of an entry (docs/OPENING.md "HTTP API"), under /api/opening. */

const OPEN_KEY = ['open-publication'] as const;
const publicationKey = (entryId: string) => [...OPEN_KEY, entryId] as const;
const hierarchiesKey = (orgId: string) => ['open-hierarchies', orgId] as const;
const base = (entryId: string) => `/api/opening/publications/${entryId}`;

/** How often a queued or running build is asked whether it has finished. */
export const BUILD_POLL_MS = 1500;

const noRetryOn4xx = (count: number, err: unknown) =>
  !(isApiError(err) && err.status >= 400 && err.status < 500) && count < 2;

/**
 * The entry's publication, or null when none has been configured yet (404 publish_not_found).
 * Polled while its build is queued or running.
 */
export function usePublication(entryId: string) {
  return useQuery({
    queryKey: publicationKey(entryId),
    queryFn: async () => {
      try {
        return await api.get<Publication>(base(entryId));
      } catch (err) {
        if (isApiError(err) && err.code === 'publish_not_found') return null;
        throw err;
      }
    },
    retry: noRetryOn4xx,
    refetchInterval: (q) => {
      const s = q.state.data?.build.status;
      return s === 'queued' || s === 'running' ? BUILD_POLL_MS : false;
    },
  });
}

/**
 * The custom hierarchies of the provider organisation. The server answers 403
 * publish_out_of_scope to a caller who does not maintain it: the tab uses that to tell
 * maintainers from readers, as the 质量 tab does with its suggestions.
 */
export function useHierarchies(orgId: string | undefined) {
  return useQuery({
    queryKey: hierarchiesKey(orgId ?? ''),
    queryFn: () => api.get<CustomHierarchy[]>('/api/opening/hierarchies', { orgId }),
    enabled: !!orgId,
    retry: noRetryOn4xx,
  });
}

function usePublicationMutation<I>(entryId: string, fn: (input: I) => Promise<Publication>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: (p) => {
      qc.setQueryData(publicationKey(entryId), p);
      void qc.invalidateQueries({ queryKey: publicationKey(entryId) });
    },
  });
}

export function useSaveOpenConfig(entryId: string) {
  return usePublicationMutation(entryId, (config: PublishConfig) =>
    api.put<Publication>(`${base(entryId)}/config`, config),
  );
}

/** The report of a configuration (a dry run: nothing is written). */
export function usePreviewReport(entryId: string) {
  return useMutation({
    mutationFn: (config: PublishConfig) => api.post<Report>(`${base(entryId)}/preview`, { config }),
  });
}

export function useRequestOpening(entryId: string) {
  return usePublicationMutation(entryId, () => api.post<Publication>(`${base(entryId)}/request`));
}

/** 202: the build is queued; the publication is then polled until it is done. */
export function useSignOff(entryId: string) {
  return usePublicationMutation(entryId, () => api.post<Publication>(`${base(entryId)}/sign-off`));
}

export function useRefuseOpening(entryId: string) {
  return usePublicationMutation(entryId, (reason: string) =>
    api.post<Publication>(`${base(entryId)}/refuse`, { reason }),
  );
}

export function useWithdrawOpening(entryId: string) {
  return usePublicationMutation(entryId, (reason: string) =>
    api.post<Publication>(`${base(entryId)}/withdraw`, reason ? { reason } : {}),
  );
}

export function useUploadHierarchy(orgId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: HierarchyInput) =>
      api.post<CustomHierarchy>('/api/opening/hierarchies', { ...input, orgId }),
    onSuccess: () => qc.invalidateQueries({ queryKey: hierarchiesKey(orgId) }),
  });
}
