import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../api';
import type { Period, Scorecard } from './model';

/** The department scorecards of a period (Asia/Shanghai days, inclusive). */
export function useScorecards(period: Period) {
  return useQuery({
    queryKey: ['governance', 'scorecards', period.from, period.to] as const,
    queryFn: () => api.get<Scorecard>('/api/quality/scorecards', { from: period.from, to: period.to }),
    placeholderData: keepPreviousData,
  });
}

/** The export of the same scorecards, downloaded by the browser (the session cookie goes along). */
export function scorecardExportUrl(period: Period, format: 'xlsx' | 'csv'): string {
  const q = new URLSearchParams({ from: period.from, to: period.to, format });
  return `/api/quality/scorecards/export?${q.toString()}`;
}
