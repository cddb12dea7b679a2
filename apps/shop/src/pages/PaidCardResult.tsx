import { Button, DotLoading, Result } from 'antd-mobile';
import { useEffect, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { Page } from '../components/Page';
import { Price } from '../components/Price';
import { errorMessage } from '../lib/api';
import { toastError } from '../lib/hooks';
import { getPurchase, payFor, pending, pollUntilSettled, resultPathOf, type CardPurchase, type MyCard } from '../lib/wallet';
import { shanghaiDate } from './Points';
import './wallet.css';

/** Back from WeChat Pay after buying or renewing a card: syncs with WeChat Pay until the purchase is paid or closed. */
export default function PaidCardResult() {
  const [params] = useSearchParams();
  const hint = params.get('result');
  const idParam = params.get('id');
  const navigate = useNavigate();
  const [purchase, setPurchase] = useState<(CardPurchase & { card: MyCard | null }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);
  const [round, setRound] = useState(0);
  const [paying, setPaying] = useState(false);

  useEffect(() => {
    let live = true;
    (async () => {
      setError(null);
      const id = idParam ?? pending.get('card')?.id ?? null;
      if (!id) return setMissing(true);
      try {
        const p = await pollUntilSettled(() => getPurchase(id), hint === 'success' || round > 0 ? 4 : 1, () => live);
        if (live) setPurchase(p);
      } catch (err) {
        if (live) setError(errorMessage(err));
      }
    })();
    return () => {
      live = false;
    };
  }, [idParam, hint, round]);

  const payAgain = async () => {
    const saved = pending.get('card');
    if (!purchase || paying) return;
    if (saved?.id !== purchase.id) return navigate('/me/card');
    setPaying(true);
    try {
      const r = await payFor('card', saved.body, saved.key);
      const next = resultPathOf('card', r);
      if (next) navigate(next, { replace: true });
    } catch (err) {
      toastError(err);
    } finally {
      setPaying(false);
    }
  };

  let body;
  if (missing) {
    body = <Result status="info" title={<span data-testid="card-result">没有找到购买记录</span>} description="可在“付费会员卡”页查看我的会员卡" />;
  } else if (!purchase && !error) {
    body = (
      <div className="center-pad" style={{ paddingTop: 80 }} aria-busy="true" data-testid="card-result-checking">
        <DotLoading color="primary" />
        <p>正在确认支付结果…</p>
      </div>
    );
  } else if (purchase?.status === 'paid') {
    body = (
      <Result
        status="success"
        title={<span data-testid="card-result">开通成功</span>}
        description={
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
        }
      />
    );
  } else if (purchase?.status === 'closed') {
    body = <Result status="error" title={<span data-testid="card-result">订单已关闭</span>} description="超时未支付,本次购买已关闭,未扣款" />;
  } else {
    body = (
      <Result
        status={hint === 'cancel' ? 'warning' : 'waiting'}
        title={<span data-testid="card-result">{hint === 'cancel' ? '支付已取消' : error ? '支付结果查询失败' : '支付结果确认中'}</span>}
        description={error ?? (hint === 'cancel' ? '可以重新支付完成开通' : '如已完成支付,请稍后刷新查看')}
      />
    );
  }

  return (
    <Page title="开通结果" back="/me/card" testId="page-card-result">
      <div style={{ background: '#fff', paddingBottom: 24 }}>
        {body}
        <div className="row gap8" style={{ padding: '0 24px', justifyContent: 'center', flexWrap: 'wrap' }}>
          {purchase?.status === 'pending' && (
            <>
              <Button color="primary" className="btn-round" loading={paying} onClick={payAgain} data-testid="card-pay-again">
                重新支付
              </Button>
              <Button className="btn-round" onClick={() => setRound((r) => r + 1)} data-testid="card-refresh">
                刷新结果
              </Button>
            </>
          )}
          <Button className="btn-round" onClick={() => navigate('/me/card', { replace: true })} data-testid="card-view">
            查看会员卡
          </Button>
          <Button className="btn-round" onClick={() => navigate('/', { replace: true })}>
            去逛逛
          </Button>
        </div>
      </div>
    </Page>
  );
}
