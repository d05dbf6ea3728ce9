import { useState } from 'react';
import { Alert, Button, Drawer, Empty, Form, Input, Select, Space, Typography } from 'antd';
import { ApiOutlined } from '@ant-design/icons';
import { useLang } from '../../lang';
import type { DatongApp } from '../../types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useEntry } from '../catalog/api';
import { useGrants, useQueryService } from '../sharing/api';
import { MaskingTags } from '../sharing/labels';
import type { Grant } from '../sharing/model';

/** Rows asked for when no key is given. */
const FIRST_ROWS = 10;

/** The key fields of a grant's entry (granted ones), for one input each. */
function KeyInputs({
  grant,
  values,
  onChange,
}: {
  grant: Grant;
  values: Record<string, string>;
  onChange: (v: Record<string, string>) => void;
}) {
  const { t } = useLang();
  const entry = useEntry(grant.entryId);
  if (entry.error) return <ErrorAlert error={entry.error} />;
  const keys = (entry.data?.fields ?? []).filter((f) => f.key && grant.fields.includes(f.code));
  return (
    <>
      {keys.map((f) => (
        <Form.Item
          key={f.code}
          label={`${t('share.tryit.key')} · ${f.name} (${f.code})`}
          extra={t('share.tryit.keyHint', { n: FIRST_ROWS })}
        >
          <Input
            value={values[f.code] ?? ''}
            onChange={(e) => onChange({ ...values, [f.code]: e.target.value })}
            autoComplete="off"
            data-testid={`tryit-key-${f.code}`}
          />
        </Form.Item>
      ))}
    </>
  );
}

/**
 * 试用: calls POST /api/services/grants/:id/query as the application, signed in the browser with
 * a credential pasted here. The secret lives in this component's state only: never stored, never
 * sent (only the signature is).
 */
export function TryItDrawer({ app, onClose }: { app: DatongApp; onClose: () => void }) {
  const { t } = useLang();
  const grants = useGrants('consumer');
  const call = useQueryService();
  const [grantId, setGrantId] = useState<string | null>(null);
  const [keyId, setKeyId] = useState('');
  const [secret, setSecret] = useState('');
  const [key, setKey] = useState<Record<string, string>>({});
  const mine = (grants.data?.items ?? []).filter((g) => g.appId === app.id && g.status === 'active');
  const grant = mine.find((g) => g.id === grantId) ?? null;

  const run = () => {
    if (!grant) return;
    const given = Object.fromEntries(Object.entries(key).filter(([, v]) => v.trim() !== ''));
    const filled = Object.keys(given).length > 0;
    call.mutate({
      grantId: grant.id,
      keyId: keyId.trim(),
      secret,
      body: filled ? { key: given, limit: FIRST_ROWS } : { limit: FIRST_ROWS },
    });
  };

  return (
    <Drawer
      open
      size={760}
      title={`${t('share.tryit.title')} · ${app.name}`}
      onClose={() => {
        setSecret('');
        onClose();
      }}
    >
      <div data-testid="tryit-panel">
        {grants.error && <ErrorAlert error={grants.error} style={{ marginBottom: 16 }} />}
        {grants.isSuccess && mine.length === 0 && <Empty description={t('share.tryit.noGrants')} />}
        <Form layout="vertical" name="tryit" autoComplete="off">
          <Form.Item label={t('share.tryit.grant')} required>
            <Select
              value={grantId ?? undefined}
              loading={grants.isPending}
              onChange={(v: string) => {
                setGrantId(v);
                setKey({});
                call.reset();
              }}
              data-testid="tryit-grant"
              options={mine.map((g) => ({
                value: g.id,
                label: (
                  <span data-testid={`tryit-grant-option-${g.id}`}>
                    {g.entryName} · {g.scenarioName} · {g.validTo}
                  </span>
                ),
              }))}
            />
          </Form.Item>
          {grant && (
            <div style={{ marginBottom: 16 }}>
              <MaskingTags grant={grant} />
            </div>
          )}
          <Space size="middle" style={{ display: 'flex' }} align="start">
            <Form.Item label={t('share.tryit.keyId')} required style={{ flex: 1 }}>
              <Input
                value={keyId}
                onChange={(e) => setKeyId(e.target.value)}
                autoComplete="off"
                data-testid="tryit-key-id"
              />
            </Form.Item>
            <Form.Item label={t('share.tryit.secret')} required style={{ flex: 1 }}>
              <Input.Password
                value={secret}
                onChange={(e) => setSecret(e.target.value)}
                autoComplete="new-password"
                data-testid="tryit-secret"
              />
            </Form.Item>
          </Space>
          <Alert type="info" showIcon title={t('share.tryit.secretHint')} style={{ marginBottom: 16 }} />
          {grant && <KeyInputs grant={grant} values={key} onChange={setKey} />}
          <Button
            type="primary"
            icon={<ApiOutlined />}
            loading={call.isPending}
            disabled={!grant || !keyId.trim() || !secret}
            onClick={run}
            data-testid="tryit-run"
          >
            {t('share.tryit.run')}
          </Button>
        </Form>
        {call.error && <ErrorAlert error={call.error} style={{ marginTop: 16 }} />}
        {call.data && (
          <div style={{ marginTop: 16 }}>
            <Typography.Text type="secondary" data-testid="tryit-count" data-count={call.data.rows.length}>
              {t('share.tryit.rows', { n: call.data.rows.length })}
            </Typography.Text>
            <pre
              data-testid="tryit-result"
              style={{ background: '#f6f8fa', padding: 12, maxHeight: 480, overflow: 'auto', fontSize: 12 }}
            >
              {JSON.stringify(call.data.rows, null, 2)}
            </pre>
          </div>
        )}
      </div>
    </Drawer>
  );
}
