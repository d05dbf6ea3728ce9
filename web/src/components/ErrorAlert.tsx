import type { CSSProperties } from 'react';
import { Alert } from 'antd';
import { isApiError } from '../api';
import { useLang } from '../lang';

/** A failed load, with the server's own (localised) message and its request id. */
export function ErrorAlert({ error, style }: { error: unknown; style?: CSSProperties }) {
  const { t } = useLang();
  const title = error instanceof Error ? error.message : t('common.loadFailed');
  const description =
    isApiError(error) && error.requestId ? `${error.detail} (request id: ${error.requestId})` : undefined;
  return (
    <Alert type="error" showIcon title={title} description={description} style={style} data-testid="error" />
  );
}
