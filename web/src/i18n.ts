import type { Lang, OrgKind, Role } from './types';
import { catalogZhCN } from './features/catalog/messages';
import { catalogEn } from './features/catalog/messages-en';
import { datasetsZhCN } from './features/datasets/messages';
import { datasetsEn } from './features/datasets/messages-en';
import { qualityZhCN } from './features/datasets/quality-messages';
import { qualityEn } from './features/datasets/quality-messages-en';
import { openZhCN } from './features/datasets/open-messages';
import { openEn } from './features/datasets/open-messages-en';
import { sharingZhCN } from './features/sharing/messages';
import { sharingEn } from './features/sharing/messages-en';
import { governanceZhCN } from './features/governance/messages';
import { governanceEn } from './features/governance/messages-en';
import { registryZhCN } from './features/governance/registry-messages';
import { registryEn } from './features/governance/registry-messages-en';
import { publicZhCN } from './features/public/messages';
import { publicEn } from './features/public/messages-en';
import { openingZhCN } from './features/opening/messages';
import { openingEn } from './features/opening/messages-en';
import { portalZhCN } from './features/portal/messages';
import { portalEn } from './features/portal/messages-en';

/** The UI's message catalog. zh-CN is the reference; English must cover every key. */
const zhCN = {
  'app.name': '数通 Datong',
  'app.tagline': '一体化政务数据平台',
  'lang.switch': 'English',
  'common.create': '新建',
  'common.edit': '编辑',
  'common.save': '保存',
  'common.cancel': '取消',
  'common.ok': '确定',
  'common.actions': '操作',
  'common.loadMore': '加载更多',
  'common.noMore': '没有更多了',
  'common.refresh': '刷新',
  'common.search': '搜索',
  'common.saved': '已保存',
  'common.required': '必填',
  'common.yes': '是',
  'common.no': '否',
  'common.loadFailed': '加载失败',
  'common.copy': '复制',
  'common.none': '无',
  'nav.home': '工作台',
  'nav.orgs': '组织机构',
  'nav.users': '用户管理',
  'nav.apps': '应用管理',
  'nav.audit': '审计日志',
  'nav.profile': '个人中心',
  'header.logout': '退出登录',
  'forbidden.title': '403',
  'forbidden.subtitle': '您没有访问此页面的权限。',
  'notFound.subtitle': '页面不存在。',
  'back.home': '返回工作台',
  'login.title': '登录',
  'login.username': '用户名',
  'login.password': '密码',
  'login.submit': '登录',
  'home.welcome': '欢迎，{name}',
  'home.org': '所属机构',
  'home.roles': '我的角色',
  'home.node': '本节点',
  'home.node.code': '节点编码',
  'home.node.name': '节点名称',
  'home.node.level': '层级',
  'home.node.suite': '密码套件',
  'home.node.publicKey': '公钥',
  'home.quick': '快捷入口',
  'orgs.title': '组织机构',
  'orgs.create': '新建机构',
  'orgs.edit': '编辑机构',
  'orgs.name': '名称',
  'orgs.uscc': '统一社会信用代码',
  'orgs.uscc.invalid': '统一社会信用代码无效（需 18 位，校验码正确）',
  'orgs.regionCode': '行政区划代码',
  'orgs.regionCode.invalid': '行政区划代码为 6 位数字',
  'orgs.kind': '类型',
  'orgs.parent': '上级机构',
  'orgs.createdAt': '创建时间',
  'orgs.created': '机构已创建',
  'users.title': '用户管理',
  'users.create': '新建用户',
  'users.username': '用户名',
  'users.displayName': '姓名',
  'users.password': '初始密码',
  'users.org': '所属机构',
  'users.roles': '角色',
  'users.status': '状态',
  'users.status.active': '正常',
  'users.status.locked': '已锁定',
  'users.status.disabled': '已停用',
  'users.lastLogin': '最近登录',
  'users.assignRoles': '分配角色',
  'users.unlock': '解锁',
  'users.disable': '停用',
  'users.enable': '启用',
  'users.created': '用户已创建',
  'users.rolesSaved': '角色已更新',
  'users.unlocked': '已解锁',
  'users.search': '用户名或姓名',
  'users.filterOrg': '按机构筛选',
  'users.officerHint': '三员（系统管理员、安全管理员、审计管理员）互斥，不能由同一账号兼任。',
  'apps.title': '应用管理',
  'apps.create': '新建应用',
  'apps.name': '应用名称',
  'apps.description': '说明',
  'apps.org': '所属机构',
  'apps.createdAt': '创建时间',
  'apps.created': '应用已创建',
  'apps.credentials': '凭据',
  'apps.credentials.of': '{name} 的凭据',
  'apps.credential.create': '新建凭据',
  'apps.credential.expiresInDays': '有效期（天，留空为不过期）',
  'apps.credential.keyId': 'Key ID',
  'apps.credential.secret': 'Secret',
  'apps.credential.createdAt': '创建时间',
  'apps.credential.expiresAt': '过期时间',
  'apps.credential.lastUsedAt': '最近使用',
  'apps.credential.status': '状态',
  'apps.credential.active': '有效',
  'apps.credential.revoked': '已吊销',
  'apps.credential.expired': '已过期',
  'apps.credential.revoke': '吊销',
  'apps.credential.revokeConfirm': '吊销后使用该凭据的调用将被拒绝，确定吊销？',
  'apps.credential.revokedMsg': '凭据已吊销',
  'apps.credential.secretTitle': '新凭据',
  'apps.credential.secretWarning': 'Secret 只显示这一次，关闭后无法再次查看。请立即复制并妥善保存。',
  'apps.credential.done': '我已保存',
  'audit.title': '审计日志',
  'audit.verify': '账本验证',
  'audit.verify.run': '重新验证',
  'audit.verify.ok': '已验证',
  'audit.verify.failed': '验证失败',
  'audit.verify.running': '验证中…',
  'audit.verify.treeSize': '树大小',
  'audit.verify.events': '已校验事件',
  'audit.verify.checkpoints': '检查点数',
  'audit.verify.at': '验证时间',
  'audit.verify.duration': '耗时',
  'audit.verify.firstBad': '首个异常位置',
  'audit.verify.noPermission': '您没有验证账本的权限。',
  'audit.checkpoint': '最新检查点',
  'audit.checkpoint.treeSize': '树大小',
  'audit.checkpoint.rootHash': '根哈希',
  'audit.checkpoint.algorithm': '签名算法',
  'audit.checkpoint.keyId': '签名密钥',
  'audit.checkpoint.time': '签署时间',
  'audit.checkpoint.none': '尚无检查点',
  'audit.events': '审计事件',
  'audit.seq': '序号',
  'audit.time': '时间',
  'audit.actor': '操作者',
  'audit.action': '动作',
  'audit.object': '对象',
  'audit.result': '结果',
  'audit.ip': 'IP',
  'audit.requestId': '请求 ID',
  'audit.filter.action': '按动作筛选，如 auth.login',
  'audit.filter.actor': '按操作者筛选',
  'audit.result.success': '成功',
  'audit.result.failure': '失败',
  'audit.result.denied': '拒绝',
  'profile.title': '个人中心',
  'profile.info': '基本信息',
  'profile.displayName': '姓名',
  'profile.username': '用户名',
  'profile.org': '所属机构',
  'profile.roles': '角色',
  'profile.password': '修改密码',
  'profile.currentPassword': '当前密码',
  'profile.newPassword': '新密码',
  'profile.confirmPassword': '确认新密码',
  'profile.passwordMismatch': '两次输入的新密码不一致',
  'profile.passwordChanged': '密码已修改',
  ...catalogZhCN,
  ...datasetsZhCN,
  ...qualityZhCN,
  ...openZhCN,
  ...sharingZhCN,
  ...governanceZhCN,
  ...registryZhCN,
  ...publicZhCN,
  ...openingZhCN,
  ...portalZhCN,
} as const;

