import { Alert, Button, Card, Descriptions, Result } from 'antd';
import { ReloadOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { useLang } from '../../lang';
import type { VerifyReport } from '../../types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useCan } from '../auth/session';
import { useVerify } from './api';

function ReportDetails({ report }: { report: VerifyReport }) {
  const { t, time } = useLang();
  return (
    <Descriptions
      size="small"
      column={{ xs: 1, md: 3 }}
      items={[
        { key: 'treeSize', label: t('audit.verify.treeSize'), children: report.treeSize },
        { key: 'events', label: t('audit.verify.events'), children: report.checkedEvents },
        { key: 'checkpoints', label: t('audit.verify.checkpoints'), children: report.checkpointsChecked },
        { key: 'at', label: t('audit.verify.at'), children: time(report.verifiedAt) },
        { key: 'duration', label: t('audit.verify.duration'), children: `${report.durationMs} ms` },
        {
          key: 'firstBad',
          label: t('audit.verify.firstBad'),
          children: report.firstBadPosition ?? '—',
        },
      ]}
    />
  );
}

/** Full verification of the ledger (Merkle tree against signed checkpoints), run on opening the page. */
export function VerifyCard() {
  const { t } = useLang();
  const allowed = useCan()('audit.verify');
  const verify = useVerify(allowed);
  const report = verify.data;
  const status = !allowed
    ? 'forbidden'
    : verify.isFetching
      ? 'running'
      : report
        ? report.ok
          ? 'verified'
          : 'failed'
        : 'error';

  return (
    <Card
      title={
        <>
          <SafetyCertificateOutlined /> {t('audit.verify')}
        </>
      }
      extra={
        allowed && (
          <Button icon={<ReloadOutlined />} loading={verify.isFetching} onClick={() => void verify.refetch()}>
            {t('audit.verify.run')}
          </Button>
        )
      }
    >
      <div data-testid="audit-verify-status" data-status={status}>
        {status === 'forbidden' && <Alert type="info" showIcon title={t('audit.verify.noPermission')} />}
        {status === 'running' && <Alert type="info" showIcon title={t('audit.verify.running')} />}
        {status === 'error' && verify.error && <ErrorAlert error={verify.error} />}
        {(status === 'verified' || status === 'failed') && report && (
          <Result
            style={{ padding: '8px 0' }}
            status={report.ok ? 'success' : 'error'}
            title={report.ok ? t('audit.verify.ok') : t('audit.verify.failed')}
            subTitle={report.message}
          />
        )}
      </div>
      {report && status !== 'running' && <ReportDetails report={report} />}
    </Card>
  );
}
