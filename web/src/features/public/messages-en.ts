import type { PublicMessageKey } from './messages';

/** English for public registration and 我的数据访问记录. */
export const publicEn: Record<PublicMessageKey, string> = {
  'nav.myAccesses': 'Who accessed my data',
  'register.link': 'Register a public account',
  'register.title': 'Register a public account',
  'register.intro':
    'People register with their citizen identity number (公民身份号码), companies with their unified social credit code (统一社会信用代码). The number is kept only as a keyed hash, to find which departments and apps accessed your data.',
  'register.kind': 'Registering as',
  'register.kind.person': 'A person',
  'register.kind.company': 'A company',
  'register.username': 'Username',
  'register.username.hint': '2–64 letters, digits, dots, underscores or hyphens',
  'register.password': 'Password',
  'register.password.hint':
    'At least 10 characters, three of upper case, lower case, digits and symbols, not containing the username',
  'register.confirm': 'Confirm password',
  'register.confirm.mismatch': 'The passwords differ',
  'register.displayName.person': 'Name',
  'register.displayName.company': 'Company name',
  'register.idNumber': 'Citizen identity number (公民身份号码)',
  'register.uscc': 'Unified social credit code (统一社会信用代码)',
  'register.phone': 'Mobile number (optional)',
  'register.email': 'E-mail (optional)',
  'register.submit': 'Register',
  'register.done': 'Registered',
  'register.done.verified':
    'Your identity is verified (a demo node takes the number as verified at registration).',
  'register.done.pending':
    'Your identity awaits verification: once an administrator has checked your documents, you can see who accessed your data.',
  'register.haveAccount': 'Have an account? Sign in',
  'register.verifyNote':
    'This node has no electronic identity check. A demo node takes the number as verified at registration; a production node has an administrator check your documents.',
  'myAccesses.title': 'Who accessed my data',
  'myAccesses.intro':
    'Every access in which a department’s application called a data service that returned or verified records about you ({subject}), newest first, taken from the tamper-evident audit ledger.',
  'myAccesses.coverage':
    'Covered: every data-service call of an application (query, verify, change feed, export). Not covered: calls relayed by the gateway to a department’s own API, exports naming more than 10,000 subjects, and staff previewing a dataset in the console.',
  'myAccesses.subject.person': 'citizen identity number {masked}',
  'myAccesses.subject.company': 'unified social credit code {masked}',
  'myAccesses.col.time': 'Time',
  'myAccesses.col.department': 'Department',
  'myAccesses.col.app': 'Application',
  'myAccesses.col.scenario': 'Scenario (应用场景)',
  'myAccesses.col.entry': 'Data resource',
  'myAccesses.col.action': 'Kind',
  'myAccesses.col.fields': 'Fields',
  'myAccesses.action.query': 'Query',
  'myAccesses.action.verify': 'Verification',
  'myAccesses.action.changes': 'Change feed',
  'myAccesses.action.export': 'Export',
  'myAccesses.empty': 'No accesses yet',
  'myAccesses.truncated': 'Only the latest 500 accesses are shown.',
  'myAccesses.unverified.title': 'Identity not verified yet',
  'myAccesses.account': 'Verification',
  'myAccesses.verified': 'Verified ({method}, {time})',
  'myAccesses.method.demo': 'demo',
  'myAccesses.method.admin': 'checked by an administrator',
};
