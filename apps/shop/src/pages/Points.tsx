import { POINTS_LEDGER_KINDS } from '@siyu/contracts';
import { CalendarOutline, RightOutline, ShopbagOutline } from 'antd-mobile-icons';
import { Link } from 'react-router-dom';
import { LedgerHero, LedgerPageBody, LedgerSection, useLedgerPages } from '../components/Ledger';
import { Page } from '../components/Page';
import { api } from '../lib/api';
import { dateTime } from '../lib/format';
import { useLoad } from '../lib/hooks';

export interface PointsPosting {
  id: number;
  delta: number;
  balanceAfter: number;
  kind: string;
  ref: string | null;
  note: string | null;
  createdAt: string;
}

export interface MyPoints {
  balance: number;
  earnedTotal: number;
  expiringSoon: { points: number; at: string } | null;
  ledger: PointsPosting[];
  rules: { enabled: boolean; earnPerYuan: number; pointsPerYuan: number; maxDeductPercent: number; expiry: 'never' | 'end_of_next_year' | 'days'; expiryDays: number | null };
}

const PAGE = 20;

/** "2027-12-31" of an instant, in the shop's (Shanghai) calendar. */
export function shanghaiDate(iso: string): string {
  return new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

function expiryText(r: MyPoints['rules']): string {
  if (r.expiry === 'never') return '积分长期有效,不会过期';
  if (r.expiry === 'days') return `积分自获得之日起 ${r.expiryDays ?? 365} 天内有效,到期未用自动作废`;
  return '每年获得的积分在次年 12 月 31 日 24:00 过期';
}

/** The signed amount of a posting: "+5" or "−100" (a real minus sign, read as 减 by screen readers). */
const signed = (n: number) => (n > 0 ? `+${n}` : `−${Math.abs(n)}`);

/** 我的积分: balance, what expires soon, how to earn and use points, and the postings newest first. */
export default function Points() {
  const first = useLoad(() => api<MyPoints>('GET', '/me/points', { query: { limit: PAGE } }), []);
  const data = first.data;
  const pages = useLedgerPages(data?.ledger, async (beforeId) => (await api<MyPoints>('GET', '/me/points', { query: { limit: PAGE, beforeId } })).ledger, PAGE);

  const refresh = async () => {
    pages.reset();
    await first.reload();
  };

  return (
    <Page title="我的积分" back="/me" testId="page-points">
      <LedgerPageBody data={data} error={first.error} onRetry={first.reload} onRefresh={refresh}>
        {(data) => (
          <>
            <LedgerHero ariaLabel="积分余额" label="当前积分" value={data.balance} valueTestId="points-balance">
              <div className="points-hero-sub">
                {[
                  data.earnedTotal > 0 && `累计获得 ${data.earnedTotal} 积分`,
                  data.rules.enabled && data.rules.maxDeductPercent > 0 && data.balance >= data.rules.pointsPerYuan && `可抵 ¥${Math.floor(data.balance / data.rules.pointsPerYuan)}`,
                ]
                  .filter(Boolean)
                  .join(',')}
              </div>
              <Link to="/me/check-in" className="points-checkin-link" data-testid="points-go-check-in">
                <CalendarOutline aria-hidden /> 每日签到
                <RightOutline aria-hidden fontSize={12} />
              </Link>
            </LedgerHero>

            <Link to="/points-mall" className="card" style={{ display: 'flex', alignItems: 'center', gap: 10, color: '#1f1f1f' }} data-testid="points-go-mall">
              <ShopbagOutline aria-hidden fontSize={22} color="#d9001b" />
              <span style={{ flex: 1, minWidth: 0, display: 'flex', flexDirection: 'column', gap: 2 }}>
                <strong style={{ fontSize: 15 }}>积分商城</strong>
                <span className="small muted">用积分兑换优惠券</span>
              </span>
              <span className="small muted">去兑换</span>
              <RightOutline aria-hidden fontSize={12} />
            </Link>

            {data.expiringSoon && (
              <p className="points-expiring" role="note" data-testid="points-expiring">
                有 <strong>{data.expiringSoon.points}</strong> 积分将于 {shanghaiDate(data.expiringSoon.at)} 过期,请尽快使用
              </p>
            )}
            {!data.rules.enabled && (
              <p className="points-expiring" role="note" data-testid="points-disabled">
                本店积分活动暂停中,暂不能获得或使用积分
              </p>
            )}

            <section className="card" aria-labelledby="points-rules-title" data-testid="points-rules">
              <h2 id="points-rules-title" className="card-title pts-h">
                积分规则
              </h2>
              <dl className="points-rules">
                <dt>如何获得</dt>
                <dd>
                  {data.rules.earnPerYuan > 0 ? `购物每实付 ¥1 得 ${data.rules.earnPerYuan} 积分,支付成功后到账,退款时按比例扣回` : '购物暂不赠送积分'};每日签到可得积分,连续签到还有额外奖励
                </dd>
                <dt>如何使用</dt>
                <dd>
                  {data.rules.maxDeductPercent > 0
                    ? `下单时 ${data.rules.pointsPerYuan} 积分抵 ¥1,最多抵扣商品金额的 ${data.rules.maxDeductPercent}%`
                    : '暂不支持积分抵扣'}
                </dd>
                <dt>有效期</dt>
                <dd>{expiryText(data.rules)}</dd>
              </dl>
            </section>

            <LedgerSection
              name="points"
              title="积分明细"
              pages={pages}
              emptyText="还没有积分记录,去签到领积分吧"
              renderItem={(l) => {
                const label = POINTS_LEDGER_KINDS[l.kind]?.zh ?? '积分变动';
                return (
                  <li key={l.id} className="points-row" data-testid="points-posting" data-kind={l.kind}>
                    <div className="grow">
                      <div className="points-row-title">{label}</div>
                      {l.note && l.note !== label && <div className="small muted ellipsis">{l.note}</div>}
                      <div className="small muted">{dateTime(l.createdAt)}</div>
                    </div>
                    <div className={l.delta > 0 ? 'points-delta plus' : 'points-delta'} data-testid="points-delta">
                      {signed(l.delta)}
                    </div>
                  </li>
                );
              }}
            />
          </>
        )}
      </LedgerPageBody>
    </Page>
  );
}
