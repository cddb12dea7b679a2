import { Button } from 'antd-mobile';
import { Link, useNavigate } from 'react-router-dom';
import { LedgerHero, LedgerPageBody, LedgerSection, useLedgerPages } from '../components/Ledger';
import { Page } from '../components/Page';
import { api } from '../lib/api';
import { dateTime, money, yuan } from '../lib/format';
import { useLoad } from '../lib/hooks';
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
  const pages = useLedgerPages(
    first.data?.items,
    async (beforeId) => (await api<{ items: BalancePosting[] }>('GET', '/me/stored-value/ledger', { query: { limit: PAGE, beforeId } })).items,
    PAGE,
  );

  const data = offer.data;
  const account = data?.account ?? { principalFen: 0, bonusFen: 0, balanceFen: 0 };

  const refresh = async () => {
    pages.reset();
    await Promise.all([offer.reload(), first.reload()]);
  };

  return (
    <Page title="我的余额" back="/me" testId="page-balance">
      <LedgerPageBody data={data} error={offer.error} onRetry={offer.reload} onRefresh={refresh}>
        {(data) => (
          <>
            <LedgerHero className="wallet-hero" ariaLabel="账户余额" label="当前余额(元)" value={yuan(account.balanceFen)} valueTestId="balance-total">
              <div className="points-hero-sub" data-testid="balance-split">
                本金 {money(account.principalFen)} · 赠送 {money(account.bonusFen)}
              </div>
              {data.enabled && (
                <Button className="wallet-hero-btn" shape="rounded" size="small" onClick={() => navigate('/me/balance/top-up')} data-testid="balance-top-up">
                  充值
                </Button>
              )}
            </LedgerHero>

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

            <LedgerSection
              name="balance"
              title="余额明细"
              pages={pages}
              error={first.data ? null : first.error}
              onRetry={first.reload}
              loading={!first.data}
              emptyText="还没有余额变动记录"
              renderItem={(l) => (
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
              )}
            />
          </>
        )}
      </LedgerPageBody>
    </Page>
  );
}
