/**
 * The console's navigation and the permission each entry needs (null: every signed-in user).
 * Pure data without imports, so the browser tests can derive each role's expected menu from it
 * and from the server's ROLE_PERMISSIONS table.
 */
export interface NavEntry {
  key:
    | 'home'
    | 'catalog'
    | 'catalogReview'
    | 'catalogImport'
    | 'standards'
    | 'orgs'
    | 'users'
    | 'apps'
    | 'share'
    | 'demands'
    | 'objections'
    | 'scorecards'
    | 'registry'
    | 'crosschecks'
    | 'audit'
    | 'myAccesses'
    | 'openApplications'
    | 'products'
    | 'myOpening'
    | 'profile';
  path: string;
  testId: string;
  permission: string | null;
  /** A heading the menu shows the entry under (its entries are contiguous in NAV). */
  group?: 'governance';
}

export const NAV: readonly NavEntry[] = [
  { key: 'home', path: '/', testId: 'nav-home', permission: null },
  // Searching the catalog is public; every signed-in user browses what the visibility rule allows.
  { key: 'catalog', path: '/catalog', testId: 'nav-catalog', permission: null },
  {
    key: 'catalogReview',
    path: '/catalog/review',
    testId: 'nav-catalog-review',
    permission: 'catalog.review',
  },
  {
    key: 'catalogImport',
    path: '/catalog/import',
    testId: 'nav-catalog-import',
    permission: 'catalog.write',
  },
  { key: 'standards', path: '/standards', testId: 'nav-standards', permission: 'standards.read' },
  { key: 'orgs', path: '/orgs', testId: 'nav-orgs', permission: 'org.manage' },
  { key: 'users', path: '/users', testId: 'nav-users', permission: 'user.read' },
  { key: 'apps', path: '/apps', testId: 'nav-apps', permission: 'app.read' },
  // 共享: requests and grants; every staff role reads those of its organisation.
  { key: 'share', path: '/share', testId: 'nav-share', permission: 'share.read' },
  // 供需对接: the demand board (posting needs share.request; reading, share.read).
  { key: 'demands', path: '/share/demands', testId: 'nav-demands', permission: 'share.read' },
  // 治理 (governance): objections to records and the department scorecards are read by every staff
  // role (dataset.read); the 一数一源 registry and the cross-checks are the platform's.
  {
    key: 'objections',
    path: '/governance/objections',
    testId: 'nav-objections',
    permission: 'dataset.read',
    group: 'governance',
  },
  {
    key: 'scorecards',
    path: '/governance/scorecards',
    testId: 'nav-scorecards',
    permission: 'dataset.read',
    group: 'governance',
  },
  {
    key: 'registry',
    path: '/governance/items',
    testId: 'nav-registry',
    permission: 'governance.manage',
    group: 'governance',
  },
  {
    key: 'crosschecks',
    path: '/governance/crosschecks',
    testId: 'nav-crosschecks',
    permission: 'governance.manage',
    group: 'governance',
  },
  { key: 'audit', path: '/audit', testId: 'nav-audit', permission: 'audit.read' },
  // 我的数据访问记录: a public user's own accesses (citizens and companies).
  { key: 'myAccesses', path: '/my/accesses', testId: 'nav-my-accesses', permission: 'public.self' },
  // 开放: conditional-open applications to decide (provider approvers, the platform), data
  // products (their providers), and a public user's own applications and subscriptions.
  {
    key: 'openApplications',
    path: '/opening/applications',
    testId: 'nav-open-applications',
    permission: 'share.read',
  },
  { key: 'products', path: '/opening/products', testId: 'nav-products', permission: 'share.read' },
  { key: 'myOpening', path: '/opening/mine', testId: 'nav-my-opening', permission: 'open.apply' },
  { key: 'profile', path: '/profile', testId: 'nav-profile', permission: null },
];

export function navFor(permissions: readonly string[]): NavEntry[] {
  return NAV.filter((e) => e.permission === null || permissions.includes(e.permission));
}

export function navEntry(key: NavEntry['key']): NavEntry {
  const entry = NAV.find((e) => e.key === key);
  if (!entry) throw new Error(`no nav entry ${key}`);
  return entry;
}