export type MessageKey = keyof typeof zhCN;

const en: Record<MessageKey, string> = {
  'app.name': 'Datong',
  'app.tagline': 'Integrated government data platform',
  'lang.switch': '中文',
  'common.create': 'New',
  'common.edit': 'Edit',
  'common.save': 'Save',
  'common.cancel': 'Cancel',
  'common.ok': 'OK',
  'common.actions': 'Actions',
  'common.loadMore': 'Load more',
  'common.noMore': 'No more',
  'common.refresh': 'Refresh',
  'common.search': 'Search',
  'common.saved': 'Saved',
  'common.required': 'Required',
  'common.yes': 'Yes',
  'common.no': 'No',
  'common.loadFailed': 'Failed to load',
  'common.copy': 'Copy',
  'common.none': 'None',
  'nav.home': 'Home (工作台)',
  'nav.orgs': 'Organisations (组织机构)',
  'nav.users': 'Users (用户管理)',
  'nav.apps': 'Apps (应用管理)',
  'nav.audit': 'Audit log (审计日志)',
  'nav.profile': 'Profile (个人中心)',
  'header.logout': 'Sign out',
  'forbidden.title': '403',
  'forbidden.subtitle': 'You do not have permission to open this page.',
  'notFound.subtitle': 'Page not found.',
  'back.home': 'Back to home',
  'login.title': 'Sign in',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'home.welcome': 'Welcome, {name}',
  'home.org': 'Organisation',
  'home.roles': 'My roles',
  'home.node': 'This node',
  'home.node.code': 'Node code',
  'home.node.name': 'Node name',
  'home.node.level': 'Level',
  'home.node.suite': 'Crypto suite',
  'home.node.publicKey': 'Public key',
  'home.quick': 'Shortcuts',
  'orgs.title': 'Organisations (组织机构)',
  'orgs.create': 'New organisation',
  'orgs.edit': 'Edit organisation',
  'orgs.name': 'Name',
  'orgs.uscc': 'Unified social credit code (统一社会信用代码)',
  'orgs.uscc.invalid': 'Invalid unified social credit code (18 characters with a valid check character)',
  'orgs.regionCode': 'Region code (行政区划代码)',
  'orgs.regionCode.invalid': 'The region code is 6 digits',
  'orgs.kind': 'Kind',
  'orgs.parent': 'Parent organisation',
  'orgs.createdAt': 'Created',
  'orgs.created': 'Organisation created',
  'users.title': 'Users (用户管理)',
  'users.create': 'New user',
  'users.username': 'Username',
  'users.displayName': 'Name',
  'users.password': 'Initial password',
  'users.org': 'Organisation',
  'users.roles': 'Roles',
  'users.status': 'Status',
  'users.status.active': 'Active',
  'users.status.locked': 'Locked',
  'users.status.disabled': 'Disabled',
  'users.lastLogin': 'Last sign-in',
  'users.assignRoles': 'Assign roles (分配角色)',
  'users.unlock': 'Unlock',
  'users.disable': 'Disable',
  'users.enable': 'Enable',
  'users.created': 'User created',
  'users.rolesSaved': 'Roles updated',
  'users.unlocked': 'Unlocked',
  'users.search': 'Username or name',
  'users.filterOrg': 'Filter by organisation',
  'users.officerHint':
    'The three officers (三员: system, security and audit administrator) are exclusive: no account may hold two of them.',
  'apps.title': 'Apps (应用管理)',
  'apps.create': 'New app',
  'apps.name': 'App name',
  'apps.description': 'Description',
  'apps.org': 'Organisation',
  'apps.createdAt': 'Created',
  'apps.created': 'App created',
  'apps.credentials': 'Credentials',
  'apps.credentials.of': 'Credentials of {name}',
  'apps.credential.create': 'New credential',
  'apps.credential.expiresInDays': 'Valid for (days; empty = never expires)',
  'apps.credential.keyId': 'Key ID',
  'apps.credential.secret': 'Secret',
  'apps.credential.createdAt': 'Created',
  'apps.credential.expiresAt': 'Expires',
  'apps.credential.lastUsedAt': 'Last used',
  'apps.credential.status': 'Status',
  'apps.credential.active': 'Active',
  'apps.credential.revoked': 'Revoked',
  'apps.credential.expired': 'Expired',
  'apps.credential.revoke': 'Revoke',
  'apps.credential.revokeConfirm': 'Calls signed with this credential will be refused. Revoke it?',
  'apps.credential.revokedMsg': 'Credential revoked',
  'apps.credential.secretTitle': 'New credential',
  'apps.credential.secretWarning':
    'The secret is shown only this once and cannot be displayed again. Copy it now and keep it safe.',
  'apps.credential.done': 'I have saved it',
  'audit.title': 'Audit log (审计日志)',
  'audit.verify': 'Ledger verification',
  'audit.verify.run': 'Verify again',
  'audit.verify.ok': 'Verified',
  'audit.verify.failed': 'Verification failed',
  'audit.verify.running': 'Verifying…',
  'audit.verify.treeSize': 'Tree size',
  'audit.verify.events': 'Events checked',
  'audit.verify.checkpoints': 'Checkpoints',
  'audit.verify.at': 'Verified at',
  'audit.verify.duration': 'Duration',
  'audit.verify.firstBad': 'First bad position',
  'audit.verify.noPermission': 'You may not verify the ledger.',
  'audit.checkpoint': 'Latest checkpoint',
  'audit.checkpoint.treeSize': 'Tree size',
  'audit.checkpoint.rootHash': 'Root hash',
  'audit.checkpoint.algorithm': 'Signature algorithm',
  'audit.checkpoint.keyId': 'Signing key',
  'audit.checkpoint.time': 'Signed at',
  'audit.checkpoint.none': 'No checkpoint yet',
  'audit.events': 'Audit events',
  'audit.seq': 'Seq',
  'audit.time': 'Time',
  'audit.actor': 'Actor',
  'audit.action': 'Action',
  'audit.object': 'Object',
  'audit.result': 'Result',
  'audit.ip': 'IP',
  'audit.requestId': 'Request ID',
  'audit.filter.action': 'Filter by action, e.g. auth.login',
  'audit.filter.actor': 'Filter by actor',
  'audit.result.success': 'Success',
  'audit.result.failure': 'Failure',
  'audit.result.denied': 'Denied',
  'profile.title': 'Profile (个人中心)',
  'profile.info': 'Profile',
  'profile.displayName': 'Name',
  'profile.username': 'Username',
  'profile.org': 'Organisation',
  'profile.roles': 'Roles',
  'profile.password': 'Change password',
  'profile.currentPassword': 'Current password',
  'profile.newPassword': 'New password',
  'profile.confirmPassword': 'Confirm new password',
  'profile.passwordMismatch': 'The two new passwords differ',
  'profile.passwordChanged': 'Password changed',
  ...catalogEn,
  ...datasetsEn,
  ...qualityEn,
  ...openEn,
  ...sharingEn,
  ...governanceEn,
  ...registryEn,
  ...publicEn,
  ...openingEn,
  ...portalEn,
};

