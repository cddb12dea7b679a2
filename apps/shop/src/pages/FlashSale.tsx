import { Button, Popup, Result, Toast } from 'antd-mobile';
import { CloseOutline } from 'antd-mobile-icons';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { QtyStepper } from '../components/Controls';
import { Countdown } from '../components/Countdown';
import { AddressCard, FulfilmentSwitch, PickupChooser, type Fulfilment } from '../components/FulfilmentChooser';
import { Img } from '../components/Img';
import { Page } from '../components/Page';
import { MarketPrice, Price } from '../components/Price';
import { ListSkeleton } from '../components/ProductCard';
import { EmptyState, ErrorState } from '../components/States';
import { ApiError, api } from '../lib/api';
import { flashErrorText, STATE_TAB_TEXT, type Attempt, type FlashItem, type FlashSession, type FlashSessions } from '../lib/flashsale';
import { fullAddress, money } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { startPayment } from '../lib/pay';
import { useSession } from '../lib/session';
import { askSubscribe } from '../lib/subscribe';
import type { Address, PickupPoint } from '../lib/types';
import './sales.css';

const REFRESH_MS = 10_000;
/** How long to wait for the order behind an accepted attempt before telling the customer to check 我的订单. */
const WAIT_ORDER_MS = 60_000;

const pad = (n: number) => String(n).padStart(2, '0');
const hhmm = (iso: string) => {
  const d = new Date(iso);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
};
/** "今天" / "明天" / "5月20日". */
function dayText(iso: string): string {
  const d = new Date(iso);
  const today = new Date();
  const start = (x: Date) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const diff = Math.round((start(d) - start(today)) / 86_400_000);
  if (diff === 0) return '今天';
  if (diff === 1) return '明天';
  if (diff === -1) return '昨天';
  return `${d.getMonth() + 1}月${d.getDate()}日`;
}

/** The tab to open first: the session on now, else the next one, else the last. */
function defaultTab(list: FlashSession[]): string | null {
  return (list.find((s) => s.state === 'running') ?? list.find((s) => s.state === 'upcoming') ?? list[list.length - 1])?.sessionId ?? null;
}

