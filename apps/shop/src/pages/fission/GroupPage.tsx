import { Avatar, Button, Skeleton, Toast } from 'antd-mobile';
import { useState } from 'react';
import { useLocation, useNavigate, useParams } from 'react-router-dom';
import { Img } from '../../components/Img';
import { Page } from '../../components/Page';
import { Price } from '../../components/Price';
import { ErrorState } from '../../components/States';
import { api } from '../../lib/api';
import { money } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { useSession } from '../../lib/session';
import type { ProductDetail } from '../../lib/types';
import { Clock } from './Clock';
import { seatsLeft, skewOf, type GroupView, type ProductGroupBuy } from './api';
import { GroupSkuPopup } from './GroupSkuPopup';
import { SharePopup } from './SharePopup';
import { GROUP_STATUS_TEXT, VIRTUAL_SEAT_TEXT } from './texts';
import { TierLadder } from './TierLadder';
import { ladderPosition, myTierRefundLine, seatsToForm, tieredPhase, tieredStatusLine } from './tiers';
import './fission.css';

type Seat = { kind: 'member'; nickname: string; avatarUrl: string | null; isLeader: boolean } | { kind: 'virtual' } | { kind: 'empty' };

/** The seats in order: real members, then the 系统补位 seats (labelled, never passed off as people), then the empty ones. */
function seatsOf(g: GroupView): Seat[] {
  const real = g.members.filter((m) => !m.virtual);
  const seats: Seat[] = real.map((m) => ({ kind: 'member', nickname: m.nickname || '微信用户', avatarUrl: m.avatarUrl, isLeader: m.isLeader }));
  const virtual = Math.max(g.virtualSeats, g.members.length - real.length);
  for (let i = 0; i < virtual; i++) seats.push({ kind: 'virtual' });
  while (seats.length < g.size) seats.push({ kind: 'empty' });
  return seats;
}

