import { useState } from 'react';
import { Spin, Tabs } from 'antd';
import { isApiError } from '../../api';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useEntry } from '../catalog/api';
import type { Dataset } from './model';
import { useDatasetQuality, useSuggestions } from './quality-api';
import { QualityReport } from './QualityReport';
import { QualityRules } from './QualityRules';
import { QualitySettings } from './QualitySettings';

type View = 'report' | 'rules' | 'settings';

/**
 * 质量: the dataset's quality report for whoever reads it; the rules and settings for those who
 * maintain the entry. Whether the user does is the server's answer: the suggestions need
 * dataset.load and maintaining the provider, and answer 403 quality_out_of_scope otherwise.
 */
export function QualityTab({
  entryId,
  dataset,
  canLoad,
}: {
  entryId: string;
  dataset: Dataset;
  /** dataset.load on a published table entry, as the upload button decides. */
  canLoad: boolean;
}) {
  const { t } = useLang();
  const quality = useDatasetQuality(entryId);
  const suggestions = useSuggestions(entryId, canLoad);
  const entry = useEntry(entryId);
  const [view, setView] = useState<View>('report');
  const outOfScope = isApiError(suggestions.error) && suggestions.error.status === 403;
  const maintainer = canLoad && !outOfScope && !suggestions.isPending;

  if (quality.error) return <ErrorAlert error={quality.error} />;
  const q = quality.data;
  if (!q) return <Spin data-testid="quality-loading" style={{ display: 'block', margin: '32px auto' }} />;

  const report = (
    <QualityReport entryId={entryId} quality={q} columns={dataset.columns} maintainer={maintainer} />
  );
  return (
    <div data-testid="quality" data-maintainer={String(maintainer)}>
      {maintainer ? (
        <Tabs
          size="small"
          type="card"
          activeKey={view}
          onChange={(k) => setView(k as View)}
          items={[
            {
              key: 'report',
              label: <span data-testid="quality-view-report">{t('quality.view.report')}</span>,
              children: report,
            },
            {
              key: 'rules',
              label: (
                <span data-testid="quality-view-rules">{t('quality.view.rules', { n: q.rules.length })}</span>
              ),
              children: (
                <QualityRules
                  entryId={entryId}
                  quality={q}
                  suggestions={suggestions.data ?? []}
                  suggestionsError={suggestions.error}
                  columns={dataset.columns}
                  catalogFields={entry.data?.fields ?? []}
                />
              ),
            },
            {
              key: 'settings',
              label: <span data-testid="quality-view-settings">{t('quality.view.settings')}</span>,
              children: (
                <QualitySettings
                  key={`${JSON.stringify(q.weights)}:${q.hour}`}
                  entryId={entryId}
                  quality={q}
                />
              ),
            },
          ]}
        />
      ) : (
        report
      )}
    </div>
  );
}
