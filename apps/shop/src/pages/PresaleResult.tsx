import { Button, DotLoading, Result } from 'antd-mobile';
import { useEffect, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { Page } from '../components/Page';
import { Price } from '../components/Price';
import { api, errorMessage } from '../lib/api';
import { toastError } from '../lib/hooks';
import { depositResultPath, monthDay, payDeposit, pendingDeposit, type PresaleOrder } from '../lib/presale';
import './sales.css';

const load = (id: string) => api<PresaleOrder>('GET', `/me/presale-orders/${id}`, { query: { sync: true } });

/**
 * Back from WeChat Pay (or the sandbox cashier) after paying a deposit. The redirect's `result` is only a
 * hint: the server is asked to sync with WeChat Pay until the deposit is paid or closed.
 */
export default function PresaleResult() {
  const [params] = useSearchParams();
  const hint = params.get('result');
  const id = params.get('id') ?? pendingDeposit.get()?.id ?? null;
  const navigate = useNavigate();
  const [order, setOrder] = useState<PresaleOrder | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  const [paying, setPaying] = useState(false);

  useEffect(() => {
    if (!id) return;
    let live = true;
    (async () => {
      setError(null);
      try {
        let o = await load(id);
        const tries = hint === 'success' || round > 0 ? 4 : 1;
        for (let i = 1; i < tries && live && o.status === 'pending_deposit'; i++) {
          await new Promise((r) => setTimeout(r, 1500));
          if (!live) return;
          o = await load(id);
        }
        if (live) setOrder(o);
      } catch (err) {
        if (live) setError(errorMessage(err));
      }
    })();
    return () => {
      live = false;
    };
  }, [id, hint, round]);

  const payAgain = async () => {
    const saved = pendingDeposit.get();
    if (!order || paying) return;
    if (saved?.id !== order.id) return navigate('/me/presales');
    setPaying(true);
    try {
      // The same Idempotency-Key resumes this deposit: no second deposit, no second charge.
      const next = depositResultPath(await payDeposit(saved.activityId, saved.body, saved.key));
      if (next) navigate(next, { replace: true });
    } catch (err) {
      toastError(err);
    } finally {
      setPaying(false);
    }
  };

  let body;
  if (!id) {
    body = <Result status="info" title={<span data-testid="presale-result">没有找到定金记录</span>} description="可在“我的预售”中查看" />;
  } else if (!order && !error) {
    body = (
      <div className="center-pad" style={{ paddingTop: 80 }} aria-busy="true">
        <DotLoading color="primary" />
        <p>正在确认支付结果…</p>
      </div>
    );
  } else if (order && order.status !== 'pending_deposit' && order.status !== 'closed') {
    const a = order.activity;
    body = (
      <Result
        status="success"
        title={<span data-testid="presale-result">定金支付成功</span>}
        description={
          <div>
            <div>
              已付定金 <Price fen={order.depositFen} size="md" /> <span className="presale-note">{order.label}</span>
            </div>
            {a && <div style={{ marginTop: 6 }}>请在 {monthDay(a.balanceStartsAt)} – {monthDay(a.balanceEndsAt)} 支付尾款,尾款开始时会提醒你</div>}
          </div>
        }
      />
    );
  } else if (order?.status === 'closed') {
    body = <Result status="error" title={<span data-testid="presale-result">定金已关闭</span>} description="超时未支付,本次定金已关闭,未扣款" />;
  } else {
    body = (
      <Result
        status={hint === 'cancel' ? 'warning' : 'waiting'}
        title={<span data-testid="presale-result">{hint === 'cancel' ? '支付已取消' : error ? '支付结果查询失败' : '支付结果确认中'}</span>}
        description={error ?? (hint === 'cancel' ? '定金保留 15 分钟,可以重新支付' : '如已完成支付,请稍后刷新查看')}
      />
    );
  }

  return (
    <Page title="定金支付结果" back="/me/presales" testId="page-presale-result">
      <div style={{ background: '#fff', paddingBottom: 24 }}>
        {body}
        <div className="row gap8" style={{ padding: '0 24px', justifyContent: 'center', flexWrap: 'wrap' }}>
          {order?.status === 'pending_deposit' && (
            <>
              <Button color="primary" className="btn-round" loading={paying} onClick={payAgain} data-testid="presale-pay-again">
                重新支付
              </Button>
              <Button className="btn-round" onClick={() => setRound((r) => r + 1)} data-testid="presale-refresh">
                刷新结果
              </Button>
            </>
          )}
          <Button className="btn-round" onClick={() => navigate('/me/presales', { replace: true })} data-testid="presale-view-mine">
            我的预售
          </Button>
          <Button className="btn-round" onClick={() => navigate('/', { replace: true })}>
            去逛逛
          </Button>
        </div>
      </div>
    </Page>
  );
}
