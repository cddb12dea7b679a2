import { Button, ProgressBar } from 'antd-mobile';
import { useNavigate } from 'react-router-dom';
import { Img } from '../../components/Img';
import { Price } from '../../components/Price';
import { api } from '../../lib/api';
import { money } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { MyActivityList } from '../MyActivityList';
import { Clock } from './Clock';
import { skewOf, type Launch } from './api';
import { LAUNCH_STATUS_TEXT } from './texts';
import './fission.css';

/** How far from the start price to the floor the helpers have cut, 0–100. */
export function cutPercent(l: Pick<Launch, 'startPriceFen' | 'floorPriceFen' | 'currentPriceFen'>): number {
  const span = l.startPriceFen - l.floorPriceFen;
  if (span <= 0) return 100;
  return Math.min(100, Math.max(0, Math.round(((l.startPriceFen - l.currentPriceFen) / span) * 100)));
}

/** 我的砍价: each launch with how far it got and its clock; tapping opens the launch page. */
export default function MyBargains() {
  const navigate = useNavigate();
  const list = useLoad(() => api<{ items: Launch[] }>('GET', '/me/bargain-launches'), []);
  return (
    <MyActivityList<Launch> title="我的砍价" testId="page-my-bargains" list={list} emptyTitle="还没有砍价" emptyDescription="在商品页发起砍价,邀请好友帮你砍到底价" label="我的砍价">
      {(l) => (
        <li key={l.id} className="card" data-testid="my-bargain" data-status={l.status}>
          <div className="row between small">
            <span className="muted">
              {l.helpsCount} 人已帮砍{l.helpersNeeded ? ` / 需 ${l.helpersNeeded} 人` : ''}
            </span>
            <span className={`fx-status-text fx-launch-${l.status}`}>{LAUNCH_STATUS_TEXT[l.status]}</span>
          </div>
          <button type="button" className="line-item fx-plain-btn" onClick={() => navigate(`/bargain-launches/${l.id}`)}>
            <div className="thumb">
              <Img src={l.imageUrl} alt={l.productTitle} />
            </div>
            <div className="info">
              <div className="ellipsis-2">{l.productTitle}</div>
              <div className="small" style={{ marginTop: 4 }}>
                当前 <Price fen={l.currentPriceFen} /> <span className="muted">底价 {money(l.floorPriceFen)}</span>
              </div>
              <ProgressBar percent={cutPercent(l)} style={{ '--fill-color': 'var(--shop-red)', marginTop: 6 } as React.CSSProperties} aria-label="砍价进度" />
              {l.status === 'ongoing' && (
                <div className="small muted" style={{ marginTop: 4 }}>
                  剩余 <Clock to={l.expiresAt} skewMs={skewOf(l.serverTime)} onEnd={() => void list.reload()} />
                </div>
              )}
            </div>
          </button>
          <div className="fx-actions">
            {l.status === 'ordered' && l.orderId && (
              <Button size="small" className="btn-round" onClick={() => navigate(`/orders/${l.orderId}`)}>
                查看订单
              </Button>
            )}
            {(l.status === 'ongoing' || l.status === 'succeeded') && (
              <Button size="small" color="primary" className="btn-round" onClick={() => navigate(`/bargain-launches/${l.id}`)} data-testid="my-bargain-open">
                {l.canBuy ? '去购买' : '邀请好友砍价'}
              </Button>
            )}
          </div>
        </li>
      )}
    </MyActivityList>
  );
}
