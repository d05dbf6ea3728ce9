import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api, getCsrfToken, setCsrfToken } from '../../api';
import { currentLang } from '../../i18n';
import type { MeWithCsrf } from '../../types';
import type {
  Batch,
  BatchResult,
  Dataset,
  LoadMode,
  Preview,
  ProbeResult,
  Pull,
  PullInput,
  ReadOptions,
  RejectRows,
} from './model';

export const DATASET_KEY = ['dataset'] as const;
const datasetKey = (entryId: string) => [...DATASET_KEY, entryId] as const;
const batchKey = (batchId: number) => [...DATASET_KEY, 'batch', batchId] as const;
const pullsKey = (entryId: string) => [...datasetKey(entryId), 'pulls'] as const;

/** The first bytes of a file the probe reads: enough for the header and a sample. */
export const PROBE_BYTES = 4 * 1024 * 1024;
/** How often a running load is asked for its progress. */
export const POLL_MS = 500;

const datasetPath = (entryId: string) => `/api/catalog/entries/${entryId}/dataset`;

export const rejectsDownloadUrl = (batchId: number, format: 'csv' | 'xlsx') =>
  `/api/ingest/batches/${batchId}/rejects?format=${format}`;

export const isRunning = (b: Pick<Batch, 'status'>) => b.status === 'running';

/** The dataset (columns, versions, recent batches); polled while one of its batches runs. */
export function useDataset(entryId: string) {
  return useQuery({
    queryKey: datasetKey(entryId),
    queryFn: () => api.get<Dataset>(datasetPath(entryId)),
    refetchInterval: (q) => (q.state.data?.batches.some(isRunning) ? 1000 : false),
  });
}

export function usePreview(entryId: string, limit: number, enabled: boolean) {
  return useQuery({
    queryKey: [...datasetKey(entryId), 'preview', limit],
    queryFn: () => api.get<Preview>(`${datasetPath(entryId)}/preview`, { limit }),
    enabled,
    placeholderData: keepPreviousData,
  });
}

export function useRollback(entryId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (version?: number) =>
      api.post<Dataset>(`${datasetPath(entryId)}/rollback`, version === undefined ? {} : { version }),
    onSuccess: (ds) => {
      qc.setQueryData(datasetKey(entryId), ds);
      return qc.invalidateQueries({ queryKey: datasetKey(entryId) });
    },
  });
}

/** One batch; polled while it runs. */
export function useBatch(batchId: number | null) {
  return useQuery({
    queryKey: batchKey(batchId ?? 0),
    queryFn: () => api.get<Batch>(`/api/ingest/batches/${batchId}`),
    enabled: batchId !== null,
    refetchInterval: (q) => (q.state.data && isRunning(q.state.data) ? 1000 : false),
  });
}

export function useRejectRows(batchId: number | null, offset: number, limit: number, refreshKey: string) {
  return useQuery({
    queryKey: [...batchKey(batchId ?? 0), 'rejects', offset, limit, refreshKey],
    queryFn: () => api.get<RejectRows>(`/api/ingest/batches/${batchId}/reject-rows`, { offset, limit }),
    enabled: batchId !== null,
    placeholderData: keepPreviousData,
  });
}

function readQuery(opts: ReadOptions): string {
  const params = new URLSearchParams();
  if (opts.format) params.set('format', opts.format);
  if (opts.encoding) params.set('encoding', opts.encoding);
  if (opts.sheet) params.set('sheet', opts.sheet);
  if (opts.headerRow !== undefined) params.set('headerRow', String(opts.headerRow));
  return params.toString();
}

/** Reads the header and a sample of the file's first bytes, with the mapping the server proposes. */
export function probeFile(entryId: string, file: File, opts: ReadOptions): Promise<ProbeResult> {
  const form = new FormData();
  // The file's name goes along: the server tells the format from it.
  form.append('file', file.slice(0, PROBE_BYTES), file.name);
  const qs = readQuery(opts);
  return api.upload<ProbeResult>(`${datasetPath(entryId)}/probe${qs ? `?${qs}` : ''}`, form);
}

export function saveMapping(entryId: string, mapping: Record<string, string>): Promise<Dataset> {
  return api.put<Dataset>(`${datasetPath(entryId)}/mapping`, { mapping });
}

