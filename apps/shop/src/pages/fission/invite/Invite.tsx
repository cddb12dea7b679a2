import { Avatar, Button, PullToRefresh, Skeleton, Toast } from 'antd-mobile';
import { useEffect, useState } from 'react';
import { Page } from '../../../components/Page';
import { EmptyState, ErrorState } from '../../../components/States';
import { api } from '../../../lib/api';
import { dateTime, money } from '../../../lib/format';
import { useLoad } from '../../../lib/hooks';
import { SharePopup } from '../SharePopup';
import '../fission.css';
import '../leaders/leaders.css';

type InvitationStatus = 'accepted' | 'rewarded' | 'expired' | 'rejected';

interface MyInvitations {
  enabled: boolean;
  trigger: 'registered' | 'first_order';
  attributionDays: number;
  rewards: { inviterPoints: number; inviterCoupon: boolean; inviterCashFen?: number; inviteePoints: number; inviteeCoupon: boolean; inviteeCashFen?: number; inviterDailyCap: number; cashPayout?: 'balance' | 'wechat' };
  invited: { nickname: string; avatarUrl: string | null; status: InvitationStatus; acceptedAt: string; rewardedAt: string | null; inviterRewarded: boolean }[];
  counts: { invited: number; rewarded: number };
}

/** A cash reward on its way to WeChat change (商家转账): the customer confirms receipt in WeChat. */
interface Payout {
  id: string;
  side: 'inviter' | 'invitee';
  amountFen: number;
  status: 'pending' | 'transferring' | 'wait_confirm';
  createdAt: string;
  confirm: null | { mchId: string; appId: string; packageInfo: string; confirmUrl: string | null };
}

const STATUS_TEXT: Record<InvitationStatus, { text: string; cls: string }> = {
  accepted: { text: '待下单', cls: 'fx-orange' },
  rewarded: { text: '已得奖励', cls: 'fx-green' },
  expired: { text: '已过期', cls: 'muted' },
  rejected: { text: '未计奖励', cls: 'muted' },
};

/** "¥5.00 微信零钱 + 优惠券 + 100 积分" / "—" */
function rewardText(coupon: boolean, points: number, cashFen = 0, payout: 'balance' | 'wechat' = 'balance'): string {
  const parts = [cashFen > 0 ? `${money(cashFen)} ${payout === 'wechat' ? '微信零钱' : '余额'}` : '', coupon ? '优惠券' : '', points > 0 ? `${points} 积分` : ''].filter(Boolean);
  return parts.length ? parts.join(' + ') : '—';
}

