import { PaymentResult, type PaymentFlow } from '../components/PaymentResult';
import { Price } from '../components/Price';
import { getPurchase, payFor, pending, resultPathOf, type Pending } from '../lib/wallet';
import { shanghaiDate } from './Points';
import './wallet.css';

const flow: PaymentFlow<Awaited<ReturnType<typeof getPurchase>>, Pending> = {
  saved: () => pending.get('card'),
  load: getPurchase,
  settlement: (p) => p.status,
  resume: async (s) => resultPathOf('card', await payFor('card', s.body, s.key)),
};

/** Back from WeChat Pay after buying or renewing a card. */
export default function PaidCardResult() {
  return (
    <PaymentResult
      title="开通结果"
      testId="card"
      back={{ to: '/me/card', label: '查看会员卡', testId: 'card-view' }}
      flow={flow}
      texts={{ missing: ['没有找到购买记录', '可在“付费会员卡”页查看我的会员卡'], paid: '开通成功', closed: ['订单已关闭', '超时未支付,本次购买已关闭,未扣款'], cancelled: '可以重新支付完成开通' }}
      paid={(purchase) => (
        <div className="topup-result-desc">
          <div>
            实付 <Price fen={purchase.priceFen} size="md" />
          </div>
          {purchase.card && (
            <div style={{ marginTop: 6 }} data-testid="card-result-expiry">
              {purchase.card.name} 有效期至 <strong>{shanghaiDate(purchase.card.expiresAt)}</strong>
            </div>
          )}
        </div>
      )}
    />
  );
}
