import { Select } from 'antd';
import { useLang } from '../../../lang';
import { ROLES, type Role } from '../../../types';

/** Multi-select of roles; options carry test ids (`role-option-<role>`) that do not depend on language. */
export function RoleSelect(props: { value?: Role[]; onChange?: (roles: Role[]) => void; testId: string }) {
  const { role } = useLang();
  return (
    <Select<Role[]>
      mode="multiple"
      value={props.value}
      onChange={props.onChange}
      data-testid={props.testId}
      optionFilterProp="label"
      options={ROLES.map((r) => ({ value: r, label: role(r), 'data-testid': `role-option-${r}` }))}
    />
  );
}
