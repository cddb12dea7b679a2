import { Button, PullToRefresh, Skeleton, Toast } from 'antd-mobile';
import { useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Page } from '../components/Page';
import { Price } from '../components/Price';
import { EmptyState, ErrorState } from '../components/States';
import { ApiError, api, errorMessage, uuid } from '../lib/api';
import { useLoad } from '../lib/hooks';
import { shanghaiDate } from './Points';
import { cardBenefits, payFor, periodText, resultPathOf, type CardPlan, type MyCard } from '../lib/wallet';
import './wallet.css';

/** 付费会员卡: my card and when it ends, the cards on sale with their benefits, buy or renew through WeChat Pay. */
export default function PaidCard() {
  const navigate = useNavigate();
  const load = useLoad(() => api<{ card: MyCard | null; plans: CardPlan[] }>('GET', '/me/member-card'), []);
  const [buying, setBuying] = useState<string | null>(null);
  // One key per plan per visit: a retry after a lost answer resumes the same purchase.
  const keys = useRef(new Map<string, string>());
  const data = load.data;
  const card = data?.card ?? null;
  const live = card?.active ? card : null;

  const buy = async (p: CardPlan) => {
    if (buying) return;
    const key = keys.current.get(p.id) ?? uuid();
    keys.current.set(p.id, key);
    setBuying(p.id);
    try {
      const r = await payFor('card', { planId: p.id }, key);
      const next = resultPathOf('card', r);
      if (next) navigate(next, { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 0) Toast.show({ icon: 'fail', content: '网络异常,请重试(不会重复扣款)' });
      else {
        Toast.show({ icon: 'fail', content: errorMessage(err) });
        keys.current.delete(p.id);
        void load.reload();
      }
    } finally {
      setBuying(null);
    }
  };

  return (
    <Page title="付费会员卡" back="/me" testId="page-paid-card">
      <PullToRefresh onRefresh={load.reload}>
        {load.error && !data ? (
          <ErrorState error={load.error} onRetry={load.reload} />
        ) : !data ? (
          <div className="card">
            <Skeleton.Title animated />
            <Skeleton.Paragraph lineCount={4} animated />
          </div>
        ) : (
          <>
            <section className={live ? 'paid-card on' : 'paid-card'} aria-label="我的会员卡" data-testid="paid-card-mine">
              {live ? (
                <>
                  <div className="paid-card-name" data-testid="paid-card-name">
                    {live.name}
                  </div>
                  <div className="paid-card-expiry" data-testid="paid-card-expiry">
                    有效期至 {shanghaiDate(live.expiresAt)}
                  </div>
                  <div className="paid-card-left" data-testid="paid-card-days-left">
                    剩余 <strong>{live.daysLeft}</strong> 天
                  </div>
                </>
              ) : (
                <>
                  <div className="paid-card-name">{card ? `${card.name} 已过期` : '尚未开通会员卡'}</div>
                  <div className="paid-card-expiry">{card ? `已于 ${shanghaiDate(card.expiresAt)} 到期,续费即可恢复权益` : '开通后立享会员折扣、包邮等专属权益'}</div>
                </>
              )}
            </section>

            {data.plans.length === 0 ? (
              <EmptyState title="本店暂未发售会员卡" description="敬请期待" />
            ) : (
              <section aria-labelledby="paid-card-plans-title">
                <h2 id="paid-card-plans-title" className="paid-card-h">
                  {live ? '续费或升级' : '选择会员卡'}
                </h2>
                <ul className="plain-list" data-testid="paid-card-plans">
                  {data.plans.map((p) => {
                    const renew = live?.planId === p.id;
                    const benefits = cardBenefits(p);
                    const action = renew ? '立即续费' : live ? '开通此卡' : '立即开通';
                    return (
                      <li key={p.id} className="card paid-plan" data-testid="paid-card-plan" data-plan-id={p.id}>
                        <div className="row between" style={{ alignItems: 'flex-start', gap: 8 }}>
                          <div style={{ minWidth: 0 }}>
                            <h3 className="paid-plan-name">
                              {p.name}
                              {renew && <span className="member-current-tag">当前</span>}
                            </h3>
                            <div className="small muted">{periodText(p)}</div>
                          </div>
                          <Price fen={p.priceFen} size="md" />
                        </div>
                        {benefits.length > 0 && (
                          <div className="paid-plan-benefits">
                            {benefits.map((b) => (
                              <span key={b} className="member-benefit">
                                {b}
                              </span>
                            ))}
                          </div>
                        )}
                        {p.description && <p className="small muted paid-plan-desc">{p.description}</p>}
                        <Button
                          block
                          color="primary"
                          className="btn-round"
                          loading={buying === p.id}
                          disabled={!!buying}
                          onClick={() => void buy(p)}
                          aria-label={`${action} ${p.name}`}
                          data-testid="paid-card-buy"
                        >
                          {action}
                        </Button>
                      </li>
                    );
                  })}
                </ul>
                <p className="small muted center-pad" style={{ textAlign: 'left' }}>
                  续费在当前到期日基础上顺延;开通其他卡时,剩余天数保留并按新卡享受权益。
                </p>
              </section>
            )}
          </>
        )}
      </PullToRefresh>
    </Page>
  );
}
