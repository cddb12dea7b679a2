import { Button, PullToRefresh, Skeleton } from 'antd-mobile';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { Page } from '../components/Page';
import { ErrorState } from '../components/States';
import { api } from '../lib/api';
import { dateTime, money, yuan } from '../lib/format';
import { toastError, useLoad } from '../lib/hooks';
import type { BalancePosting, StoredValueOffer } from '../lib/wallet';
import './wallet.css';

const PAGE = 20;

/** "+¥20.00" / "−¥5.00" (a real minus sign, read as 减). */
const signedMoney = (fen: number) => (fen > 0 ? `+¥${yuan(fen)}` : `−¥${yuan(-fen)}`);

/** 我的余额: the balance (principal and bonus), 充值, and the statement newest first. */
export default function Balance() {
  const navigate = useNavigate();
  const offer = useLoad(() => api<StoredValueOffer>('GET', '/me/stored-value'), []);
  const first = useLoad(() => api<{ items: BalancePosting[] }>('GET', '/me/stored-value/ledger', { query: { limit: PAGE } }), []);
  const [older, setOlder] = useState<{ items: BalancePosting[]; done: boolean }>({ items: [], done: false });
  const [moreLoading, setMoreLoading] = useState(false);

  const data = offer.data;
  const account = data?.account ?? { principalFen: 0, bonusFen: 0, balanceFen: 0 };
  const ledger = [...(first.data?.items ?? []), ...older.items];
  const hasMore = !!first.data && first.data.items.length === PAGE && !older.done;

  const refresh = async () => {
    setOlder({ items: [], done: false });
    await Promise.all([offer.reload(), first.reload()]);
  };

  const loadMore = async () => {
    const last = ledger[ledger.length - 1];
    if (!last || moreLoading) return;
    setMoreLoading(true);
    try {
      const res = await api<{ items: BalancePosting[] }>('GET', '/me/stored-value/ledger', { query: { limit: PAGE, beforeId: last.id } });
      setOlder((o) => ({ items: [...o.items, ...res.items], done: res.items.length < PAGE }));
    } catch (err) {
      toastError(err);
    } finally {
      setMoreLoading(false);
    }
  };

  return (
    <Page title="我的余额" back="/me" testId="page-balance">
      <PullToRefresh onRefresh={refresh}>
        {offer.error && !data ? (
          <ErrorState error={offer.error} onRetry={offer.reload} />
        ) : !data ? (
          <div className="card">
            <Skeleton.Title animated />
            <Skeleton.Paragraph lineCount={4} animated />
          </div>
        ) : (
          <>
            <section className="points-hero wallet-hero" aria-label="账户余额">
              <div className="points-hero-label">当前余额(元)</div>
              <div className="points-balance" data-testid="balance-total">
                {yuan(account.balanceFen)}
              </div>
              <div className="points-hero-sub" data-testid="balance-split">
                本金 {money(account.principalFen)} · 赠送 {money(account.bonusFen)}
              </div>
              {data.enabled && (
                <Button className="wallet-hero-btn" shape="rounded" size="small" onClick={() => navigate('/me/balance/top-up')} data-testid="balance-top-up">
                  充值
                </Button>
              )}
            </section>

            {!data.enabled && (
              <p className="points-expiring" role="note" data-testid="balance-disabled">
                本店暂未开放充值{account.balanceFen > 0 ? ',已有余额暂不能用于支付' : ''}
              </p>
            )}
            {data.enabled && data.plans.some((p) => p.bonusFen > 0) && (
              <Link to="/me/balance/top-up" className="card wallet-promo" data-testid="balance-promo">
                <span className="wallet-promo-tag">充值有礼</span>
                <span className="grow ellipsis">{data.plans.filter((p) => p.bonusFen > 0).map((p) => p.label).join(' · ')}</span>
                <span className="small muted" aria-hidden>
                  去充值 ›
                </span>
              </Link>
            )}

            <section className="card" aria-labelledby="balance-ledger-title">
              <h2 id="balance-ledger-title" className="card-title pts-h">
                余额明细
              </h2>
              {first.error && !first.data ? (
                <ErrorState error={first.error} onRetry={first.reload} />
              ) : !first.data ? (
                <Skeleton.Paragraph lineCount={3} animated />
              ) : ledger.length === 0 ? (
                <p className="muted center-pad" data-testid="balance-ledger-empty">
                  还没有余额变动记录
                </p>
              ) : (
                <ul className="plain-list" data-testid="balance-ledger">
                  {ledger.map((l) => (
                    <li key={l.id} className="points-row" data-testid="balance-posting" data-kind={l.kind}>
                      <div className="grow">
                        <div className="points-row-title">{l.kindLabel}</div>
                        {l.note && l.note !== l.kindLabel && <div className="small muted ellipsis">{l.note}</div>}
                        {l.bonusDeltaFen !== 0 && l.principalDeltaFen !== 0 && (
                          <div className="small muted">
                            本金 {signedMoney(l.principalDeltaFen)},赠送 {signedMoney(l.bonusDeltaFen)}
                          </div>
                        )}
                        <div className="small muted">{dateTime(l.createdAt)}</div>
                      </div>
                      <div className="wallet-row-right">
                        <div className={l.deltaFen > 0 ? 'points-delta plus' : 'points-delta'} data-testid="balance-delta">
                          {signedMoney(l.deltaFen)}
                        </div>
                        <div className="small muted">余额 {money(l.balanceAfterFen)}</div>
                      </div>
                    </li>
                  ))}
                </ul>
              )}
              {hasMore ? (
                <Button block fill="none" className="points-more" loading={moreLoading} onClick={loadMore} data-testid="balance-load-more">
                  加载更多
                </Button>
              ) : (
                ledger.length > PAGE - 1 && <p className="small muted center-pad">— 没有更多了 —</p>
              )}
            </section>
          </>
        )}
      </PullToRefresh>
    </Page>
  );
}
