import { useEffect, useState } from 'react';
import { Input, Typography } from 'antd';
import { isApiError } from '../../../api';
import { useLang } from '../../../lang';
import { validateSample } from '../../standards/api';
import type { ValidatorKind } from '../model';

interface Result {
  key: string;
  valid: boolean;
  message: string;
}

/**
 * Tries a sample value against the row's validator with the server's own validators
 * (POST /api/standards/validate), so a steward sees what a load will accept. Not part of the entry.
 */
export function SampleCheck({
  kind,
  pattern,
  testId,
}: {
  kind: ValidatorKind | null;
  pattern?: string;
  testId: string;
}) {
  const { t } = useLang();
  const [value, setValue] = useState('');
  const [result, setResult] = useState<Result | null>(null);
  const key = `${kind ?? ''}|${pattern ?? ''}|${value}`;

  useEffect(() => {
    if (!kind || !value) return;
    // Debounced: one call once the user pauses typing.
    const timer = setTimeout(() => {
      validateSample(kind, value, pattern).then(
        (r) => setResult({ key, valid: r.valid, message: r.message }),
        (err: unknown) =>
          setResult({ key, valid: false, message: isApiError(err) ? err.title : String(err) }),
      );
    }, 300);
    return () => clearTimeout(timer);
  }, [kind, pattern, value, key]);

  const current = result?.key === key ? result : null;
  if (!kind) return <Typography.Text type="secondary">—</Typography.Text>;
  return (
    <>
      <Input
        size="small"
        value={value}
        placeholder={t('field.sample')}
        status={current && !current.valid ? 'error' : ''}
        onChange={(e) => setValue(e.target.value)}
        data-testid={testId}
      />
      {current && value && (
        <Typography.Text
          type={current.valid ? 'success' : 'danger'}
          style={{ fontSize: 12 }}
          data-testid={`${testId}-result`}
          data-valid={current.valid}
        >
          {current.message || t(current.valid ? 'rule.sampleValid' : 'rule.sampleInvalid')}
        </Typography.Text>
      )}
    </>
  );
}
