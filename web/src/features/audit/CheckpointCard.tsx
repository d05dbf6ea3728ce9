import { Card, Descriptions, Empty, Tag, Typography } from 'antd';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useLatestCheckpoint } from './api';

export function CheckpointCard() {
  const { t, time } = useLang();
  const checkpoint = useLatestCheckpoint();
  const cp = checkpoint.data;
  return (
    <Card title={t('audit.checkpoint')} loading={checkpoint.isPending} data-testid="audit-checkpoint">
      {checkpoint.error ? (
        <ErrorAlert error={checkpoint.error} />
      ) : !cp ? (
        <Empty description={t('audit.checkpoint.none')} />
      ) : (
        <Descriptions
          size="small"
          column={1}
          items={[
            { key: 'treeSize', label: t('audit.checkpoint.treeSize'), children: cp.treeSize },
            {
              key: 'root',
              label: t('audit.checkpoint.rootHash'),
              children: (
                <Typography.Text code copyable style={{ wordBreak: 'break-all' }}>
                  {cp.rootHash}
                </Typography.Text>
              ),
            },
            {
              key: 'alg',
              label: t('audit.checkpoint.algorithm'),
              children: (
                <Tag color={cp.algorithm === 'sm2' ? 'red' : 'blue'}>{cp.algorithm.toUpperCase()}</Tag>
              ),
            },
            {
              key: 'keyId',
              label: t('audit.checkpoint.keyId'),
              children: <Typography.Text code>{cp.keyId}</Typography.Text>,
            },
            { key: 'time', label: t('audit.checkpoint.time'), children: time(cp.time) },
          ]}
        />
      )}
    </Card>
  );
}
