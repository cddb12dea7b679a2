import type { FastifyPluginAsync } from 'fastify';
import { AppError } from '../../platform/errors.js';
import type { PaymentService } from './payment-service.js';

/**
 * WeChat Pay notify callbacks. The body is kept raw: the signature is over the exact bytes WeChat sent.
 * WeChat expects 2xx (204) to stop retrying; any error answers 4xx/5xx with `{code, message}` and
 * WeChat retries later.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const wechatPayCallbackRoutes: FastifyPluginAsync<{ payments: PaymentService }> = async (app, { payments }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));

  const handler = async (req: { params: unknown; headers: Record<string, string | string[] | undefined>; body: unknown; log: { warn: (o: object, m: string) => void } }, reply: { status: (n: number) => { send: (b?: unknown) => unknown } }) => {
    const { shopId } = req.params as { shopId: string };
    try {
      if (!UUID.test(shopId)) throw new AppError(404, 'NOT_FOUND', 'Shop not found', { field: 'shopId' });
      await payments.handleNotification(shopId, req.headers, typeof req.body === 'string' ? req.body : '');
      return reply.status(204).send();
    } catch (err) {
      if (err instanceof AppError) {
        req.log.warn({ code: err.code, shopId }, 'payment notification refused');
        return reply.status(err.status).send({ code: 'FAIL', message: err.code, error: { code: err.code, message: err.message, details: err.details } });
      }
      throw err;
    }
  };
  const schema = { tags: ['payments'], summary: 'WeChat Pay v3 notification (signature-verified, AES-256-GCM)' };
  app.post('/api/pay/wechatpay/notify/:shopId', { schema }, handler as never);
  app.post('/api/pay/wechatpay/refund-notify/:shopId', { schema: { ...schema, summary: 'WeChat Pay v3 refund notification' } }, handler as never);
  app.post('/api/pay/wechatpay/transfer-notify/:shopId', { schema: { ...schema, summary: 'WeChat Pay v3 商家转账 notification (MCHTRANSFER.BILL.FINISHED)' } }, handler as never);
};