function problemOf(xhr: XMLHttpRequest): ApiError {
  let body: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(xhr.responseText);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      body = parsed as Record<string, unknown>;
    }
  } catch {
    // Not JSON: the status line will do.
  }
  const requestId = xhr.getResponseHeader('x-request-id');
  if (body && typeof body.title === 'string') {
    return new ApiError({
      title: body.title,
      status: typeof body.status === 'number' ? body.status : xhr.status,
      code: typeof body.code === 'string' ? body.code : 'error',
      detail: typeof body.detail === 'string' ? body.detail : body.title,
      requestId: typeof body.requestId === 'string' ? body.requestId : requestId,
    });
  }
  return new ApiError({
    title: xhr.statusText || `HTTP ${xhr.status}`,
    status: xhr.status,
    code: 'http_error',
    requestId,
  });
}

export interface UploadOptions extends ReadOptions {
  mode: LoadMode;
  threshold?: number;
}

export interface UploadHandle {
  result: Promise<BatchResult>;
  abort: () => void;
}

/**
 * Sends the file to POST …/dataset/batches with XMLHttpRequest (fetch cannot report upload
 * progress), with the session's CSRF token (fetched from GET /api/me if the session has none yet).
 */
export function uploadFile(
  entryId: string,
  file: File,
  opts: UploadOptions,
  onUploadProgress: (loaded: number, total: number) => void,
): UploadHandle {
  const xhr = new XMLHttpRequest();
  let aborted = false;
  const result = (async () => {
    let csrfToken = getCsrfToken();
    if (!csrfToken) {
      csrfToken = (await api.get<MeWithCsrf>('/api/me')).csrfToken;
      setCsrfToken(csrfToken);
    }
    if (aborted) throw new ApiError({ title: 'aborted', status: 0, code: 'aborted' });
    const params = new URLSearchParams(readQuery(opts));
    params.set('mode', opts.mode);
    if (opts.threshold !== undefined) params.set('threshold', String(opts.threshold));
    const form = new FormData();
    form.append('file', file, file.name);
    return new Promise<BatchResult>((resolve, reject) => {
      xhr.open('POST', `${datasetPath(entryId)}/batches?${params.toString()}`);
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.setRequestHeader('Accept-Language', currentLang());
      xhr.setRequestHeader('x-csrf-token', csrfToken);
      xhr.withCredentials = true;
      xhr.upload.onprogress = (e) => onUploadProgress(e.loaded, e.lengthComputable ? e.total : file.size);
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          try {
            resolve(JSON.parse(xhr.responseText) as BatchResult);
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        } else reject(problemOf(xhr));
      };
      xhr.onerror = () => reject(new ApiError({ title: 'network error', status: 0, code: 'network' }));
      xhr.onabort = () => reject(new ApiError({ title: 'aborted', status: 0, code: 'aborted' }));
      xhr.send(form);
    });
  })();
  return {
    result,
    abort: () => {
      aborted = true;
      xhr.abort();
    },
  };
}

/** The dataset as it is now, for polling a running load (null while it does not exist yet). */
export async function fetchDatasetOrNull(entryId: string): Promise<Dataset | null> {
  try {
    return await api.get<Dataset>(datasetPath(entryId));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

export function useInvalidateDataset(entryId: string) {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: datasetKey(entryId) });
}

// ---------------------------------------------------------------------------------------------
// Pull sources (拉取源)

export function usePulls(entryId: string, enabled: boolean) {
  return useQuery({
    queryKey: pullsKey(entryId),
    queryFn: () => api.get<Pull[]>(`${datasetPath(entryId)}/pulls`),
    enabled,
    refetchInterval: (q) =>
      q.state.data?.some((p) => p.lastStatus === 'queued' || p.lastStatus === 'running') ? 2000 : false,
  });
}

export function useSavePull(entryId: string) {
  const qc = useQueryClient();
  return useMutation({
    // Creating sends the whole input; editing only what changed (PATCH).
    mutationFn: (arg: { id: null; input: PullInput } | { id: string; input: Partial<PullInput> }) =>
      arg.id
        ? api.patch<Pull>(`/api/ingest/pulls/${arg.id}`, arg.input)
        : api.post<Pull>(`${datasetPath(entryId)}/pulls`, arg.input),
    onSuccess: () => qc.invalidateQueries({ queryKey: pullsKey(entryId) }),
  });
}

export function useDeletePull(entryId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete<void>(`/api/ingest/pulls/${id}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: pullsKey(entryId) }),
  });
}

export function useRunPull(entryId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.post<Pull>(`/api/ingest/pulls/${id}/run`),
    onSuccess: () => qc.invalidateQueries({ queryKey: datasetKey(entryId) }),
  });
}