const catalogs: Record<Lang, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };

/** Domain terms keep their Chinese names; English adds a gloss. */
const roleNames: Record<Role, Record<Lang, string>> = {
  sysadmin: { 'zh-CN': '系统管理员', en: '系统管理员 System administrator' },
  secadmin: { 'zh-CN': '安全管理员', en: '安全管理员 Security administrator' },
  auditor: { 'zh-CN': '审计管理员', en: '审计管理员 Audit administrator' },
  org_admin: { 'zh-CN': '机构管理员', en: '机构管理员 Organisation administrator' },
  data_steward: { 'zh-CN': '数据管理员', en: '数据管理员 Data steward' },
  approver: { 'zh-CN': '审核人', en: '审核人 Approver' },
  developer: { 'zh-CN': '开发者', en: '开发者 Developer' },
  member: { 'zh-CN': '成员', en: '成员 Member' },
  public_user: { 'zh-CN': '公众用户', en: '公众用户 Public user' },
};

const orgKindNames: Record<OrgKind, Record<Lang, string>> = {
  government: { 'zh-CN': '政府部门', en: 'Government department' },
  institution: { 'zh-CN': '事业单位', en: 'Public institution' },
  company: { 'zh-CN': '企业', en: 'Company' },
  other: { 'zh-CN': '其他', en: 'Other' },
};

export type Params = Record<string, string | number>;

export function translate(lang: Lang, key: MessageKey, params?: Params): string {
  const text = catalogs[lang][key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

export const roleName = (lang: Lang, role: Role): string => roleNames[role][lang];
export const orgKindName = (lang: Lang, kind: OrgKind): string => orgKindNames[kind][lang];

const STORAGE_KEY = 'datong.lang';

export function storedLang(): Lang {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh-CN';
  } catch {
    return 'zh-CN';
  }
}

/** Whether this browser has ever chosen a language (otherwise the account's preference applies). */
export function hasStoredLang(): boolean {
  try {
    return localStorage.getItem(STORAGE_KEY) !== null;
  } catch {
    return false;
  }
}

let activeLang: Lang = typeof localStorage === 'undefined' ? 'zh-CN' : storedLang();

/** The language API calls ask for (Accept-Language), kept in step with the UI. */
export function currentLang(): Lang {
  return activeLang;
}

export function setActiveLang(lang: Lang, persist = true): void {
  activeLang = lang;
  document.documentElement.lang = lang;
  if (!persist) return;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
}