/** 秒杀: session tabs with countdowns, the goods with flash prices and how much is gone, 提醒我 and 马上抢. */
export default function FlashSalePage() {
  const navigate = useNavigate();
  const loc = useLocation();
  const session = useSession();
  const { data, error, reload } = useLoad(
    () => api<FlashSessions>('GET', '/flash-sales').then((r) => ({ ...r, loadedAt: Date.now() })),
    [session.token],
  );
  const [tab, setTab] = useState<string | null>(null);
  const [grab, setGrab] = useState<{ s: FlashSession; item: FlashItem } | null>(null);
  const [reminding, setReminding] = useState<string | null>(null);
  const [reminded, setReminded] = useState<Record<string, boolean>>({});
  const sessions = data?.sessions ?? [];
  const current = sessions.find((s) => s.sessionId === tab) ?? sessions.find((s) => s.sessionId === defaultTab(sessions)) ?? null;

  // What is left changes by the second during a rush: refresh quietly while the page is open.
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void reload();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);

  const needSignIn = () => {
    if (session.token) return false;
    Toast.show({ content: '请先登录' });
    navigate(`/login?redirect=${encodeURIComponent(loc.pathname)}`);
    return true;
  };

  const isReminded = (s: FlashSession) => reminded[s.sessionId] ?? s.reminded;
  const toggleRemind = async (s: FlashSession) => {
    if (needSignIn() || reminding) return;
    const on = !isReminded(s);
    setReminding(s.sessionId);
    try {
      await api(on ? 'POST' : 'DELETE', `/flash-sales/sessions/${s.sessionId}/remind`);
      setReminded((r) => ({ ...r, [s.sessionId]: on }));
      Toast.show({ icon: 'success', content: on ? '已设置提醒,开抢前会通知你' : '已取消提醒' });
      // The reminder goes out as a subscribe message where the customer allows one; never in the way.
      if (on) void askSubscribe(['flash_sale_reminder'], { customerId: session.customer?.id });
    } catch (err) {
      Toast.show({ icon: 'fail', content: err instanceof ApiError ? flashErrorText(err.code, err.message) : '操作失败,请稍后再试' });
    } finally {
      setReminding(null);
    }
  };

  const tabsRef = useRef<HTMLDivElement>(null);
  const onTabKey = (e: React.KeyboardEvent, i: number) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    e.preventDefault();
    const next = sessions[(i + (e.key === 'ArrowRight' ? 1 : sessions.length - 1)) % sessions.length];
    setTab(next.sessionId);
    tabsRef.current?.querySelector<HTMLButtonElement>(`[data-session-id="${next.sessionId}"]`)?.focus();
  };

  const localTarget = current && data ? new Date(data.loadedAt + current.countdownMs).toISOString() : null;

  return (
    <Page title="限时秒杀" back testId="page-flash-sale">
      <div className="fs-hero">
        <h2>限时秒杀</h2>
        <p>每日多场 · 限量抢购 · 手慢无</p>
      </div>
      {error && !data ? (
        <ErrorState error={error} onRetry={reload} />
      ) : !data ? (
        <ListSkeleton rows={3} />
      ) : sessions.length === 0 ? (
        <EmptyState title="暂无秒杀活动" description="敬请期待下一场" />
      ) : (
        <>
          <div className="fs-tabs" role="tablist" aria-label="秒杀场次" ref={tabsRef} data-testid="flash-tabs">
            {sessions.map((s, i) => {
              const on = s.sessionId === current?.sessionId;
              const day = dayText(s.startsAt);
              return (
                <button
                  key={s.sessionId}
                  type="button"
                  role="tab"
                  id={`fs-tab-${s.sessionId}`}
                  aria-selected={on}
                  aria-controls="fs-panel"
                  tabIndex={on ? 0 : -1}
                  className="fs-tab"
                  onClick={() => setTab(s.sessionId)}
                  onKeyDown={(e) => onTabKey(e, i)}
                  data-session-id={s.sessionId}
                  data-state={s.state}
                  data-testid="flash-tab"
                >
                  <b>{hhmm(s.startsAt)}</b>
                  <span>{day !== '今天' ? `${day} ` : ''}{STATE_TAB_TEXT[s.state]}</span>
                </button>
              );
            })}
          </div>
          {current && (
            <div id="fs-panel" role="tabpanel" aria-labelledby={`fs-tab-${current.sessionId}`} data-testid="flash-panel" data-state={current.state}>
              <div className="fs-bar">
                <span>
                  {current.state === 'running' ? (current.soldOut ? '本场已抢光' : '抢购中,先抢先得') : current.state === 'upcoming' ? `${dayText(current.startsAt)} ${hhmm(current.startsAt)} 开抢` : '本场已结束'}
                  <span className="muted"> · 每人限购 {current.perCustomerLimit} 件</span>
                </span>
                {current.state !== 'ended' && localTarget && (
                  <span>
                    {current.state === 'running' ? '距结束 ' : '距开始 '}
                    <Countdown key={`${current.sessionId}-${data.loadedAt}`} to={localTarget} onEnd={() => void reload()} testId="flash-countdown" />
                  </span>
                )}
              </div>
              {current.items.map((item) => (
                <FlashCard
                  key={item.itemId}
                  s={current}
                  item={item}
                  reminded={isReminded(current)}
                  reminding={reminding === current.sessionId}
                  onGrab={() => !needSignIn() && setGrab({ s: current, item })}
                  onRemind={() => void toggleRemind(current)}
                  onOpen={() => navigate(`/products/${item.productId}`)}
                />
              ))}
            </div>
          )}
        </>
      )}
      {grab && <GrabSheet s={grab.s} item={grab.item} onClose={() => setGrab(null)} onSoldOut={() => void reload()} />}
    </Page>
  );
}

function FlashCard({ s, item, reminded, reminding, onGrab, onRemind, onOpen }: { s: FlashSession; item: FlashItem; reminded: boolean; reminding: boolean; onGrab: () => void; onRemind: () => void; onOpen: () => void }) {
  const name = `${item.title}${item.specText ? ` ${item.specText}` : ''}`;
  return (
    <article className={item.soldOut ? 'fs-item fs-soldout' : 'fs-item'} aria-label={name} data-testid="flash-item" data-item-id={item.itemId}>
      <button type="button" className="fs-thumb" onClick={onOpen} style={{ border: 0, padding: 0 }}>
        <Img src={item.imageUrl} alt={`查看商品 ${item.title}`} />
      </button>
      <div className="fs-info">
        <div className="fs-title ellipsis-2">{item.title}</div>
        {item.specText && <span className="spec-pill" style={{ alignSelf: 'flex-start' }}>{item.specText}</span>}
        <div className="fs-prices">
          <span className="sr-only">秒杀价</span>
          <Price fen={item.priceFen} size="md" testId="flash-price" />
          <MarketPrice fen={item.originalPriceFen} />
        </div>
        {s.state === 'upcoming' ? (
          <div className="fs-stamp">限量 {item.stock} 件</div>
        ) : (
          <div className="fs-progress">
            <div
              className="fs-track"
              role="progressbar"
              aria-label={`${item.title} 已抢 ${item.soldPercent}%`}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={item.soldPercent}
              data-testid="flash-progress"
            >
              <div className="fs-fill" style={{ width: `${item.soldPercent}%` }} />
            </div>
            <span aria-hidden="true">{item.soldOut ? '已抢光' : `已抢${item.soldPercent}%`}</span>
          </div>
        )}
        <div className="fs-foot">
          <span className="fs-stamp">{s.state === 'running' && !item.soldOut ? `仅剩 ${item.remaining} 件` : ''}</span>
          {s.state === 'running' ? (
            item.soldOut ? (
              <Button size="small" className="btn-round" disabled data-testid="flash-sold-out">
                已抢光
              </Button>
            ) : (
              <Button size="small" color="primary" className="btn-round" onClick={onGrab} aria-label={`马上抢 ${name}`} data-testid="flash-grab">
                马上抢
              </Button>
            )
          ) : s.state === 'upcoming' ? (
            <Button
              size="small"
              color="primary"
              fill={reminded ? 'outline' : 'solid'}
              className="btn-round fs-remind"
              aria-pressed={reminded}
              loading={reminding}
              onClick={onRemind}
              aria-label={reminded ? `已设置提醒 ${hhmm(s.startsAt)} 场,点击取消` : `提醒我 ${hhmm(s.startsAt)} 场开抢`}
              data-testid="flash-remind"
            >
              {reminded ? '已设置提醒' : '提醒我'}
            </Button>
          ) : (
            <Button size="small" className="btn-round" disabled>
              已结束
            </Button>
          )}
        </div>
      </div>
    </article>
  );
}

