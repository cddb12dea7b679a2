import { Avatar, Button, ProgressBar, Skeleton, Toast } from 'antd-mobile';
import { useState } from 'react';
import { useLocation, useNavigate, useParams } from 'react-router-dom';
import { Img } from '../../components/Img';
import { Page } from '../../components/Page';
import { Price } from '../../components/Price';
import { ErrorState } from '../../components/States';
import { api, errorMessage } from '../../lib/api';
import { dateTime, money } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { useSession } from '../../lib/session';
import { Clock } from './Clock';
import { deviceHeaders, skewOf, type Launch } from './api';
import { startFissionCheckout } from './checkout';
import { cutPercent } from './MyBargains';
import { SharePopup } from './SharePopup';
import { LAUNCH_STATUS_TEXT } from './texts';
import './fission.css';

/**
 * 砍价 /bargain-launches/:id — public: the launcher invites and buys, anyone signed in helps once.
 * The progress runs from the start price to the floor; the clock is the server's.
 */
export default function BargainLaunch() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const loc = useLocation();
  const session = useSession();
  const launch = useLoad(() => api<Launch>('GET', `/bargain-launches/${encodeURIComponent(id)}`), [id, session.token]);
  const l = launch.data;
  const [sharing, setSharing] = useState(false);
  const [helping, setHelping] = useState(false);

  if (launch.error) {
    return (
      <Page title="砍价" back>
        <ErrorState error={launch.error} onRetry={launch.reload} />
      </Page>
    );
  }
  if (!l) {
    return (
      <Page title="砍价" back>
        <div className="card">
          <Skeleton.Paragraph lineCount={6} animated />
        </div>
      </Page>
    );
  }

  const skewMs = skewOf(l.serverTime);
  const ongoing = l.status === 'ongoing';
  const atFloor = l.currentPriceFen <= l.floorPriceFen;
  const cutSoFar = Math.max(0, l.startPriceFen - l.currentPriceFen);

  const help = async () => {
    if (!session.token) {
      Toast.show({ content: '登录后即可帮TA砍价' });
      navigate(`/login?redirect=${encodeURIComponent(loc.pathname)}`);
      return;
    }
    setHelping(true);
    try {
      const r = await api<{ cutFen: number; currentPriceFen: number; status: Launch['status'] }>('POST', `/bargain-launches/${l.id}/helps`, { body: {}, headers: await deviceHeaders() });
      Toast.show({ icon: 'success', content: `你帮TA砍了${money(r.cutFen)}` });
      launch.setData((d) => d && { ...d, currentPriceFen: r.currentPriceFen, status: r.status, helpedByMe: true, helpsCount: d.helpsCount + 1 });
      void launch.reload();
    } catch (err) {
      Toast.show({ icon: 'fail', content: errorMessage(err) });
      void launch.reload();
    } finally {
      setHelping(false);
    }
  };

  const buy = () => {
    if (!l.skuId) {
      Toast.show({ content: '暂时无法购买,请稍后再试' });
      return;
    }
    startFissionCheckout(navigate, { skuId: l.skuId, quantity: 1, title: l.productTitle, specText: l.specText ?? '', priceFen: l.currentPriceFen, imageUrl: l.imageUrl }, { bargainLaunchId: l.id });
  };

  const buyLabel = l.canBuy ? `立即购买 ${money(l.currentPriceFen)}` : l.buyMode === 'floor_only' && ongoing ? `砍到 ${money(l.floorPriceFen)} 可购买` : '暂不可购买';

  return (
    <Page title="砍价" back actionbar testId="page-bargain-launch">
      <section className="card fx-goods" aria-label="砍价商品">
        <div className="line-item">
          <div className="thumb">
            <Img src={l.imageUrl} alt={l.productTitle} />
          </div>
          <div className="info">
            <div className="ellipsis-2">{l.productTitle}</div>
            {l.specText && <span className="spec-pill">{l.specText}</span>}
            <div className="small muted" style={{ marginTop: 4 }}>
              原价 {money(l.startPriceFen)} · 底价 {money(l.floorPriceFen)}
            </div>
          </div>
        </div>
      </section>

      {!l.mine && l.launcher && (
        <section className="card fx-launcher" aria-label="发起人">
          <Avatar src={l.launcher.avatarUrl ?? ''} alt="" style={{ '--size': '36px', '--border-radius': '50%' } as React.CSSProperties} />
          <span>
            <b>{l.launcher.nickname || '微信用户'}</b> 正在砍价,帮TA砍一刀吧
          </span>
        </section>
      )}

      <section className="card fx-bargain" aria-labelledby="fx-bargain-title" data-testid="bargain-progress" data-status={l.status}>
        <h2 id="fx-bargain-title" className="fx-bargain-title">
          {ongoing ? (
            <>
              已砍 <b className="fx-red">{money(cutSoFar)}</b>,当前价 <Price fen={l.currentPriceFen} size="lg" testId="bargain-current" />
            </>
          ) : (
            <span data-testid="bargain-status">{LAUNCH_STATUS_TEXT[l.status]}</span>
          )}
        </h2>
        <ProgressBar percent={cutPercent(l)} style={{ '--fill-color': 'var(--shop-red)', '--track-width': '10px' } as React.CSSProperties} aria-label={`已砍到 ${money(l.currentPriceFen)}`} />
        <div className="row between small muted" style={{ marginTop: 6 }}>
          <span>{money(l.startPriceFen)}</span>
          <span>底价 {money(l.floorPriceFen)}</span>
        </div>
        {ongoing ? (
          <p className="small" style={{ margin: '10px 0 0', textAlign: 'center' }}>
            {atFloor ? '已砍到底价' : `还差 ${money(l.currentPriceFen - l.floorPriceFen)} 砍到底价`}
            {l.helpersNeeded > l.helpsCount ? `,约需 ${l.helpersNeeded - l.helpsCount} 位好友帮砍` : ''} · 剩余{' '}
            <Clock to={l.expiresAt} skewMs={skewMs} onEnd={() => void launch.reload()} testId="bargain-countdown" />
          </p>
        ) : (
          <p className="small muted" style={{ margin: '10px 0 0', textAlign: 'center' }}>
            {l.status === 'succeeded' ? `已砍到 ${money(l.currentPriceFen)}` : l.status === 'ordered' ? '已按砍后价下单' : '砍价时间已结束'}
          </p>
        )}
        {!l.mine && l.helpedByMe && (
          <p className="small fx-red" style={{ margin: '8px 0 0', textAlign: 'center' }} data-testid="bargain-helped">
            你已帮TA砍过啦
          </p>
        )}
      </section>

      <section className="card" aria-labelledby="fx-helps-title">
        <div className="card-title" id="fx-helps-title">
          <span>好友助力</span>
          <span className="small muted">{l.helpsCount} 人</span>
        </div>
        {l.helps.length === 0 ? (
          <p className="small muted" style={{ margin: 0 }}>
            还没有好友帮砍,{l.mine ? '快去邀请吧' : '来砍第一刀吧'}
          </p>
        ) : (
          <ul className="plain-list" data-testid="bargain-helps">
            {l.helps.map((h, i) => (
              <li key={`${h.at}-${i}`} className="fx-help">
                <Avatar src={h.avatarUrl ?? ''} alt="" style={{ '--size': '32px', '--border-radius': '50%' } as React.CSSProperties} />
                <div className="grow" style={{ minWidth: 0 }}>
                  <div className="ellipsis">{h.nickname || '微信用户'}</div>
                  <div className="small muted">{dateTime(h.at)}</div>
                </div>
                <span className="fx-red">砍掉 {money(h.cutFen)}</span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <div className="fixed-bottom actionbar" role="toolbar" aria-label="砍价操作">
        {l.mine ? (
          <>
            {ongoing && (
              <Button block className="btn-round btn-orange grow" onClick={() => setSharing(true)} data-testid="bargain-invite">
                邀请好友砍价
              </Button>
            )}
            {l.status === 'ordered' && l.orderId ? (
              <Button block color="primary" className="btn-round grow" onClick={() => navigate(`/orders/${l.orderId}`)}>
                查看订单
              </Button>
            ) : (
              <Button block color="primary" className="btn-round grow" disabled={!l.canBuy} onClick={buy} data-testid="bargain-buy">
                {buyLabel}
              </Button>
            )}
          </>
        ) : (
          <>
            {l.productId && (
              <Button className="btn-round" onClick={() => navigate(`/products/${l.productId}`)} data-testid="bargain-own">
                我也要
              </Button>
            )}
            <Button block color="primary" className="btn-round grow" disabled={!ongoing || l.helpedByMe || atFloor} loading={helping} onClick={() => void help()} data-testid="bargain-help">
              {!ongoing ? LAUNCH_STATUS_TEXT[l.status] : l.helpedByMe ? '已帮砍' : atFloor ? '已砍到底价' : '帮TA砍一刀'}
            </Button>
          </>
        )}
      </div>

      <SharePopup kind="bargain" targetId={l.id} visible={sharing} onClose={() => setSharing(false)} title="邀请好友砍价" hint={`已砍 ${money(cutSoFar)},还差 ${money(Math.max(0, l.currentPriceFen - l.floorPriceFen))} 到底价`} />
    </Page>
  );
}
