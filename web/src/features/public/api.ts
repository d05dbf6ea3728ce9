import { useMutation, useQuery } from '@tanstack/react-query';
import { api } from '../../api';

/** Public accounts and "who accessed my data" (docs/OPENING.md "Public accounts and transparency"). */

export type SubjectKind = 'person' | 'company';

export interface RegisterInput {
  username: string;
  password: string;
  displayName: string;
  kind: SubjectKind;
  idNumber?: string;
  uscc?: string;
  phone?: string;
  email?: string;
}

export interface PublicAccount {
  userId: string;
  username: string;
  displayName: string;
  kind: SubjectKind;
  subjectMasked: string;
  phone: string | null;
  email: string | null;
  verified: boolean;
  verifiedAt: string | null;
  verificationMethod: 'demo' | 'admin' | null;
  createdAt: string;
}

export interface MyAccess {
  seq: number;
  time: string;
  action: string;
  departmentId: string | null;
  departmentName: string | null;
  appId: string | null;
  appName: string | null;
  scenario: string | null;
  entryCode: string | null;
  entryName: string | null;
  fields: { code: string; name: string }[];
}

export interface MyAccesses {
  subject: { kind: SubjectKind; masked: string };
  accesses: MyAccess[];
  truncated: boolean;
}

export const PUBLIC_KEY = ['public'] as const;

export function useRegister() {
  return useMutation({
    mutationFn: (input: RegisterInput) => api.post<PublicAccount>('/api/public/register', input),
  });
}

export function useMyAccount() {
  return useQuery({
    queryKey: [...PUBLIC_KEY, 'me'],
    queryFn: () => api.get<PublicAccount>('/api/public/me'),
    retry: false,
  });
}

export function useMyAccesses() {
  return useQuery({
    queryKey: [...PUBLIC_KEY, 'accesses'],
    queryFn: () => api.get<MyAccesses>('/api/public/me/accesses', { limit: 500 }),
    retry: false,
  });
}
