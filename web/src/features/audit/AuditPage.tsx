import { Col, Row } from 'antd';
import { CheckpointCard } from './CheckpointCard';
import { EventsTable } from './EventsTable';
import { VerifyCard } from './VerifyCard';

export default function AuditPage() {
  return (
    <Row gutter={[24, 24]}>
      <Col xs={24} xl={14}>
        <VerifyCard />
      </Col>
      <Col xs={24} xl={10}>
        <CheckpointCard />
      </Col>
      <Col span={24}>
        <EventsTable />
      </Col>
    </Row>
  );
}
