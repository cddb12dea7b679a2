import { RightOutline } from 'antd-mobile-icons';
import { Link } from 'react-router-dom';
import { api } from '../../lib/api';
import { useLoad } from '../../lib/hooks';
import { seatsLeft, type MyGroup } from './api';
import { seatsToForm } from './tiers';
import './fission.css';

/**
 * On an order held for its group (fulfilmentHold 'group_buy'): "拼团中,还差 N 人" with a link to the group.
 * The order does not name its group, so the customer's groups are looked up by order id.
 */
export function OrderGroupHold({ orderId, hold }: { orderId: string; hold: string | null | undefined }) {
  const mine = useLoad(() => (hold === 'group_buy' ? api<{ items: MyGroup[] }>('GET', '/me/group-buys').then((r) => r.items.find((g) => g.orderId === orderId) ?? null) : Promise.resolve(null)), [orderId, hold]);
  const g = mine.data;
  if (hold !== 'group_buy') return null;
  // A tiered group forms at its first tier (then the hold lifts), so count to that, not to the last.
  const left = g ? (g.tiered ? seatsToForm(g) : seatsLeft(g)) : null;
  const text = !g || g.status === 'open' ? `拼团中${left !== null ? `,还差 ${left} 人` : ''},成团后发货` : g.status === 'succeeded' ? '拼团成功,等待发货' : '拼团失败,款项将原路退回';
  const body = (
    <>
      <span className="fx-badge">拼团</span>
      <span className="grow" data-testid="order-group-hold-text">
        {text}
      </span>
      {g && (
        <span className="small muted">
          {g.status === 'open' ? '邀请好友' : '查看'} <RightOutline aria-hidden />
        </span>
      )}
    </>
  );
  return g ? (
    <Link to={`/group-buys/groups/${g.groupId}`} className="card fx-order-hold" data-testid="order-group-hold">
      {body}
    </Link>
  ) : (
    <div className="card fx-order-hold" data-testid="order-group-hold">
      {body}
    </div>
  );
}
