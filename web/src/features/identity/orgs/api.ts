import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../api';
import type { ListOf, Org, OrgInput } from '../../../types';

export const ORGS_KEY = ['orgs'] as const;

export function useOrgs(enabled = true) {
  return useQuery({
    queryKey: ORGS_KEY,
    queryFn: () => api.get<ListOf<Org>>('/api/orgs').then((r) => r.items),
    enabled,
  });
}

export function useSaveOrg() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: string | null; input: OrgInput }) =>
      id ? api.patch<Org>(`/api/orgs/${id}`, input) : api.post<Org>('/api/orgs', input),
    onSuccess: () => qc.invalidateQueries({ queryKey: ORGS_KEY }),
  });
}

export interface OrgNode extends Org {
  children?: OrgNode[];
}

/** The flat list as a tree by parentId; orphans (parent not visible) become roots. */
export function orgTree(orgs: readonly Org[]): OrgNode[] {
  const nodes = new Map<string, OrgNode>(orgs.map((o) => [o.id, { ...o }]));
  const roots: OrgNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parentId ? nodes.get(node.parentId) : undefined;
    if (parent) (parent.children ??= []).push(node);
    else roots.push(node);
  }
  return roots;
}

/** The ids of an organisation and all below it: not valid as its new parent. */
export function selfAndDescendants(orgs: readonly Org[], id: string): Set<string> {
  const out = new Set<string>([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const o of orgs) {
      if (o.parentId && out.has(o.parentId) && !out.has(o.id)) {
        out.add(o.id);
        grew = true;
      }
    }
  }
  return out;
}
