import { Alert, Button, Descriptions, Modal, Typography } from 'antd';
import { useLang } from '../../lang';
import type { NewCredential } from '../../types';

/** The one and only display of a new credential's secret. */
export function SecretModal({
  credential,
  onClose,
}: {
  credential: NewCredential | null;
  onClose: () => void;
}) {
  const { t, time } = useLang();
  return (
    <Modal
      open={credential !== null}
      title={t('apps.credential.secretTitle')}
      closable={false}
      mask={{ closable: false }}
      keyboard={false}
      destroyOnHidden
      footer={
        <Button type="primary" onClick={onClose} data-testid="secret-done">
          {t('apps.credential.done')}
        </Button>
      }
    >
      <Alert
        type="warning"
        showIcon
        title={t('apps.credential.secretWarning')}
        style={{ marginBottom: 16 }}
      />
      {credential && (
        <Descriptions
          column={1}
          bordered
          size="small"
          items={[
            {
              key: 'keyId',
              label: t('apps.credential.keyId'),
              children: (
                <Typography.Text code copyable data-testid="secret-key-id">
                  {credential.keyId}
                </Typography.Text>
              ),
            },
            {
              key: 'secret',
              label: t('apps.credential.secret'),
              children: (
                <Typography.Text code copyable data-testid="secret-value" style={{ wordBreak: 'break-all' }}>
                  {credential.secret}
                </Typography.Text>
              ),
            },
            { key: 'expiresAt', label: t('apps.credential.expiresAt'), children: time(credential.expiresAt) },
          ]}
        />
      )}
    </Modal>
  );
}
