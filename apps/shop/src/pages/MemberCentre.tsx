import { LEVEL_PERIOD_LABELS } from '@siyu/contracts';
import { List, PullToRefresh, Skeleton } from 'antd-mobile';
import { BankcardOutline, CalendarOutline, CollectMoneyOutline, CouponOutline, StarOutline } from 'antd-mobile-icons';
import { useNavigate } from 'react-router-dom';
import { BASE_LEVEL_NAME, benefitList, MemberCard, metricAmount, periodNote, type MyLevel } from '../components/MemberLevel';
import { Page } from '../components/Page';
import { ErrorState } from '../components/States';
import { api } from '../lib/api';
import { dateTime } from '../lib/format';
import { useLoad } from '../lib/hooks';

/** What the threshold column counts: "累计消费满" / "近3个月下单满". */
function thresholdHeading(l: MyLevel): string {
  const period = LEVEL_PERIOD_LABELS[l.period].zh;
  return l.metric === 'spend' ? `${period}消费满` : `${period}下单满`;
}

/** Whether a history entry went up or down, by the ranks of the levels it names (none is below all). */
function direction(l: MyLevel, from: string | null, to: string | null): 'up' | 'down' | null {
  const rank = (n: string | null) => (n === null ? 0 : l.levels.find((x) => x.name === n)?.rank);
  const a = rank(from);
  const b = rank(to);
  if (a === undefined || b === undefined || a === b) return null;
  return b > a ? 'up' : 'down';
}

/** 会员中心: my level and the way to the next, every level with its benefits, my level history. */
export default function MemberCentre() {
  const navigate = useNavigate();
  const load = useLoad(() => api<MyLevel>('GET', '/me/level'), []);
  const data = load.data;

  return (
    <Page title="会员中心" back="/me" testId="page-member">
      <PullToRefresh onRefresh={load.reload}>
        {load.error && !data ? (
          <ErrorState error={load.error} onRetry={load.reload} />
        ) : !data ? (
          <div className="card">
            <Skeleton.Title animated />
            <Skeleton.Paragraph lineCount={4} animated />
          </div>
        ) : (
          <>
            {data.levels.length === 0 ? (
              <p className="points-expiring" role="note" data-testid="member-no-levels">
                本店暂未开通会员等级,敬请期待
              </p>
            ) : (
              <>
                <div className="member-hero">
                  <MemberCard data={data} />
                  {periodNote(data) && <p className="member-period-note">{periodNote(data)}</p>}
                </div>

                <section className="card" aria-labelledby="member-levels-title">
                  <h2 id="member-levels-title" className="card-title pts-h">
                    等级权益
                  </h2>
                  <table className="member-levels" data-testid="member-levels">
                    <thead>
                      <tr>
                        <th scope="col">等级</th>
                        <th scope="col">{thresholdHeading(data)}</th>
                        <th scope="col">专享权益</th>
                      </tr>
                    </thead>
                    <tbody>
                      {data.levels[0].threshold > 0 && (
                        <tr className={data.level ? undefined : 'current'} data-testid="member-level-row">
                          <th scope="row">
                            {BASE_LEVEL_NAME}
                            {!data.level && <span className="member-current-tag">当前</span>}
                          </th>
                          <td>—</td>
                          <td className="muted">—</td>
                        </tr>
                      )}
                      {data.levels.map((l) => {
                        const mine = data.level?.id === l.id;
                        const benefits = benefitList(l);
                        return (
                          <tr key={l.id} className={mine ? 'current' : undefined} data-testid="member-level-row">
                            <th scope="row">
                              {l.name}
                              {mine && <span className="member-current-tag">当前</span>}
                            </th>
                            <td>{l.threshold === 0 ? '—' : metricAmount(data.metric, l.threshold)}</td>
                            <td>
                              {benefits.length ? (
                                benefits.map((b) => (
                                  <span key={b} className="member-benefit">
                                    {b}
                                  </span>
                                ))
                              ) : (
                                <span className="muted">—</span>
                              )}
                            </td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                  <p className="small muted member-table-note">折扣在结算时按会员价自动计算,包邮以结算页为准</p>
                </section>

                <section className="card" aria-labelledby="member-history-title">
                  <h2 id="member-history-title" className="card-title pts-h">
                    等级记录
                  </h2>
                  {data.history.length === 0 ? (
                    <p className="muted center-pad" data-testid="member-history-empty">
                      还没有等级变化记录
                    </p>
                  ) : (
                    <ul className="plain-list" data-testid="member-history">
                      {data.history.map((h) => {
                        const dir = direction(data, h.from, h.to);
                        return (
                          <li key={h.id} className="points-row" data-testid="member-history-row">
                            <div className="grow">
                              <div className="points-row-title">
                                {h.from ?? BASE_LEVEL_NAME} → {h.to ?? BASE_LEVEL_NAME}
                              </div>
                              {/* metricValue is left out: it was measured under the rule of its day, which the shop may have changed since. */}
                              <div className="small muted">{h.reason}</div>
                              <div className="small muted">{dateTime(h.createdAt)}</div>
                            </div>
                            {dir && <span className={`member-dir ${dir}`}>{dir === 'up' ? '升级' : '降级'}</span>}
                          </li>
                        );
                      })}
                    </ul>
                  )}
                </section>
              </>
            )}

            <section className="card" style={{ padding: 0, overflow: 'hidden' }} aria-label="会员服务">
              <List>
                <List.Item prefix={<BankcardOutline aria-hidden />} extra={<span className="small muted">开通享专属权益</span>} onClick={() => navigate('/me/card')} data-testid="member-go-paid-card">
                  付费会员卡
                </List.Item>
                <List.Item prefix={<CollectMoneyOutline aria-hidden />} extra={<span className="small muted">充值有礼</span>} onClick={() => navigate('/me/balance')} data-testid="member-go-balance">
                  我的余额
                </List.Item>
                <List.Item prefix={<StarOutline aria-hidden />} onClick={() => navigate('/me/points')} data-testid="member-go-points">
                  我的积分
                </List.Item>
                <List.Item prefix={<CalendarOutline aria-hidden />} extra={<span className="small muted">签到领积分</span>} onClick={() => navigate('/me/check-in')} data-testid="member-go-check-in">
                  每日签到
                </List.Item>
                <List.Item prefix={<CouponOutline aria-hidden />} onClick={() => navigate('/me/coupons')} data-testid="member-go-coupons">
                  我的优惠券
                </List.Item>
              </List>
            </section>
          </>
        )}
      </PullToRefresh>
    </Page>
  );
}
