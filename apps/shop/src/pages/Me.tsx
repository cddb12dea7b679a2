import { Avatar, Button, Dialog, List } from 'antd-mobile';
import { TeamOutline, TagOutline, UserAddOutline } from 'antd-mobile-icons';
import { BankcardOutline, BellOutline, BillOutline, CalendarOutline, ClockCircleOutline, CollectMoneyOutline, CouponOutline, EnvironmentOutline, GiftOutline, PayCircleOutline, ShopbagOutline, StarOutline, ReceiptOutline, TruckOutline, UndoOutline, UserSetOutline } from 'antd-mobile-icons';
import { Link, useNavigate } from 'react-router-dom';
import { MemberCard, type MyLevel } from '../components/MemberLevel';
import { Page } from '../components/Page';
import { api } from '../lib/api';
import { maskPhone, money } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { useSession } from '../lib/session';
import type { MyCoupons, Paged, Order } from '../lib/types';

const SHORTCUTS = [
  { key: 'pending_payment', label: '待付款', icon: PayCircleOutline },
  { key: 'paid', label: '待发货', icon: ReceiptOutline },
  { key: 'shipped', label: '已发货', icon: TruckOutline },
  { key: 'completed', label: '已完成', icon: BillOutline },
  { key: 'after_sale', label: '售后', icon: UndoOutline },
];

