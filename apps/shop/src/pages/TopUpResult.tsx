import { PaymentResult, type PaymentFlow } from '../components/PaymentResult';
import { Price } from '../components/Price';
import { api } from '../lib/api';
import { money } from '../lib/format';
import { getTopup, payFor, pending, resultPathOf, type Pending, type Topup } from '../lib/wallet';
import './wallet.css';

const flow: PaymentFlow<Awaited<ReturnType<typeof getTopup>>, Pending> = {
  saved: () => pending.get('topup'),
  // Without storage (or on another device) the newest top-up is most likely the one just paid.
  findLatest: async () => (await api<{ items: Topup[] }>('GET', '/me/stored-value/topups')).items[0]?.id ?? null,
  load: getTopup,
  settlement: (t) => t.status,
  resume: async (s) => resultPathOf('topup', await payFor('topup', s.body, s.key)),
};

/** Back from WeChat Pay after a top-up. */
export default function TopUpResult() {
  return (
    <PaymentResult
      title="充值结果"
      testId="top-up"
      back={{ to: '/me/balance', label: '查看余额', testId: 'top-up-view-balance' }}
      restart="/me/balance/top-up"
      flow={flow}
      subject="充值"
      texts={{ missing: ['没有找到充值记录', '可在“我的余额”中查看余额明细'], paid: '充值成功', closed: ['充值已关闭', '超时未支付,本次充值已关闭,未扣款'], cancelled: '可以重新支付完成充值' }}
      paid={(topup) => (
        <div className="topup-result-desc">
          <div>
            到账 <Price fen={topup.amountFen + topup.bonusFen} size="md" testId="top-up-credited" />
            {topup.bonusFen > 0 && <span className="small">(含赠送 {money(topup.bonusFen)})</span>}
          </div>
          <div style={{ marginTop: 6 }}>
            当前余额 <strong data-testid="top-up-new-balance">{money(topup.account.balanceFen)}</strong>
          </div>
        </div>
      )}
    />
  );
}