/** 拼团详情 /group-buys/groups/:id: who is in, the seats left, the clock, and 邀请好友 / 我也要参团 / 查看订单. */
export default function GroupPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const loc = useLocation();
  const session = useSession();
  const group = useLoad(() => api<GroupView>('GET', `/group-buys/groups/${encodeURIComponent(id)}`), [id, session.token]);
  const g = group.data;
  const skewMs = skewOf(g?.serverTime);
  const [sharing, setSharing] = useState(false);
  const [joining, setJoining] = useState(false);
  // The activity and the product, for 我也要参团's spec picker; only wanted when the customer can join.
  // A tiered group still takes members after it formed (status 'succeeded'): the server says when.
  const canJoin = !!g && !g.mine && (g.tiered ? g.joinable : g.status === 'open' && seatsLeft(g) > 0);
  const goods = useLoad(
    () =>
      canJoin && g
        ? Promise.all([api<ProductDetail>('GET', `/products/${encodeURIComponent(g.productId)}`), api<ProductGroupBuy>('GET', `/products/${encodeURIComponent(g.productId)}/group-buy`)]).then(([product, gb]) => ({
            product,
            groupBuy: gb.groupBuy && gb.groupBuy.id === g.groupBuyId ? gb.groupBuy : null,
          }))
        : Promise.resolve(null),
    [canJoin, g?.productId, g?.groupBuyId],
  );

  if (group.error) {
    return (
      <Page title="拼团详情" back>
        <ErrorState error={group.error} onRetry={group.reload} />
      </Page>
    );
  }
  if (!g) {
    return (
      <Page title="拼团详情" back>
        <div className="card">
          <Skeleton.Paragraph lineCount={6} animated />
        </div>
      </Page>
    );
  }

  const left = seatsLeft(g);
  const tiers = g.tiered && g.tiers?.length ? g.tiers : null;
  const phase = g.tiered ? tieredPhase(g) : null;
  // Inviting makes sense while seats can still be taken: an open group, or a tiered one still growing.
  const inviting = g.tiered ? g.joinable : g.status === 'open';
  const next = tiers ? ladderPosition(tiers, g.filled) : null;
  const shareHint = g.tiered
    ? phase === 'forming'
      ? `还差 ${seatsToForm(g)} 人成团,快邀请好友一起拼吧`
      : phase === 'growing' && next?.next
        ? `已成团,再邀 ${next.toNext} 人每人降至 ${money(next.next.priceFen)},快邀请好友一起拼吧`
        : undefined
    : g.status === 'open'
      ? `还差 ${left} 人成团,快邀请好友一起拼吧`
      : undefined;
  const refundLine = g.tiered ? myTierRefundLine(g) : null;
  const join = () => {
    if (!session.token) {
      Toast.show({ content: '请先登录' });
      navigate(`/login?redirect=${encodeURIComponent(loc.pathname)}`);
      return;
    }
    if (!goods.data?.groupBuy) {
      Toast.show({ content: goods.loading ? '正在加载,请稍候' : '该拼团活动已结束' });
      return;
    }
    setJoining(true);
  };

  return (
    <Page title="拼团详情" back actionbar testId="page-group">
      <section className={`fx-group-hero fx-status-${g.status}`} aria-live="polite">
        <h2 data-testid="group-status" data-status={g.status}>
          {GROUP_STATUS_TEXT[g.status]}
        </h2>
        <p style={{ margin: 0 }} data-testid={g.tiered ? 'group-tier-status' : undefined} data-phase={phase ?? undefined}>
          {g.tiered ? (
            <>
              {phase === 'forming' ? (
                <>
                  还差 <b data-testid="group-seats-left">{seatsToForm(g)}</b> 人成团
                </>
              ) : (
                tieredStatusLine(g)
              )}
              {(phase === 'forming' || phase === 'growing') && (
                <>
                  ,剩余 <Clock to={g.expiresAt} skewMs={skewMs} onEnd={() => void group.reload()} testId="group-countdown" />
                </>
              )}
            </>
          ) : g.status === 'open' ? (
            <>
              还差 <b data-testid="group-seats-left">{left}</b> 人成团,剩余 <Clock to={g.expiresAt} skewMs={skewMs} onEnd={() => void group.reload()} testId="group-countdown" />
            </>
          ) : g.status === 'succeeded' ? (
            '已成团,商家将尽快发货'
          ) : (
            '未在时间内成团,款项已原路退回'
          )}
        </p>
        {refundLine && (
          <p style={{ margin: '6px 0 0', fontWeight: 600 }} data-testid="group-tier-refund">
            {refundLine}
          </p>
        )}
      </section>

      <section className="card fx-goods" aria-label="拼团商品">
        <button type="button" className="line-item fx-plain-btn" onClick={() => navigate(`/products/${g.productId}`)}>
          <div className="thumb">
            <Img src={g.imageUrl} alt={g.productTitle} />
          </div>
          <div className="info">
            <div className="ellipsis-2">{g.productTitle}</div>
            <div style={{ marginTop: 6 }}>
              <span className="fx-badge">{tiers ? '阶梯团' : `${g.size}人团`}</span> <Price fen={g.groupPriceFen} size="md" testId="group-price" />
              {tiers && <span className="small muted"> 最低 {money(tiers[tiers.length - 1]!.priceFen)}</span>}
            </div>
          </div>
        </button>
      </section>

      {tiers && (
        <section className="card" aria-labelledby="fx-tiers-title">
          <div className="card-title" id="fx-tiers-title">
            <span>阶梯价</span>
            <span className="small muted">人越多越便宜</span>
          </div>
          <TierLadder tiers={tiers} count={g.filled} reachedSize={g.settledAt ? g.tierSizeReached : null} />
        </section>
      )}

      <section className="card" aria-labelledby="fx-members-title">
        <div className="card-title" id="fx-members-title">
          <span>拼团成员</span>
          <span className="small muted">
            {g.filled + g.virtualSeats}/{g.size}
          </span>
        </div>
        <ul className="fx-seats plain-list" data-testid="group-seats">
          {seatsOf(g).map((s, i) => (
            <li key={i} className={`fx-seat fx-seat-${s.kind}`} data-testid="group-seat" data-kind={s.kind}>
              {s.kind === 'member' ? (
                <>
                  <span className="fx-seat-avatar">
                    <Avatar src={s.avatarUrl ?? ''} alt="" style={{ '--size': '48px', '--border-radius': '50%' } as React.CSSProperties} />
                    {s.isLeader && <span className="fx-leader-tag">团长</span>}
                  </span>
                  <span className="fx-seat-name ellipsis">{s.nickname}</span>
                </>
              ) : s.kind === 'virtual' ? (
                <>
                  <span className="fx-seat-avatar fx-seat-ph" aria-hidden="true">
                    补
                  </span>
                  <span className="fx-seat-name">{VIRTUAL_SEAT_TEXT}</span>
                </>
              ) : (
                <>
                  <span className="fx-seat-avatar fx-seat-ph" aria-hidden="true">
                    ?
                  </span>
                  <span className="fx-seat-name muted">待加入</span>
                </>
              )}
            </li>
          ))}
        </ul>
        {g.virtualSeats > 0 && (
          <p className="small muted" style={{ margin: '8px 0 0' }} data-testid="group-virtual-note">
            “{VIRTUAL_SEAT_TEXT}”为商家设置的模拟成团名额,并非真实用户
          </p>
        )}
      </section>

      <section className="card small muted" aria-label="拼团规则">
        <div className="card-title" style={{ fontSize: 14, color: '#1f1f1f' }}>
          拼团规则
        </div>
        {tiers ? (
          <ol className="fx-rules" data-testid="group-tier-rules">
            <li>开团或参团,按 {tiers[0]!.size} 人团价 {money(tiers[0]!.priceFen)} 支付</li>
            <li>有效期内满 {tiers[0]!.size} 人即成团,成团后发货;成团后仍可继续邀请,最多 {g.size} 人</li>
            <li>满员或到期后按达到的人数档结算,差价自动原路退回</li>
            <li>到期未满 {tiers[0]!.size} 人视为拼团失败,已付款项自动原路退回</li>
          </ol>
        ) : (
          <ol className="fx-rules">
            <li>开团或参团并支付成功</li>
            <li>邀请好友在有效期内凑满 {g.size} 人即成团,成团后发货</li>
            <li>到期未凑满视为拼团失败,已付款项自动原路退回</li>
          </ol>
        )}
      </section>

      <div className="fixed-bottom actionbar" role="toolbar" aria-label="拼团操作">
        {g.mine ? (
          <>
            {g.myOrderId && (
              <Button className="btn-round" onClick={() => navigate(`/orders/${g.myOrderId}`)} data-testid="group-view-order">
                查看订单
              </Button>
            )}
            {inviting ? (
              <Button block color="primary" className="btn-round grow" onClick={() => setSharing(true)} data-testid="group-invite">
                邀请好友参团
              </Button>
            ) : (
              <Button block color="primary" className="btn-round grow" onClick={() => navigate(`/products/${g.productId}`)}>
                再来一单
              </Button>
            )}
          </>
        ) : canJoin ? (
          <>
            <Button className="btn-round" onClick={() => setSharing(true)} data-testid="group-invite">
              邀请好友
            </Button>
            <Button block color="primary" className="btn-round grow" loading={goods.loading && !goods.data} onClick={join} data-testid="group-join">
              我也要参团 {money(g.groupPriceFen)}
            </Button>
          </>
        ) : (
          <Button block color="primary" className="btn-round grow" onClick={() => navigate(`/products/${g.productId}`)} data-testid="group-open-own">
            {(g.tiered ? phase === 'closing' && left === 0 : g.status === 'open') ? '该团已满,去开个新团' : '去开个新团'}
          </Button>
        )}
      </div>

      <SharePopup kind="group" targetId={g.id} visible={sharing} onClose={() => setSharing(false)} title="邀请好友参团" hint={shareHint} />
      {goods.data?.groupBuy && <GroupSkuPopup product={goods.data.product} groupBuy={goods.data.groupBuy} groupId={g.id} visible={joining} onClose={() => setJoining(false)} />}
    </Page>
  );
}
