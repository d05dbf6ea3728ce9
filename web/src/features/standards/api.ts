import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api';
import type { ListOf } from '../../types';
import type { FieldType, ValidatorKind } from '../catalog/model';

export interface CodeTable {
  id: string;
  identifier: string;
  name: string;
  version: string;
  description?: string;
  builtin?: boolean;
  valueCount: number;
}

export interface CodeValue {
  code: string;
  label: string;
  parentCode: string | null;
}

export interface CodeTableInput {
  identifier: string;
  name: string;
  version: string;
  description?: string;
  values: CodeValue[];
}

export interface DataElement {
  id: string;
  identifier: string;
  name: string;
  type: FieldType;
  length?: number | null;
  validator?: { kind: ValidatorKind; pattern?: string } | null;
  codeTableId?: string | null;
  description?: string | null;
  codeTable?: { id: string; identifier: string; name: string; version: string } | null;
  builtin?: boolean;
}

export type DataElementInput = Omit<DataElement, 'id' | 'codeTable' | 'builtin'>;

const STANDARDS_KEY = ['standards'] as const;

export function useCodeTables(enabled = true) {
  return useQuery({
    queryKey: [...STANDARDS_KEY, 'code-tables'],
    queryFn: () => api.get<ListOf<CodeTable>>('/api/standards/code-tables').then((r) => r.items),
    enabled,
    staleTime: 60_000,
  });
}

export interface CodeTableDetail extends CodeTable {
  versions?: { id: string; version: string; createdAt: string }[];
  values: CodeValue[];
  nextCursor: string | null;
}

/** One code table's values, searched and paged by the server. */
export function useCodeValues(id: string, q: string, limit = 50) {
  return useInfiniteQuery({
    queryKey: [...STANDARDS_KEY, 'code-tables', id, q, limit],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam }) => {
      return api.get<CodeTableDetail>(`/api/standards/code-tables/${encodeURIComponent(id)}`, {
        q,
        limit,
        cursor: pageParam,
      });
    },
    getNextPageParam: (last) => last.nextCursor,
  });
}

/** The values directly under `parent` (a region's subdivisions), for the lazily opened tree. */
export function fetchChildren(id: string, parent: string): Promise<CodeValue[]> {
  return api
    .get<CodeTableDetail>(`/api/standards/code-tables/${encodeURIComponent(id)}`, { parent, limit: 1000 })
    .then((r) => r.values);
}

export function useCreateCodeTable() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: CodeTableInput) => api.post<CodeTable>('/api/standards/code-tables', input),
    onSuccess: () => qc.invalidateQueries({ queryKey: STANDARDS_KEY }),
  });
}

export function useDataElements(q: string, enabled = true) {
  return useQuery({
    queryKey: [...STANDARDS_KEY, 'data-elements', q],
    queryFn: () =>
      api.get<ListOf<DataElement>>('/api/standards/data-elements', { q, limit: 200 }).then((r) => r.items),
    enabled,
    staleTime: 60_000,
  });
}

export function useDataElement(id: string) {
  return useQuery({
    queryKey: [...STANDARDS_KEY, 'data-elements', 'one', id],
    queryFn: () => api.get<DataElement>(`/api/standards/data-elements/${id}`),
  });
}

export function useCreateDataElement() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: DataElementInput) => api.post<DataElement>('/api/standards/data-elements', input),
    onSuccess: () => qc.invalidateQueries({ queryKey: STANDARDS_KEY }),
  });
}

export interface ValidateResult {
  valid: boolean;
  message: string;
}

/** POST /api/standards/validate: the same validators the server applies to loads. */
export function validateSample(
  validator: ValidatorKind,
  value: string,
  pattern?: string,
): Promise<ValidateResult> {
  return api.post<ValidateResult>('/api/standards/validate', {
    validator,
    value,
    ...(validator === 'regex' && pattern ? { pattern } : {}),
  });
}
