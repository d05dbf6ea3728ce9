import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, isApiError } from '../../api';
import { CATALOG_KEY } from '../catalog/api';
import type { Entry } from '../catalog/model';
import type {
  DatasetQuality,
  QualityRule,
  QualitySettings,
  RuleInput,
  RunDetail,
  RunSummary,
  Suggestion,
} from './quality-model';

/** Quality of datasets (docs/QUALITY.md "HTTP API"), under /api/quality. */

const QUALITY_KEY = ['quality'] as const;
const qualityKey = (entryId: string) => [...QUALITY_KEY, 'dataset', entryId] as const;
const runKey = (runId: number) => [...QUALITY_KEY, 'run', runId] as const;

/** How often a running check is asked whether it has finished. */
export const RUN_POLL_MS = 1000;
/** Runs shown in the history and the trend. */
export const RUN_HISTORY = 30;

const base = (entryId: string) => `/api/quality/datasets/${entryId}`;

/** Settings, rules and the latest run of the dataset (dataset.read). */
export function useDatasetQuality(entryId: string) {
  return useQuery({
    queryKey: qualityKey(entryId),
    queryFn: () => api.get<DatasetQuality>(base(entryId)),
  });
}

/** The run history, newest first; polled while a run is still going. */
export function useQualityRuns(entryId: string) {
  return useQuery({
    queryKey: [...qualityKey(entryId), 'runs'],
    queryFn: () => api.get<RunSummary[]>(`${base(entryId)}/runs`, { limit: RUN_HISTORY }),
    refetchInterval: (q) => (q.state.data?.some((r) => r.status === 'running') ? RUN_POLL_MS : false),
  });
}

/** One run with its results (samples masked for the viewer); polled while it runs. */
export function useQualityRun(runId: number | null) {
  return useQuery({
    queryKey: runKey(runId ?? 0),
    queryFn: () => api.get<RunDetail>(`/api/quality/runs/${runId}`),
    enabled: runId !== null,
    refetchInterval: (q) => (q.state.data?.status === 'running' ? RUN_POLL_MS : false),
  });
}

/**
 * What the catalog suggests (dataset.load, maintaining the provider). A refusal with 403 says the
 * caller does not maintain the entry: the tab uses that to tell maintainers from readers.
 */
export function useSuggestions(entryId: string, enabled: boolean) {
  return useQuery({
    queryKey: [...qualityKey(entryId), 'suggestions'],
    queryFn: () => api.get<Suggestion[]>(`${base(entryId)}/suggestions`),
    enabled,
    retry: (count, err) => !(isApiError(err) && err.status >= 400 && err.status < 500) && count < 2,
  });
}

function useInvalidate(entryId: string) {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: qualityKey(entryId) });
}

export function useCreateRule(entryId: string) {
  const invalidate = useInvalidate(entryId);
  return useMutation({
    mutationFn: (input: RuleInput) => api.post<QualityRule>(`${base(entryId)}/rules`, input),
    onSuccess: invalidate,
  });
}

/** Adds the suggestions one after the other; one already stored (409) is passed over. */
export function useAddSuggestions(entryId: string) {
  const invalidate = useInvalidate(entryId);
  return useMutation({
    mutationFn: async (list: readonly Suggestion[]) => {
      let added = 0;
      for (const s of list) {
        try {
          await api.post<QualityRule>(`${base(entryId)}/rules`, { name: s.name, spec: s.spec, key: s.key });
          added++;
        } catch (err) {
          if (!(isApiError(err) && err.code === 'quality_rule_exists')) throw err;
        }
      }
      return added;
    },
    onSettled: invalidate,
  });
}

export function useUpdateRule(entryId: string) {
  const invalidate = useInvalidate(entryId);
  return useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: Partial<Omit<RuleInput, 'key'>> }) =>
      api.patch<QualityRule>(`/api/quality/rules/${id}`, patch),
    onSuccess: invalidate,
  });
}

export function useDeleteRule(entryId: string) {
  const invalidate = useInvalidate(entryId);
  return useMutation({
    mutationFn: (id: string) => api.delete<void>(`/api/quality/rules/${id}`),
    onSuccess: invalidate,
  });
}

export function useSaveQualitySettings(entryId: string) {
  const invalidate = useInvalidate(entryId);
  return useMutation({
    mutationFn: (settings: QualitySettings) =>
      api.put<QualitySettings>(`${base(entryId)}/settings`, settings),
    onSuccess: invalidate,
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * 立即检查: queues a run (202 {runId}) and polls it until it is done or failed; resolves with the
 * finished run. The history shows the run while it goes (it polls on its own while one runs).
 */
export function useStartRun(entryId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      const { runId } = await api.post<{ runId: number }>(`${base(entryId)}/runs`);
      await qc.invalidateQueries({ queryKey: qualityKey(entryId) });
      for (;;) {
        await sleep(RUN_POLL_MS);
        const run = await api.get<RunDetail>(`/api/quality/runs/${runId}`);
        if (run.status !== 'running') {
          qc.setQueryData(runKey(runId), run);
          return run;
        }
      }
    },
    onSettled: () => qc.invalidateQueries({ queryKey: qualityKey(entryId) }),
  });
}

/**
 * Another catalog entry (a referential target, an accuracy authority), for its fields; shares the
 * cache of the catalog's own entry query.
 */
export function useOtherEntry(entryId: string | undefined) {
  return useQuery({
    queryKey: [...CATALOG_KEY, 'entry', entryId ?? '', 'current'],
    queryFn: () => api.get<Entry>(`/api/catalog/entries/${entryId}`),
    enabled: !!entryId,
    staleTime: 60_000,
  });
}
