import { Button } from 'antd-mobile';
import { useNavigate } from 'react-router-dom';
import { Img } from '../../components/Img';
import { api } from '../../lib/api';
import { useLoad } from '../../lib/hooks';
import { MyActivityList } from '../MyActivityList';
import { Clock } from './Clock';
import { seatsLeft, type MyGroup } from './api';
import { GROUP_STATUS_TEXT } from './texts';
import { myGroupGrowing, myTieredStatusText, seatsToForm } from './tiers';
import './fission.css';

/** 我的拼团: every group the customer opened or joined, open ones with seats left and the clock. */
export default function MyGroupBuys() {
  const navigate = useNavigate();
  const list = useLoad(() => api<{ items: MyGroup[] }>('GET', '/me/group-buys'), []);
  return (
    <MyActivityList<MyGroup> title="我的拼团" testId="page-my-group-buys" list={list} emptyTitle="还没有拼团" emptyDescription="在商品页发起拼团或参加好友的团,都会显示在这里" label="我的拼团">
      {(g) => {
        // A tiered group keeps taking members after it formed, until full or out of time, then settles.
        const growing = myGroupGrowing(g, Date.now());
        return (
          <li key={g.groupId} className="card" data-testid="my-group" data-status={g.status} data-tiered={g.tiered ? 'true' : undefined}>
            <div className="row between small">
              <span className="muted">
                {g.isLeader ? '我开的团' : '我参加的团'} · {g.tiered ? `阶梯团 ${g.minSize ?? 2}-${g.size}人` : `${g.size}人团`}
              </span>
              <span className={`fx-status-text fx-status-${g.status}`} data-testid="my-group-status">
                {myTieredStatusText(g, Date.now()) ?? GROUP_STATUS_TEXT[g.status]}
              </span>
            </div>
            <button type="button" className="line-item fx-plain-btn" onClick={() => navigate(`/group-buys/groups/${g.groupId}`)}>
              <div className="thumb">
                <Img src={g.imageUrl} alt={g.productTitle} />
              </div>
              <div className="info">
                <div className="ellipsis-2">{g.productTitle}</div>
                {g.status === 'open' ? (
                  <div className="small" style={{ marginTop: 6 }}>
                    还差 <b className="fx-red">{g.tiered ? seatsToForm(g) : seatsLeft(g)}</b> 人{g.tiered ? '成团' : ''} · 剩余 <Clock to={g.expiresAt} skewMs={0} onEnd={() => void list.reload()} />
                  </div>
                ) : growing ? (
                  <div className="small" style={{ marginTop: 6 }}>
                    已有 {g.filled}/{g.size} 人 · 剩余 <Clock to={g.expiresAt} skewMs={0} onEnd={() => void list.reload()} />
                  </div>
                ) : (
                  <div className="small muted" style={{ marginTop: 6 }}>
                    {g.filled + (g.virtualSeats ?? 0)}/{g.size} 人{g.virtualSeats ? `(含系统补位 ${g.virtualSeats})` : ''}
                  </div>
                )}
              </div>
            </button>
            <div className="fx-actions">
              <Button size="small" className="btn-round" onClick={() => navigate(`/orders/${g.orderId}`)}>
                查看订单
              </Button>
              {(g.status === 'open' || growing) && (
                <Button size="small" color="primary" className="btn-round" onClick={() => navigate(`/group-buys/groups/${g.groupId}`)} data-testid="my-group-invite">
                  邀请好友参团
                </Button>
              )}
            </div>
          </li>
        );
      }}
    </MyActivityList>
  );
}
