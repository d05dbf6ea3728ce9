/**
 * Every user-facing server message, in zh-CN and English. Keys double as the stable `code`
 * of problem+json errors.
 */
export const messages = {
  // Generic HTTP problems
  validation: { 'zh-CN': '请求内容不符合要求', en: 'The request is not valid' },
  malformed_json: { 'zh-CN': '请求体不是有效的 JSON', en: 'The request body is not valid JSON' },
  unsupported_media_type: { 'zh-CN': '不支持的内容类型', en: 'Unsupported content type' },
  payload_too_large: {
    'zh-CN': '请求体过大（上限 {limit} 字节）',
    en: 'The request body is too large (limit {limit} bytes)',
  },
  unauthenticated: { 'zh-CN': '请先登录', en: 'Please sign in first' },
  forbidden: { 'zh-CN': '您没有执行此操作的权限', en: 'You are not allowed to do this' },
  csrf: {
    'zh-CN': '缺少或错误的 CSRF 令牌，请刷新页面后重试',
    en: 'Missing or wrong CSRF token; reload the page and try again',
  },
  not_found: { 'zh-CN': '资源不存在', en: 'Not found' },
  route_not_found: { 'zh-CN': '接口不存在：{method} {url}', en: 'No such endpoint: {method} {url}' },
  conflict: { 'zh-CN': '与现有数据冲突', en: 'Conflicts with existing data' },
  rate_limited: { 'zh-CN': '请求过于频繁，请稍后再试', en: 'Too many requests; try again later' },
  internal: { 'zh-CN': '服务器内部错误', en: 'Internal server error' },
  unavailable: { 'zh-CN': '服务暂不可用', en: 'Service unavailable' },
  // Validation detail
  unknown_property: { 'zh-CN': '不允许的属性：{property}', en: 'Unknown property: {property}' },
  required_property: { 'zh-CN': '缺少必填属性：{property}', en: 'Missing required property: {property}' },
} as const satisfies Record<string, { 'zh-CN': string; en: string }>;

export type MessageKey = keyof typeof messages;