/** 邀请有礼 /me/invite: what both sides get, 邀请好友 (my share poster), and the friends I invited. */
export default function Invite() {
  const me = useLoad(() => api<MyInvitations>('GET', '/me/invitations'), []);
  const payouts = useLoad(() => api<{ items: Payout[] }>('GET', '/me/invitations/payouts'), []);
  const [sharing, setSharing] = useState(false);
  const [claiming, setClaiming] = useState<string | null>(null);

  // Back from WeChat's 确认收款 (same tab, or the bfcache): the payout has moved on.
  useEffect(() => {
    const onShow = (e: PageTransitionEvent) => {
      if (e.persisted) void payouts.reload();
    };
    window.addEventListener('pageshow', onShow);
    return () => window.removeEventListener('pageshow', onShow);
  }, [payouts]);

  const claim = (p: Payout) => {
    if (!p.confirm?.confirmUrl) {
      // In the mini-program this is wx.requestMerchantTransfer({ mchId, appId, package }); H5 has only the sandbox's page.
      Toast.show({ content: '请在微信中打开本店领取' });
      return;
    }
    setClaiming(p.id);
    // Back here afterwards: the payout leaves this list once WeChat's notification has landed.
    window.location.assign(`${p.confirm.confirmUrl}&redirect=${encodeURIComponent(window.location.pathname)}`);
  };

  if (me.error) {
    return (
      <Page title="邀请有礼" back="/me">
        <ErrorState error={me.error} onRetry={me.reload} />
      </Page>
    );
  }
  const m = me.data;
  if (!m) {
    return (
      <Page title="邀请有礼" back="/me">
        <div className="card">
          <Skeleton.Paragraph lineCount={5} animated />
        </div>
      </Page>
    );
  }
  const r = m.rewards;
  const pending = payouts.data?.items ?? [];
  const statusOf = (i: MyInvitations['invited'][number]) =>
    i.status === 'accepted' && m.trigger === 'registered' ? { text: '待发放', cls: 'fx-orange' } : i.status === 'rewarded' && !i.inviterRewarded ? { text: '好友已得奖励(你当日已达上限)', cls: 'muted' } : STATUS_TEXT[i.status];

  return (
    <Page title="邀请有礼" back="/me" testId="page-invite">
      <PullToRefresh onRefresh={async () => void (await Promise.all([me.reload(), payouts.reload()]))}>
        <section className="iv-hero">
          <h2>邀请好友 一起得好礼</h2>
          <div className="small" style={{ opacity: 0.92 }}>
            {m.trigger === 'first_order' ? `好友通过你的链接注册,${m.attributionDays} 天内完成首单,你们都能得奖励` : '好友通过你的链接注册成为新客,你们都能得奖励'}
          </div>
        </section>
        {!m.enabled ? (
          <section className="card fx-status-card" data-testid="invite-off">
            <h3>活动暂未开放</h3>
            <p className="small muted">商家暂未开启邀请有礼,敬请期待</p>
          </section>
        ) : (
          <>
            <section className="card" style={{ marginTop: -28, position: 'relative' }} aria-label="奖励" data-testid="invite-rewards">
              <div className="iv-rewards" style={{ marginTop: 0 }}>
                <div className="iv-reward">
                  <div className="iv-reward-who">你可得</div>
                  <div className="iv-reward-what" data-testid="invite-reward-inviter">{rewardText(r.inviterCoupon, r.inviterPoints, r.inviterCashFen, r.cashPayout)}</div>
                </div>
                <div className="iv-reward">
                  <div className="iv-reward-who">好友可得</div>
                  <div className="iv-reward-what" data-testid="invite-reward-invitee">{rewardText(r.inviteeCoupon, r.inviteePoints, r.inviteeCashFen, r.cashPayout)}</div>
                </div>
              </div>
              <Button block color="primary" className="btn-round" style={{ marginTop: 12 }} onClick={() => setSharing(true)} data-testid="invite-share">
                邀请好友
              </Button>
              <ul className="fx-rules small muted" style={{ marginTop: 10 }}>
                <li>好友需是本店新客(从未在本店下单付款)</li>
                {m.trigger === 'first_order' && <li>好友接受邀请后 {m.attributionDays} 天内完成首单付款才算成功</li>}
                {r.inviterDailyCap > 0 && <li>每天最多获得 {r.inviterDailyCap} 次邀请奖励</li>}
                <li>优惠券、积分发放到账户,可在「我的优惠券」「我的积分」查看</li>
                {r.cashPayout === 'wechat' ? <li>现金奖励转入微信零钱,需在 24 小时内点「领取」确认收款,逾期转入会员余额</li> : (r.inviterCashFen || r.inviteeCashFen) ? <li>现金奖励存入会员余额,下单时可抵扣</li> : null}
              </ul>
            </section>
          </>
        )}

        {pending.length > 0 && (
          <section className="card" aria-label="待领取的现金奖励" data-testid="invite-payouts">
            <div className="card-title">
              <span>待领取的现金奖励</span>
            </div>
            <ul className="plain-list">
              {pending.map((p) => (
                <li key={p.id} className="fx-help" data-testid="invite-payout" data-status={p.status}>
                  <div className="grow" style={{ minWidth: 0 }}>
                    <div>
                      {p.side === 'inviter' ? '邀请好友奖励' : '受邀新人奖励'} <strong className="fx-red">{money(p.amountFen)}</strong>
                    </div>
                    <div className="small muted">{dateTime(p.createdAt)} · 微信零钱</div>
                  </div>
                  {p.status === 'wait_confirm' ? (
                    <Button size="mini" color="primary" className="btn-round" loading={claiming === p.id} onClick={() => claim(p)} data-testid="invite-payout-claim">
                      领取
                    </Button>
                  ) : (
                    <span className="small fx-orange">发放中</span>
                  )}
                </li>
              ))}
            </ul>
          </section>
        )}

        <section className="card" aria-label="我邀请的好友" data-testid="invite-list">
          <div className="card-title">
            <span>我邀请的好友</span>
            <span className="small muted">
              已邀请 {m.counts.invited} · 已得奖 {m.counts.rewarded}
            </span>
          </div>
          {m.invited.length === 0 ? (
            <EmptyState title="还没有邀请好友" description="点「邀请好友」把海报或链接发给朋友吧" />
          ) : (
            <ul className="plain-list">
              {m.invited.map((i, idx) => {
                const s = statusOf(i);
                return (
                  <li key={`${i.acceptedAt}-${idx}`} className="fx-help" data-testid="invite-friend" data-status={i.status}>
                    <Avatar src={i.avatarUrl ?? ''} alt="" style={{ '--size': '36px', '--border-radius': '50%' } as React.CSSProperties} />
                    <div className="grow" style={{ minWidth: 0 }}>
                      <div className="ellipsis">{i.nickname || '微信用户'}</div>
                      <div className="small muted">{dateTime(i.acceptedAt)} 接受邀请</div>
                    </div>
                    <span className={`small ${s.cls}`}>{s.text}</span>
                  </li>
                );
              })}
            </ul>
          )}
        </section>
      </PullToRefresh>
      <SharePopup kind="promoter" visible={sharing} onClose={() => setSharing(false)} title="邀请好友" hint="好友通过你的海报或链接进店,成为新客后你们都能获得奖励" />
    </Page>
  );
}
