import { Button, DotLoading, Result } from 'antd-mobile';
import { useEffect, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { Page } from '../components/Page';
import { Price } from '../components/Price';
import { api, errorMessage } from '../lib/api';
import { money } from '../lib/format';
import { toastError } from '../lib/hooks';
import { getTopup, payFor, pending, pollUntilSettled, resultPathOf, type Account, type Topup } from '../lib/wallet';
import './wallet.css';

/** Which top-up this is: ?id= when the page was opened in place, else the one sent to the cashier, else the newest. */
async function topupId(fromUrl: string | null): Promise<string | null> {
  if (fromUrl) return fromUrl;
  const saved = pending.get('topup');
  if (saved) return saved.id;
  const list = await api<{ items: Topup[] }>('GET', '/me/stored-value/topups');
  return list.items[0]?.id ?? null;
}

/**
 * Back from WeChat Pay (or the sandbox cashier) after a top-up. The redirect's `result` is only a hint:
 * the server is asked to sync with WeChat Pay until the top-up is paid or closed.
 */
export default function TopUpResult() {
  const [params] = useSearchParams();
  const hint = params.get('result');
  const idParam = params.get('id');
  const navigate = useNavigate();
  const [topup, setTopup] = useState<(Topup & { account: Account }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);
  const [round, setRound] = useState(0);
  const [paying, setPaying] = useState(false);

  useEffect(() => {
    let live = true;
    (async () => {
      setError(null);
      try {
        const id = await topupId(idParam);
        if (!live) return;
        if (!id) return setMissing(true);
        const t = await pollUntilSettled(() => getTopup(id), hint === 'success' || round > 0 ? 4 : 1, () => live);
        if (live) setTopup(t);
      } catch (err) {
        if (live) setError(errorMessage(err));
      }
    })();
    return () => {
      live = false;
    };
  }, [idParam, hint, round]);

  const payAgain = async () => {
    const saved = pending.get('topup');
    if (!topup || paying) return;
    // Without the key this top-up was made with, paying again would start another one: choose afresh.
    if (saved?.id !== topup.id) return navigate('/me/balance/top-up');
    setPaying(true);
    try {
      // The same Idempotency-Key resumes this top-up (same amount, no second charge).
      const r = await payFor('topup', saved.body, saved.key);
      const next = resultPathOf('topup', r);
      if (next) navigate(next, { replace: true });
    } catch (err) {
      toastError(err);
    } finally {
      setPaying(false);
    }
  };

  let body;
  if (missing) {
    body = <Result status="info" title={<span data-testid="top-up-result">没有找到充值记录</span>} description="可在“我的余额”中查看余额明细" />;
  } else if (!topup && !error) {
    body = (
      <div className="center-pad" style={{ paddingTop: 80 }} aria-busy="true" data-testid="top-up-result-checking">
        <DotLoading color="primary" />
        <p>正在确认充值结果…</p>
      </div>
    );
  } else if (topup?.status === 'paid') {
    body = (
      <Result
        status="success"
        title={<span data-testid="top-up-result">充值成功</span>}
        description={
          <div className="topup-result-desc">
            <div>
              到账 <Price fen={topup.amountFen + topup.bonusFen} size="md" testId="top-up-credited" />
              {topup.bonusFen > 0 && <span className="small">(含赠送 {money(topup.bonusFen)})</span>}
            </div>
            <div style={{ marginTop: 6 }}>
              当前余额 <strong data-testid="top-up-new-balance">{money(topup.account.balanceFen)}</strong>
            </div>
          </div>
        }
      />
    );
  } else if (topup?.status === 'closed') {
    body = <Result status="error" title={<span data-testid="top-up-result">充值已关闭</span>} description="超时未支付,本次充值已关闭,未扣款" />;
  } else {
    body = (
      <Result
        status={hint === 'cancel' ? 'warning' : 'waiting'}
        title={<span data-testid="top-up-result">{hint === 'cancel' ? '支付已取消' : error ? '充值结果查询失败' : '充值结果确认中'}</span>}
        description={error ?? (hint === 'cancel' ? '可以重新支付完成充值' : '如已完成支付,请稍后刷新查看')}
      />
    );
  }

  return (
    <Page title="充值结果" back="/me/balance" testId="page-top-up-result">
      <div style={{ background: '#fff', paddingBottom: 24 }}>
        {body}
        <div className="row gap8" style={{ padding: '0 24px', justifyContent: 'center', flexWrap: 'wrap' }}>
          {topup?.status === 'pending' && (
            <>
              <Button color="primary" className="btn-round" loading={paying} onClick={payAgain} data-testid="top-up-pay-again">
                重新支付
              </Button>
              <Button className="btn-round" onClick={() => setRound((r) => r + 1)} data-testid="top-up-refresh">
                刷新结果
              </Button>
            </>
          )}
          <Button className="btn-round" onClick={() => navigate('/me/balance', { replace: true })} data-testid="top-up-view-balance">
            查看余额
          </Button>
          <Button className="btn-round" onClick={() => navigate('/', { replace: true })}>
            去逛逛
          </Button>
        </div>
      </div>
    </Page>
  );
}
