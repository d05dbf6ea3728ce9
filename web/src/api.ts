import { currentLang } from './i18n';

export interface FieldError {
  path: string;
  message: string;
}

/** An RFC 9457 problem answered by the server, or a network failure (status 0). */
export class ApiError extends Error {
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly requestId: string | null;
  readonly errors: FieldError[];

  constructor(init: {
    title: string;
    status: number;
    code: string;
    detail?: string;
    requestId?: string | null;
    errors?: FieldError[];
  }) {
    super(init.title);
    this.name = 'ApiError';
    this.title = init.title;
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail ?? init.title;
    this.requestId = init.requestId ?? null;
    this.errors = init.errors ?? [];
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

// The CSRF token of the current cookie session; it arrives with login and with GET /api/me.
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** The session's CSRF token, for requests made outside `api` (an upload with progress). */
export function getCsrfToken(): string | null {
  return csrfToken;
}

type Query = Record<string, string | number | undefined | null>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fieldErrors(value: unknown): FieldError[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter(isRecord)
    .map((e) => ({ path: String(e.path ?? ''), message: String(e.message ?? '') }));
}

async function toError(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON (e.g. a proxy error page): fall back to the status line.
  }
  if (isRecord(body) && typeof body.title === 'string') {
    return new ApiError({
      title: body.title,
      status: typeof body.status === 'number' ? body.status : res.status,
      code: typeof body.code === 'string' ? body.code : 'error',
      detail: typeof body.detail === 'string' ? body.detail : body.title,
      requestId: typeof body.requestId === 'string' ? body.requestId : res.headers.get('x-request-id'),
      errors: fieldErrors(body.errors),
    });
  }
  return new ApiError({
    title: res.statusText || `HTTP ${res.status}`,
    status: res.status,
    code: 'http_error',
    requestId: res.headers.get('x-request-id'),
  });
}

export async function request<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': currentLang() };
  // A FormData body (a file upload) sets its own multipart Content-Type with the boundary.
  const multipart = body instanceof FormData;
  if (body !== undefined && !multipart) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(withQuery(path, query), {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : multipart ? body : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError({
      title: err instanceof Error ? err.message : String(err),
      status: 0,
      code: 'network',
    });
  }
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', path, undefined, query),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
  upload: <T>(path: string, form: FormData) => request<T>('POST', path, form),
};
