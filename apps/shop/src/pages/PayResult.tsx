import { Button, DotLoading, Result } from 'antd-mobile';
import { useEffect, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { Page } from '../components/Page';
import { Price } from '../components/Price';
import { api, errorMessage } from '../lib/api';
import { money } from '../lib/format';
import { startPayment } from '../lib/pay';
import { toastError } from '../lib/hooks';
import { SubscribeAsk } from './messages/SubscribeHooks';
import type { OrderDetail } from '../lib/types';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Where WeChat Pay (or the sandbox cashier) sends the customer back. The redirect's `result` is only a
 * hint; the server is asked to sync with WeChat Pay, a few times if the payment is still settling.
 */
export default function PayResult() {
  const { id = '' } = useParams();
  const [params] = useSearchParams();
  const hint = params.get('result');
  const navigate = useNavigate();
  const [order, setOrder] = useState<OrderDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [round, setRound] = useState(0);

  useEffect(() => {
    let live = true;
    (async () => {
      setError(null);
      const tries = hint === 'success' ? 4 : 1;
      for (let i = 0; i < tries && live; i++) {
        try {
          const o = await api<OrderDetail>('POST', `/orders/${id}/sync-payment`, { body: {} });
          if (!live) return;
          setOrder(o);
          if (o.status !== 'pending_payment') return;
        } catch (err) {
          if (live) setError(errorMessage(err));
          return;
        }
        if (i < tries - 1) await sleep(1500);
      }
    })();
    return () => {
      live = false;
    };
  }, [id, hint, round]);

  const payAgain = async () => {
    try {
      await startPayment(id);
    } catch (err) {
      toastError(err);
    }
  };

  const paid = order && order.status !== 'pending_payment' && order.status !== 'cancelled';
  let body;
  if (!order && !error) {
    body = (
      <div className="center-pad" style={{ paddingTop: 80 }} aria-busy="true" data-testid="pay-result-checking">
        <DotLoading color="primary" />
        <p>正在确认支付结果…</p>
      </div>
    );
  } else if (paid) {
    body = (
      <Result
        status="success"
        title={<span data-testid="pay-result">支付成功</span>}
        description={
          <>
            实付 <Price fen={order.paidFen || order.payableFen} size="md" />
            {(order.balanceFen ?? 0) > 0 && (
              <div style={{ marginTop: 6 }} data-testid="pay-result-balance">
                其中余额支付 {money(order.balanceFen ?? 0)}
              </div>
            )}
            {order.fulfilment === 'pickup' && <div style={{ marginTop: 6 }}>提货码已生成,请在订单详情中查看</div>}
            {/* The order is placed and paid: ask to be told when it ships or is ready for pickup. */}
            <SubscribeAsk topics={[order.fulfilment === 'pickup' ? 'pickup_ready' : 'order_shipped']} />
          </>
        }
      />
    );
  } else if (order?.status === 'cancelled') {
    body = <Result status="error" title={<span data-testid="pay-result">订单已取消</span>} description={order.cancelReason ?? '超时未支付,订单已自动取消'} />;
  } else {
    body = (
      <Result
        status={hint === 'cancel' ? 'warning' : 'waiting'}
        title={<span data-testid="pay-result">{hint === 'cancel' ? '支付已取消' : error ? '支付结果查询失败' : '支付结果确认中'}</span>}
        description={error ?? (hint === 'cancel' ? '订单已保留,请在有效时间内完成支付' : '如已完成支付,请稍后刷新查看')}
      />
    );
  }

  return (
    <Page title="支付结果" back={`/orders/${id}`} testId="page-pay-result">
      <div style={{ background: '#fff', paddingBottom: 24 }}>
        {body}
        <div className="row gap8" style={{ padding: '0 24px', justifyContent: 'center' }}>
          {order && order.status === 'pending_payment' && (
            <>
              <Button color="primary" className="btn-round" onClick={payAgain} data-testid="pay-again">
                重新支付
              </Button>
              <Button className="btn-round" onClick={() => setRound((r) => r + 1)}>
                刷新结果
              </Button>
            </>
          )}
          <Button className="btn-round" onClick={() => navigate(`/orders/${id}`, { replace: true })} data-testid="view-order">
            查看订单
          </Button>
          <Button className="btn-round" onClick={() => navigate('/', { replace: true })}>
            继续逛逛
          </Button>
        </div>
      </div>
    </Page>
  );
}
