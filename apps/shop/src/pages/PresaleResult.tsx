import { PaymentResult, type PaymentFlow } from '../components/PaymentResult';
import { Price } from '../components/Price';
import { api } from '../lib/api';
import { depositResultPath, monthDay, payDeposit, pendingDeposit, type PendingDeposit, type PresaleOrder } from '../lib/presale';
import { SubscribeAsk } from './messages/SubscribeHooks';
import './sales.css';

const flow: PaymentFlow<PresaleOrder, PendingDeposit> = {
  saved: () => pendingDeposit.get(),
  load: (id) => api<PresaleOrder>('GET', `/me/presale-orders/${id}`, { query: { sync: true } }),
  // Every later step (balance ordered, completed, forfeited, refunded) means the deposit itself went through.
  settlement: (o) => (o.status === 'pending_deposit' ? 'pending' : o.status === 'closed' ? 'closed' : 'paid'),
  resume: async (s) => depositResultPath(await payDeposit(s.activityId, s.body, s.key)),
};

/** Back from WeChat Pay after paying a deposit. */
export default function PresaleResult() {
  return (
    <PaymentResult
      title="定金支付结果"
      testId="presale"
      back={{ to: '/me/presales', label: '我的预售', testId: 'presale-view-mine' }}
      flow={flow}
      texts={{ missing: ['没有找到定金记录', '可在“我的预售”中查看'], paid: '定金支付成功', closed: ['定金已关闭', '超时未支付,本次定金已关闭,未扣款'], cancelled: '定金保留 15 分钟,可以重新支付' }}
      paid={(order) => (
        <div>
          <div>
            已付定金 <Price fen={order.depositFen} size="md" /> <span className="presale-note">{order.label}</span>
          </div>
          {order.activity && (
            <div style={{ marginTop: 6 }}>
              请在 {monthDay(order.activity.balanceStartsAt)} – {monthDay(order.activity.balanceEndsAt)} 支付尾款,尾款开始时会提醒你
            </div>
          )}
          {order.status === 'deposit_paid' && <SubscribeAsk topics={['presale_balance_due']} />}
        </div>
      )}
    />
  );
}