type Step = { kind: 'form' } | { kind: 'waiting' } | { kind: 'failed'; text: string } | { kind: 'slow' };

/**
 * 马上抢 → choose delivery (the checkout's address and pickup choosers) → one attempt → poll it until it
 * has an order (then pay it as any order) or failed (said in Chinese).
 */
function GrabSheet({ s, item, onClose, onSoldOut }: { s: FlashSession; item: FlashItem; onClose: () => void; onSoldOut: () => void }) {
  const navigate = useNavigate();
  const [fulfilment, setFulfilment] = useState<Fulfilment>('express');
  const [qty, setQty] = useState(1);
  const [addressId, setAddressId] = useState<string | null>(null);
  const [choosing, setChoosing] = useState(false);
  const [pointId, setPointId] = useState<string | null>(null);
  const [step, setStep] = useState<Step>({ kind: 'form' });
  const alive = useRef(true);
  useEffect(() => () => void (alive.current = false), []);
  const addresses = useLoad(() => api<{ items: Address[] }>('GET', '/me/addresses'), []);
  const points = useLoad(() => api<{ items: PickupPoint[] }>('GET', '/pickup-points'), []);
  const list = addresses.data?.items ?? [];
  const address = useMemo(() => list.find((a) => a.id === addressId) ?? list.find((a) => a.isDefault) ?? list[0] ?? null, [list, addressId]);
  const activePoints = (points.data?.items ?? []).filter((p) => p.active !== false);
  const point = activePoints.find((p) => p.id === pointId) ?? (activePoints.length === 1 ? activePoints[0] : null);
  const maxQty = Math.max(1, Math.min(s.perCustomerLimit, item.remaining));

  const pay = useCallback(
    async (orderId: string) => {
      onClose();
      navigate(`/orders/${orderId}`);
      try {
        const outcome = await startPayment(orderId);
        if (outcome.kind === 'returned') navigate(`/pay/result/${orderId}?result=${outcome.result}`, { replace: true });
      } catch (err) {
        Toast.show({ content: (err as Error).message });
      }
    },
    [navigate, onClose],
  );

  const submit = async () => {
    if (fulfilment === 'express' && !address) return void Toast.show({ content: '请先添加收货地址' });
    if (fulfilment === 'pickup' && !point) return void Toast.show({ content: '请选择自提门店' });
    setStep({ kind: 'waiting' });
    let attempt: Attempt;
    try {
      attempt = await api<Attempt>('POST', '/flash-sales/attempts', {
        body: { itemId: item.itemId, quantity: qty, fulfilment, ...(fulfilment === 'express' ? { addressId: address!.id } : { pickupPointId: point!.id }) },
      });
    } catch (err) {
      const code = err instanceof ApiError ? err.code : null;
      if (code === 'FLASH_SALE_SOLD_OUT' || code === 'FLASH_SALE_ENDED') onSoldOut();
      if (alive.current) setStep({ kind: 'failed', text: flashErrorText(code, err instanceof ApiError ? err.message : '网络异常,请稍后再试') });
      return;
    }
    // Accepted: the units are ours; the order is written in a batch moments later.
    const until = Date.now() + WAIT_ORDER_MS;
    const every = Math.max(300, attempt.pollAfterMs ?? 500);
    while (alive.current && Date.now() < until) {
      await new Promise((r) => setTimeout(r, every));
      if (!alive.current) return;
      try {
        const r = await api<Attempt>('GET', `/flash-sales/attempts/${attempt.attemptId}`);
        if (r.status === 'ordered' && r.orderId) return void pay(r.orderId);
        if (r.status === 'failed') return void setStep({ kind: 'failed', text: flashErrorText(r.code) });
      } catch (err) {
        if (err instanceof ApiError && err.status !== 0 && err.status < 500) return void setStep({ kind: 'failed', text: flashErrorText(err.code, err.message) });
      }
    }
    if (alive.current) setStep({ kind: 'slow' });
  };

  const busy = step.kind === 'waiting';
  return (
    <Popup visible onMaskClick={busy ? undefined : onClose} onClose={onClose} bodyStyle={{ borderTopLeftRadius: 16, borderTopRightRadius: 16, maxWidth: 750, margin: '0 auto', left: 0, right: 0, background: 'var(--shop-bg)' }}>
      <div className="fs-confirm" role="dialog" aria-modal="true" aria-labelledby="fs-confirm-title" data-testid="flash-grab-sheet">
        <div className="row between" style={{ padding: '0 12px' }}>
          <span style={{ width: 32 }} />
          <h2 id="fs-confirm-title">确认抢购</h2>
          <button type="button" className="nav-back" aria-label="关闭" onClick={onClose} disabled={busy}>
            <CloseOutline fontSize={20} aria-hidden />
          </button>
        </div>
        {step.kind === 'waiting' ? (
          <div className="fs-waiting" role="status" aria-live="polite" data-testid="flash-waiting">
            <Result status="waiting" title="正在抢购…" description="请不要离开本页,抢到后将自动进入支付" />
          </div>
        ) : step.kind === 'failed' ? (
          <div className="fs-waiting" role="alert" data-testid="flash-failed">
            <Result status="error" title={step.text} description="看看其他场次或商品吧" />
            <Button block className="btn-round" onClick={onClose}>
              知道了
            </Button>
          </div>
        ) : step.kind === 'slow' ? (
          <div className="fs-waiting" role="status" data-testid="flash-slow">
            <Result status="info" title="已抢到,订单生成中" description="稍后可在“我的订单”中查看并支付" />
            <Button block color="primary" className="btn-round" onClick={() => navigate('/orders?status=pending_payment')}>
              查看我的订单
            </Button>
          </div>
        ) : (
          <>
            <section className="card line-item" aria-label="抢购商品">
              <div className="thumb">
                <Img src={item.imageUrl} alt={item.title} />
              </div>
              <div className="info">
                <div className="ellipsis-2">{item.title}</div>
                {item.specText && <span className="spec-pill">{item.specText}</span>}
                <div className="row between" style={{ marginTop: 4 }}>
                  <span>
                    <Price fen={item.priceFen} /> <MarketPrice fen={item.originalPriceFen} />
                  </span>
                  <QtyStepper value={qty} max={maxQty} onChange={setQty} label="抢购数量" testId="flash-qty" />
                </div>
                <div className="small muted">每人限购 {s.perCustomerLimit} 件</div>
              </div>
            </section>
            <FulfilmentSwitch value={fulfilment} onChange={setFulfilment} />
            {fulfilment === 'express' ? (
              choosing ? (
                <section className="card" aria-labelledby="fs-addr-title">
                  <div className="card-title" id="fs-addr-title">
                    选择收货地址
                  </div>
                  <div className="fs-addr-list" role="radiogroup" aria-labelledby="fs-addr-title">
                    {list.map((a) => (
                      <button
                        key={a.id}
                        type="button"
                        role="radio"
                        aria-checked={address?.id === a.id}
                        className="pickup-opt"
                        onClick={() => {
                          setAddressId(a.id);
                          setChoosing(false);
                        }}
                        data-testid="flash-address-option"
                      >
                        <span style={{ flex: 1 }}>
                          <span style={{ display: 'block', fontWeight: 600 }}>
                            {a.contactName} {a.phone}
                          </span>
                          <span className="small muted" style={{ display: 'block' }}>
                            {fullAddress(a)}
                          </span>
                        </span>
                      </button>
                    ))}
                  </div>
                  <Button block fill="none" color="primary" onClick={() => navigate('/me/addresses/new')}>
                    + 新增收货地址
                  </Button>
                </section>
              ) : (
                <AddressCard address={address} loading={addresses.loading && !addresses.data} onChange={() => setChoosing(true)} onAdd={() => navigate('/me/addresses/new')} />
              )
            ) : (
              <PickupChooser points={activePoints} loading={points.loading && !points.data} value={point?.id ?? null} onChange={setPointId} />
            )}
            <div className="fs-confirm-foot">
              <Button block color="primary" className="btn-round" size="large" onClick={() => void submit()} data-testid="flash-submit">
                立即抢购 {money(item.priceFen * qty)}
              </Button>
            </div>
          </>
        )}
      </div>
    </Popup>
  );
}
