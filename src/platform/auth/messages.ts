/** Problems raised while authenticating a request (zh-CN and English). */
export const authMessages = {
  signature_invalid: {
    'zh-CN': '请求签名无效，或应用凭证不存在、已过期、已吊销',
    en: 'The request signature is invalid, or the credential is unknown, expired or revoked',
  },
  signature_expired: {
    'zh-CN': '请求时间戳与服务器时间相差超过 {maxSkew} 秒',
    en: 'The request timestamp is more than {maxSkew} s away from the server clock',
  },
  signature_replayed: {
    'zh-CN': '该请求随机数（nonce）已使用过，请求被拒绝',
    en: 'This request nonce was used before; the request is refused',
  },
} as const;