export default function Me() {
  const { customer, token, signOut } = useSession();
  const navigate = useNavigate();
  const counts = useLoad(async () => {
    if (!token) return {} as Record<string, number>;
    const res = await Promise.all(SHORTCUTS.slice(0, 3).map((s) => api<Paged<Order>>('GET', '/orders', { query: { status: s.key, pageSize: 1 } })));
    return Object.fromEntries(SHORTCUTS.slice(0, 3).map((s, i) => [s.key, res[i].total]));
  }, [token]);

  // The unused count beside 我的优惠券; the entry works without it.
  const coupons = useLoad(() => (token ? api<MyCoupons>('GET', '/me/coupons', { query: { status: 'unused' } }).then((r) => r.counts.unused) : Promise.resolve(null)), [token]);
  const unused = coupons.error ? null : coupons.data;
  // The balance beside 我的积分; limit=1 because only the balance is wanted here.
  const points = useLoad(() => (token ? api<{ balance: number }>('GET', '/me/points', { query: { limit: 1 } }).then((r) => r.balance) : Promise.resolve(null)), [token]);
  const balance = points.error ? null : points.data;
  // The member card shows only where the shop has levels; without it the page is as before.
  const myLevel = useLoad(() => (token ? api<MyLevel>('GET', '/me/level') : Promise.resolve(null)), [token]);
  const level = token && !myLevel.error && myLevel.data && myLevel.data.levels.length > 0 ? myLevel.data : null;
  // The balance beside 我的余额 and the card's end date beside 付费会员卡; the entries work without them.
  const wallet = useLoad(() => (token ? api<{ account: { balanceFen: number } | null }>('GET', '/me/stored-value').then((r) => r.account?.balanceFen ?? 0) : Promise.resolve(null)), [token]);
  const storedValue = wallet.error ? null : wallet.data;
  const paidCard = useLoad(() => (token ? api<{ card: { active: boolean; daysLeft: number } | null }>('GET', '/me/member-card').then((r) => r.card) : Promise.resolve(null)), [token]);
  const liveCard = !paidCard.error && paidCard.data?.active ? paidCard.data : null;

  const name = customer?.nickname || (customer?.phone ? `用户${customer.phone.slice(-4)}` : '微信用户');

  return (
    <Page title="个人中心" tabbar bare testId="page-me">
      <header className="me-header">
        <Avatar src={customer?.avatarUrl ?? ''} className="avatar" alt={token ? `${name}的头像` : '未登录头像'} />
        {token ? (
          <div>
            <h1 style={{ margin: 0, fontSize: 19 }} data-testid="me-name">
              {name}
            </h1>
            <div style={{ opacity: 0.95, fontSize: 13, marginTop: 4 }}>{customer?.phone ? maskPhone(customer.phone) : '未绑定手机号'}</div>
          </div>
        ) : (
          <div>
            <h1 style={{ margin: '0 0 6px', fontSize: 19 }}>欢迎光临</h1>
            <Button size="small" className="btn-round" onClick={() => navigate('/login?redirect=%2Fme')} data-testid="me-sign-in">
              登录 / 注册
            </Button>
          </div>
        )}
      </header>

      {level && <MemberCard data={level} onOpen={() => navigate('/me/member')} className="me-member-card" />}

      <section className="card" style={level ? undefined : { marginTop: -32, position: 'relative' }} aria-labelledby="my-orders">
        <div className="card-title">
          <h2 id="my-orders" style={{ fontSize: 15, margin: 0 }}>
            我的订单
          </h2>
          <Link to="/orders" className="small muted" data-testid="all-orders">
            全部订单 ›
          </Link>
        </div>
        <nav className="order-shortcuts" aria-label="订单状态">
          {SHORTCUTS.map((s) => {
            const Icon = s.icon;
            const n = counts.data?.[s.key] ?? 0;
            return (
              <Link key={s.key} to={`/orders?status=${s.key}`} data-testid={`me-orders-${s.key}`}>
                <span className="tab-icon">
                  <Icon aria-hidden fontSize={24} />
                  {n > 0 && (
                    <span className="dot-badge" aria-hidden="true">
                      {n > 99 ? '99+' : n}
                    </span>
                  )}
                </span>
                <span>{s.label}</span>
                {n > 0 && <span className="sr-only">,{n} 个</span>}
              </Link>
            );
          })}
        </nav>
      </section>

      <section className="card" style={{ padding: 0, overflow: 'hidden' }} aria-label="我的服务">
        <List>
          <List.Item
            prefix={<CouponOutline aria-hidden />}
            extra={unused ? <span className="coupon-count" data-testid="me-coupons-count">{unused} 张可用</span> : undefined}
            onClick={() => navigate('/me/coupons')}
            data-testid="me-coupons"
          >
            我的优惠券
          </List.Item>
          <List.Item
            prefix={<StarOutline aria-hidden />}
            extra={balance !== null ? <span className="coupon-count" data-testid="me-points-balance">{balance} 积分</span> : undefined}
            onClick={() => navigate('/me/points')}
            data-testid="me-points"
          >
            我的积分
          </List.Item>
          <List.Item
            prefix={<CollectMoneyOutline aria-hidden />}
            extra={storedValue !== null ? <span className="coupon-count" data-testid="me-balance-amount">{money(storedValue)}</span> : undefined}
            onClick={() => navigate('/me/balance')}
            data-testid="me-balance"
          >
            我的余额
          </List.Item>
          <List.Item
            prefix={<BankcardOutline aria-hidden />}
            extra={<span className="small muted">{liveCard ? `剩余 ${liveCard.daysLeft} 天` : '开通享折扣'}</span>}
            onClick={() => navigate('/me/card')}
            data-testid="me-paid-card"
          >
            付费会员卡
          </List.Item>
          <List.Item prefix={<ClockCircleOutline aria-hidden />} extra={<span className="small muted">定金 · 尾款</span>} onClick={() => navigate('/me/presales')} data-testid="me-presales">
            我的预售
          </List.Item>
          <List.Item prefix={<TeamOutline aria-hidden />} onClick={() => navigate('/me/group-buys')} data-testid="me-group-buys">
            我的拼团
          </List.Item>
          <List.Item prefix={<TagOutline aria-hidden />} onClick={() => navigate('/me/bargains')} data-testid="me-bargains">
            我的砍价
          </List.Item>
          <List.Item prefix={<UserAddOutline aria-hidden />} extra={<span className="small muted">分享赚佣金</span>} onClick={() => navigate('/me/promoter')} data-testid="me-promoter">
            推广中心
          </List.Item>
          <List.Item prefix={<GiftOutline aria-hidden />} extra={<span className="small muted">好友得礼你也得</span>} onClick={() => navigate('/me/invite')} data-testid="me-invite">
            邀请有礼
          </List.Item>
          <List.Item prefix={<EnvironmentOutline aria-hidden />} extra={<span className="small muted">附近自提</span>} onClick={() => navigate('/me/leader')} data-testid="me-leader">
            我的团长
          </List.Item>
          <List.Item prefix={<TeamOutline aria-hidden />} onClick={() => navigate('/me/leader-centre')} data-testid="me-leader-centre">
            团长中心
          </List.Item>
          <List.Item prefix={<CalendarOutline aria-hidden />} extra={<span className="small muted">签到领积分</span>} onClick={() => navigate('/me/check-in')} data-testid="me-check-in">
            每日签到
          </List.Item>
          <List.Item prefix={<ShopbagOutline aria-hidden />} extra={<span className="small muted">积分兑好券</span>} onClick={() => navigate('/points-mall')} data-testid="me-points-mall">
            积分商城
          </List.Item>
          <List.Item prefix={<GiftOutline aria-hidden />} onClick={() => navigate('/coupons')} data-testid="me-coupon-center">
            领券中心
          </List.Item>
          <List.Item prefix={<EnvironmentOutline aria-hidden />} onClick={() => navigate('/me/addresses')} data-testid="me-addresses">
            收货地址
          </List.Item>
          <List.Item prefix={<UserSetOutline aria-hidden />} onClick={() => navigate('/me/profile')} data-testid="me-profile">
            个人资料
          </List.Item>
          <List.Item prefix={<BellOutline aria-hidden />} onClick={() => navigate('/messages/settings')} data-testid="me-messages">
            消息设置
          </List.Item>
        </List>
      </section>

      {token && (
        <div style={{ padding: '12px' }}>
          <Button
            block
            className="btn-round"
            onClick={async () => {
              if (await Dialog.confirm({ content: '确定退出登录吗?', confirmText: '退出', cancelText: '取消' })) {
                await signOut();
                navigate('/', { replace: true });
              }
            }}
            data-testid="sign-out"
          >
            退出登录
          </Button>
        </div>
      )}
    </Page>
  );
}
