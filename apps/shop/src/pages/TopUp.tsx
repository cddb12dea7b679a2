import { Button, Skeleton, Toast } from 'antd-mobile';
import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Page } from '../components/Page';
import { Price } from '../components/Price';
import { EmptyState, ErrorState } from '../components/States';
import { TextInput } from '../components/TextInput';
import { ApiError, api, errorMessage, uuid } from '../lib/api';
import { money } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { payFor, resultPathOf, type StoredValueOffer } from '../lib/wallet';
import './wallet.css';

/** Yuan text → fen, or null when it is not an amount with at most 2 decimals. */
function yuanToFen(s: string): number | null {
  const m = /^(\d{1,7})(?:\.(\d{1,2}))?$/.exec(s.trim());
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

type Choice = { planId: string } | { custom: true };

/** 充值: plan tiles ("充100送20"), an amount of one's own when the shop allows it, the terms, then WeChat Pay. */
export default function TopUp() {
  const navigate = useNavigate();
  const offer = useLoad(() => api<StoredValueOffer>('GET', '/me/stored-value'), []);
  const [choice, setChoice] = useState<Choice | null>(null);
  const [amount, setAmount] = useState('');
  const [paying, setPaying] = useState(false);
  // One key per top-up attempt: a retry after a lost answer resumes the same top-up instead of charging twice.
  const attempt = useRef<{ key: string; what: string } | null>(null);

  const data = offer.data;
  useEffect(() => {
    if (data && !choice) setChoice(data.plans[0] ? { planId: data.plans[0].id } : data.customAmount ? { custom: true } : null);
  }, [data, choice]);

  const plan = choice && 'planId' in choice ? data?.plans.find((p) => p.id === choice.planId) : undefined;
  const custom = !!choice && 'custom' in choice;
  const customFen = custom ? yuanToFen(amount) : null;
  const range = data?.customAmount;
  const customError = custom && amount.trim() !== '' && range ? (customFen === null ? '请输入正确的金额,最多两位小数' : customFen < range.minFen || customFen > range.maxFen ? `可充值 ${money(range.minFen)} ~ ${money(range.maxFen)}` : null) : null;
  const payFen = plan ? plan.amountFen : customFen !== null && !customError ? customFen : null;

  const pay = async () => {
    if (paying || payFen === null) return;
    const body = plan ? { planId: plan.id } : { amountFen: payFen };
    const what = JSON.stringify(body);
    if (attempt.current?.what !== what) attempt.current = { key: uuid(), what };
    setPaying(true);
    try {
      const r = await payFor('topup', body, attempt.current.key);
      const next = resultPathOf('topup', r);
      if (next) navigate(next, { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 0) Toast.show({ icon: 'fail', content: '网络异常,请重试(不会重复扣款)' });
      else {
        Toast.show({ icon: 'fail', content: errorMessage(err) });
        // Refused (plan withdrawn, out of range): the next try is a new top-up.
        attempt.current = null;
        void offer.reload();
      }
    } finally {
      setPaying(false);
    }
  };

  return (
    <Page title="余额充值" back="/me/balance" actionbar testId="page-top-up">
      {offer.error && !data ? (
        <ErrorState error={offer.error} onRetry={offer.reload} />
      ) : !data ? (
        <div className="card">
          <Skeleton.Title animated />
          <Skeleton.Paragraph lineCount={4} animated />
        </div>
      ) : !data.enabled || (data.plans.length === 0 && !data.customAmount) ? (
        <EmptyState title="本店暂未开放充值" description="敬请期待" />
      ) : (
        <>
          <section className="card" aria-labelledby="topup-plans-title">
            <div className="row between">
              <h2 id="topup-plans-title" className="card-title pts-h">
                选择充值金额
              </h2>
              {data.account && <span className="small muted" data-testid="top-up-balance">当前余额 {money(data.account.balanceFen)}</span>}
            </div>
            <div className="topup-grid" role="radiogroup" aria-labelledby="topup-plans-title" data-testid="top-up-plans">
              {data.plans.map((p) => {
                const on = plan?.id === p.id;
                return (
                  <button
                    key={p.id}
                    type="button"
                    role="radio"
                    aria-checked={on}
                    className={on ? 'topup-tile on' : 'topup-tile'}
                    onClick={() => setChoice({ planId: p.id })}
                    data-testid="top-up-plan"
                    data-plan-id={p.id}
                  >
                    <span className="topup-amount">{money(p.amountFen)}</span>
                    {p.bonusFen > 0 ? <span className="topup-bonus">送 {money(p.bonusFen)}</span> : <span className="topup-bonus none">到账 {money(p.amountFen)}</span>}
                    <span className="topup-name ellipsis">{p.name}</span>
                  </button>
                );
              })}
              {data.customAmount && (
                <button type="button" role="radio" aria-checked={custom} className={custom ? 'topup-tile on' : 'topup-tile'} onClick={() => setChoice({ custom: true })} data-testid="top-up-custom">
                  <span className="topup-amount small-text">其他金额</span>
                  <span className="topup-bonus none">自定义</span>
                </button>
              )}
            </div>
            {custom && range && (
              <div className="topup-custom">
                <label htmlFor="topup-custom-amount">充值金额(元)</label>
                <TextInput
                  id="topup-custom-amount"
                  inputMode="decimal"
                  placeholder={`${money(range.minFen)} ~ ${money(range.maxFen)}`}
                  value={amount}
                  onChange={(e) => setAmount(e.target.value.replace(/[^\d.]/g, ''))}
                  aria-invalid={!!customError}
                  aria-describedby="topup-custom-error"
                  data-testid="top-up-amount"
                />
                <p id="topup-custom-error" className="problem small" role={customError ? 'alert' : undefined}>
                  {customError ?? ''}
                </p>
              </div>
            )}
          </section>

          <section className="card" aria-labelledby="topup-terms-title">
            <h2 id="topup-terms-title" className="card-title pts-h">
              储值说明
            </h2>
            <ul className="topup-terms">
              <li>充值本金与赠送金额合并为余额,下单时可开启“余额支付”抵扣</li>
              <li>退款时按支付比例退回本金和赠送金额</li>
            </ul>
            {data.terms && (
              <div className="topup-terms-text" data-testid="top-up-terms">
                {data.terms}
              </div>
            )}
          </section>

          <div className="fixed-bottom actionbar" role="toolbar" aria-label="充值">
            <div className="grow">
              {payFen !== null ? (
                <>
                  <span className="small">支付 </span>
                  <Price fen={payFen} size="md" testId="top-up-pay-amount" />
                  {plan && plan.bonusFen > 0 && <span className="small muted"> 到账 {money(plan.amountFen + plan.bonusFen)}</span>}
                </>
              ) : (
                <span className="small muted">{custom ? '请输入充值金额' : '请选择充值金额'}</span>
              )}
            </div>
            <Button color="primary" className="btn-round" style={{ minWidth: 120 }} loading={paying} disabled={payFen === null || paying} onClick={pay} data-testid="top-up-pay">
              立即充值
            </Button>
          </div>
        </>
      )}
    </Page>
  );
}
