import { Col, Form, Input, Row, Select, Switch, type FormInstance } from 'antd';
import type { Rule } from 'antd/es/form';
import { useLang } from '../../../lang';
import {
  CATEGORIES,
  GRADES,
  RESOURCE_KINDS,
  SHARE_METHODS,
  SHARE_TYPES,
  UPDATE_CYCLES,
  type ShareType,
} from '../model';
import { classificationProblem, maxFieldGrade } from './rules';
import type { EntryValues, FieldValues } from './values';

/** The entry-level metadata of docs/CATALOG.md, laid out in a grid. */
export function MetadataForm({ form }: { form: FormInstance<EntryValues> }) {
  const { t } = useLang();
  const required: Rule = { required: true, message: t('common.required') };
  const conditionRule = (typeField: 'shareType' | 'openType'): Rule => ({
    validator: (_rule, v: string | undefined) =>
      (form.getFieldValue(typeField) as ShareType) !== 'unconditional' && !v?.trim()
        ? Promise.reject(new Error(t('rule.conditionRequired')))
        : Promise.resolve(),
  });
  const select = <T extends string | number>(
    values: readonly T[],
    label: (v: T) => string,
    testId: string,
  ) => (
    <Select
      data-testid={testId}
      options={values.map((v) => ({ value: v, label: label(v), 'data-testid': `${testId}-${v}` }))}
    />
  );
  const tokens = (testId: string) => (
    <Select
      mode="tags"
      open={false}
      suffixIcon={null}
      tokenSeparators={[',', '，', ';', '；']}
      placeholder={t('editor.tokenHint')}
      data-testid={testId}
    />
  );

  return (
    <Row gutter={16}>
      <Col xs={24} md={12}>
        <Form.Item
          name="name"
          label={t('catalog.name')}
          rules={[required, { whitespace: true }, { max: 200 }]}
        >
          <Input data-testid="editor-name" />
        </Form.Item>
      </Col>
      <Col xs={12} md={6}>
        <Form.Item name="category" label={t('catalog.category')} rules={[required]}>
          {select(CATEGORIES, (v) => t(`catalog.category.${v}`), 'editor-category')}
        </Form.Item>
      </Col>
      <Col xs={12} md={6}>
        <Form.Item
          name="classification"
          label={t('catalog.classification')}
          tooltip={t('editor.classificationHint')}
          rules={[
            {
              validator: (_rule, v: string[] | undefined) => {
                const problem = classificationProblem(v);
                return problem ? Promise.reject(new Error(t(problem))) : Promise.resolve();
              },
            },
          ]}
        >
          <Select
            mode="tags"
            open={false}
            suffixIcon={null}
            tokenSeparators={[' ', '.', ',']}
            data-testid="editor-classification"
          />
        </Form.Item>
      </Col>
      <Col span={24}>
        <Form.Item name="summary" label={t('catalog.summary')} rules={[{ max: 4000 }]}>
          <Input.TextArea rows={3} data-testid="editor-summary" />
        </Form.Item>
      </Col>
      <Col xs={12} md={6}>
        <Form.Item name="resourceKind" label={t('catalog.resourceKind')} rules={[required]}>
          {select(RESOURCE_KINDS, (v) => t(`catalog.resourceKind.${v}`), 'editor-resource-kind')}
        </Form.Item>
      </Col>
      <Col xs={12} md={6}>
        <Form.Item
          name="formats"
          label={t('catalog.formats')}
          normalize={(v: string[]) => v.map((f) => f.trim().toLowerCase())}
          rules={[
            {
              validator: (_rule, v: string[] | undefined) =>
                (v ?? []).every((f) => /^[a-z0-9]+$/.test(f))
                  ? Promise.resolve()
                  : Promise.reject(new Error(t('rule.format'))),
            },
          ]}
        >
          {tokens('editor-formats')}
        </Form.Item>
      </Col>
      <Col xs={12} md={6}>
        <Form.Item name="updateCycle" label={t('catalog.updateCycle')} rules={[required]}>
          {select(UPDATE_CYCLES, (v) => t(`catalog.updateCycle.${v}`), 'editor-update-cycle')}
        </Form.Item>
      </Col>
      <Col xs={12} md={6}>
        <Form.Item name="publishDate" label={t('catalog.publishDate')}>
          <Input type="date" data-testid="editor-publish-date" />
        </Form.Item>
      </Col>
      <Col xs={24} md={8}>
        <Form.Item name="tags" label={t('catalog.tags')}>
          {tokens('editor-tags')}
        </Form.Item>
      </Col>
      <Col xs={24} md={8}>
        <Form.Item name="relatedCodes" label={t('catalog.relatedCodes')}>
          {tokens('editor-related')}
        </Form.Item>
      </Col>
      <Col xs={24} md={8}>
        <Form.Item name="licence" label={t('catalog.licence')}>
          <Input placeholder="CC-BY-4.0" data-testid="editor-licence" />
        </Form.Item>
      </Col>
      <Col xs={24} md={8}>
        <Form.Item
          name={['responsible', 'person']}
          label={t('catalog.responsible')}
          rules={[required, { whitespace: true }]}
        >
          <Input data-testid="editor-responsible" />
        </Form.Item>
      </Col>
      <Col xs={24} md={8}>
        <Form.Item
          name={['responsible', 'phone']}
          label={t('catalog.responsiblePhone')}
          rules={[required, { pattern: /^[0-9+\-() ]{5,20}$/, message: t('catalog.responsiblePhone') }]}
        >
          <Input data-testid="editor-phone" />
        </Form.Item>
      </Col>
      <Col xs={24} md={8}>
        <Form.Item
          name={['responsible', 'email']}
          label={t('catalog.responsibleEmail')}
          rules={[{ type: 'email' }]}
        >
          <Input data-testid="editor-email" />
        </Form.Item>
      </Col>
      <Col xs={12} md={6}>
        <Form.Item name="shareType" label={t('catalog.shareType')} rules={[required]}>
          {select(SHARE_TYPES, (v) => t(`catalog.shareType.${v}`), 'editor-share-type')}
        </Form.Item>
      </Col>
      <Col xs={12} md={6}>
        <Form.Item name="shareMethod" label={t('catalog.shareMethod')} rules={[required]}>
          {select(SHARE_METHODS, (v) => t(`catalog.shareMethod.${v}`), 'editor-share-method')}
        </Form.Item>
      </Col>
      <Col xs={24} md={12}>
        <Form.Item
          name="shareCondition"
          label={t('catalog.shareCondition')}
          dependencies={['shareType']}
          rules={[conditionRule('shareType')]}
        >
          <Input data-testid="editor-share-condition" />
        </Form.Item>
      </Col>
      <Col xs={12} md={6}>
        <Form.Item name="openType" label={t('catalog.openType')} rules={[required]}>
          {select(SHARE_TYPES, (v) => t(`catalog.openType.${v}`), 'editor-open-type')}
        </Form.Item>
      </Col>
      <Col xs={24} md={18}>
        <Form.Item
          name="openCondition"
          label={t('catalog.openCondition')}
          dependencies={['openType']}
          rules={[conditionRule('openType')]}
        >
          <Input data-testid="editor-open-condition" />
        </Form.Item>
      </Col>
      <Col xs={12} md={6}>
        <Form.Item
          name="grade"
          label={t('catalog.gradeLabel')}
          rules={[
            {
              validator: (_rule, v: number) => {
                const max = maxFieldGrade(form.getFieldValue('fields') as FieldValues[] | undefined);
                return v >= max
                  ? Promise.resolve()
                  : Promise.reject(new Error(t('rule.gradeTooLow', { n: max })));
              },
            },
          ]}
        >
          {select(GRADES, (g) => t('catalog.grade', { n: g }), 'editor-grade')}
        </Form.Item>
      </Col>
      <Col xs={6} md={3}>
        <Form.Item name="important" label={t('catalog.important')} valuePropName="checked">
          <Switch data-testid="editor-important" />
        </Form.Item>
      </Col>
      <Col xs={6} md={3}>
        <Form.Item
          name="core"
          label={t('catalog.core')}
          valuePropName="checked"
          tooltip={t('rule.coreImplies')}
        >
          <Switch data-testid="editor-core" />
        </Form.Item>
      </Col>
    </Row>
  );
}
