/** Chinese messages for stable error codes. English comes from the error itself. */
const ZH: Record<string, string> = {
  VALIDATION_FAILED: '请求参数有误',
  INVALID_JSON: '请求体不是合法的 JSON',
  PAYLOAD_TOO_LARGE: '请求内容过大',
  UNSUPPORTED_MEDIA_TYPE: '不支持的内容类型',
  NOT_FOUND: '找不到该资源',
  ROUTE_NOT_FOUND: '接口不存在',
  UNAUTHENTICATED: '请先登录',
  SESSION_EXPIRED: '登录已过期,请重新登录',
  INVALID_CREDENTIALS: '账号或密码错误',
  ACCOUNT_LOCKED: '登录失败次数过多,账号已临时锁定',
  ACCOUNT_DISABLED: '账号已停用',
  FORBIDDEN: '没有权限执行此操作',
  CSRF_INVALID: '页面已过期,请刷新后重试',
  RATE_LIMITED: '操作太频繁,请稍后再试',
  INTERNAL: '服务器开小差了,请稍后再试',
  IDEMPOTENCY_IN_PROGRESS: '相同的请求正在处理中',
  IDEMPOTENCY_KEY_REUSED: '幂等键已被其他请求使用',
  STOCK_INSUFFICIENT: '库存不足',
  SKU_NOT_FOUND: '商品规格不存在',
  PRODUCT_NOT_ON_SALE: '商品未上架',
  ORDER_STATE_INVALID: '订单当前状态不允许此操作',
  SMS_TOO_FREQUENT: '验证码发送太频繁,请稍后再试',
  SMS_CODE_INVALID: '验证码错误',
  SMS_CODE_EXPIRED: '验证码已过期,请重新获取',
  SMS_TOO_MANY_ATTEMPTS: '验证码错误次数过多,请重新获取',
  PAYMENT_SIGNATURE_INVALID: '支付通知签名校验失败',
  PAYMENT_AMOUNT_MISMATCH: '支付金额与订单不符',
  REFUND_AMOUNT_INVALID: '退款金额不正确',
  SHOP_SLUG_TAKEN: '店铺地址已被占用',
  LOGIN_TAKEN: '登录名已被使用',
  PICKUP_CODE_INVALID: '提货码无效',
  IMPORT_FILE_INVALID: '导入文件格式不正确',
};

export function localize(code: string, english: string, acceptLanguage?: string): string {
  const wantsZh = !acceptLanguage || /^zh|[,;\s]zh/i.test(acceptLanguage) && !/^en/i.test(acceptLanguage);
  return wantsZh ? (ZH[code] ?? english) : english;
}
