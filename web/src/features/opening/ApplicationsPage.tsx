import { Card, Tabs } from 'antd';
import { useSearchParams } from 'react-router';
import { useLang } from '../../lang';
import { useCan } from '../auth/session';
import { useApplications } from './api';
import { ApplicationTable, type AppAction } from './ApplicationParts';
import type { ApplicationBox, OpenApplication } from './model';

function Box({ box }: { box: ApplicationBox }) {
  const can = useCan();
  const list = useApplications(box);
  const actions = (a: OpenApplication): AppAction[] => {
    if (box === 'inbox' && a.status === 'submitted' && can('share.approve')) return ['approve', 'refuse'];
    if (box === 'review' && a.status === 'provider_approved' && can('share.review'))
      return ['reviewApprove', 'reviewRefuse'];
    return [];
  };
  return <ApplicationTable list={list} actions={actions} showApplicant testId={`open-app-table-${box}`} />;
}

/** 开放申请审批: the provider's approvers decide first (inbox), then the platform (review). */
export default function ApplicationsPage() {
  const { t } = useLang();
  const can = useCan();
  const [search, setSearch] = useSearchParams();
  const boxes: ApplicationBox[] = can('share.review') ? ['inbox', 'review'] : ['inbox'];
  const tab = boxes.find((b) => b === search.get('tab')) ?? boxes[0]!;
  return (
    <Card title={t('opening.title')} data-testid="open-apps-page">
      <Tabs
        activeKey={tab}
        onChange={(k) => setSearch({ tab: k }, { replace: true })}
        items={boxes.map((box) => ({
          key: box,
          label: <span data-testid={`open-app-tab-${box}`}>{t(`opening.tab.${box}`)}</span>,
          children: <Box box={box} />,
        }))}
      />
    </Card>
  );
}
