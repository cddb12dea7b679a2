import { Button, Skeleton, Toast } from 'antd-mobile';
import { CheckOutline, LeftOutline, RightOutline } from 'antd-mobile-icons';
import { useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { Page } from '../components/Page';
import { ErrorState } from '../components/States';
import { ApiError, api } from '../lib/api';
import { toastError, useLoad } from '../lib/hooks';

interface CheckIns {
  month: string;
  /** Today in the shop's calendar (Shanghai), YYYY-MM-DD. */
  today: string;
  checkedInToday: boolean;
  /** Consecutive days up to today, or up to yesterday while today is still open; 0 when broken. */
  streak: number;
  days: { day: string; streak: number; points: number }[];
  rules: { checkinPoints: number; streakBonus: { day: number; bonus: number }[] };
}

const WEEKDAYS = ['一', '二', '三', '四', '五', '六', '日'];

/** This month in the shop's calendar (Shanghai), before the server has said what today is. */
const shanghaiMonth = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7);

function shiftMonth(month: string, by: number): string {
  const [y, m] = month.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 1 + by, 1));
  return d.toISOString().slice(0, 7);
}

/** The cells of a month, Monday first: null pads the first week. */
function monthCells(month: string): (number | null)[] {
  const [y, m] = month.split('-').map(Number);
  const lead = (new Date(Date.UTC(y, m - 1, 1)).getUTCDay() + 6) % 7;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const cells: (number | null)[] = [...Array<null>(lead).fill(null), ...Array.from({ length: days }, (_, i) => i + 1)];
  while (cells.length % 7) cells.push(null);
  return cells;
}

/** The next streak bonus still ahead: how many more days, and what it gives. */
function nextBonus(c: CheckIns): { inDays: number; day: number; bonus: number } | null {
  // A streak that reached yesterday continues with today's check-in; a broken one starts again at 1.
  const done = c.streak;
  const b = [...c.rules.streakBonus].sort((x, y) => x.day - y.day).find((x) => x.day > done);
  return b ? { inDays: b.day - done, day: b.day, bonus: b.bonus } : null;
}

/** 签到: today's check-in, the streak, the streak bonus rules and a month calendar of check-ins. */
export default function CheckIn() {
  const [month, setMonth] = useState(shanghaiMonth);
  const [busy, setBusy] = useState(false);
  const busyRef = useRef(false);
  const data = useLoad(() => api<CheckIns>('GET', '/me/check-ins', { query: { month } }), [month]);
  const c = data.data;
  const thisMonth = c?.today.slice(0, 7) ?? shanghaiMonth();
  const checked = new Map((c?.month === month ? c.days : []).map((d) => [Number(d.day.slice(8, 10)), d]));
  const [y, m] = month.split('-').map(Number);
  const todayNum = c && c.today.slice(0, 7) === month ? Number(c.today.slice(8, 10)) : null;

  const checkIn = async () => {
    if (busyRef.current) return;
    busyRef.current = true;
    setBusy(true);
    try {
      const r = await api<{ day: string; streak: number; points: number }>('POST', '/me/check-in', { body: {} });
      Toast.show({
        icon: 'success',
        content: (
          <div data-testid="check-in-toast">
            <div className="checkin-toast-points">{r.points > 0 ? `+${r.points} 积分` : '签到成功'}</div>
            <div>已连续签到 {r.streak} 天</div>
          </div>
        ),
      });
      if (month !== r.day.slice(0, 7)) setMonth(r.day.slice(0, 7));
      else await data.reload();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'ALREADY_CHECKED_IN') {
        Toast.show({ content: '今天已经签到过了,明天再来吧' });
        await data.reload();
      } else toastError(err);
    } finally {
      busyRef.current = false;
      setBusy(false);
    }
  };

  const next = c ? nextBonus(c) : null;

  return (
    <Page title="每日签到" back="/me" testId="page-check-in">
      {data.error && !c ? (
        <ErrorState error={data.error} onRetry={data.reload} />
      ) : !c ? (
        <div className="card">
          <Skeleton.Title animated />
          <Skeleton.Paragraph lineCount={5} animated />
        </div>
      ) : (
        <>
          <section className="checkin-hero" aria-label="今日签到">
            <p className="checkin-streak" data-testid="check-in-streak" aria-live="polite">
              {c.streak > 0 ? (
                <>
                  已连续签到 <strong>{c.streak}</strong> 天
                </>
              ) : (
                '今天还没有签到'
              )}
            </p>
            <Button
              className="checkin-btn"
              shape="rounded"
              disabled={c.checkedInToday || busy}
              loading={busy}
              onClick={checkIn}
              data-testid="check-in-button"
            >
              {c.checkedInToday ? '今日已签到' : '签到'}
            </Button>
            <p className="checkin-hint">
              {c.checkedInToday ? '明天继续签到,' : `签到得 ${c.rules.checkinPoints} 积分,`}
              {next ? `再连续签到 ${next.inDays} 天额外得 ${next.bonus} 积分` : '坚持签到领更多积分'}
            </p>
          </section>

          <section className="card" aria-labelledby="checkin-cal-title">
            <div className="checkin-cal-head">
              <button type="button" className="nav-back" aria-label="上个月" onClick={() => setMonth((mm) => shiftMonth(mm, -1))} data-testid="check-in-prev-month">
                <LeftOutline fontSize={18} aria-hidden />
              </button>
              <h2 id="checkin-cal-title" data-testid="check-in-month">
                {y} 年 {m} 月
              </h2>
              <button
                type="button"
                className="nav-back"
                aria-label="下个月"
                disabled={month >= thisMonth}
                onClick={() => setMonth((mm) => shiftMonth(mm, 1))}
                data-testid="check-in-next-month"
              >
                <RightOutline fontSize={18} aria-hidden />
              </button>
            </div>
            <table className="checkin-cal" aria-busy={data.loading} data-testid="check-in-calendar">
              <caption className="sr-only">
                {y} 年 {m} 月签到记录,本月已签到 {checked.size} 天
              </caption>
              <thead>
                <tr>
                  {WEEKDAYS.map((w) => (
                    <th key={w} scope="col" abbr={`星期${w}`}>
                      {w}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {Array.from({ length: monthCells(month).length / 7 }, (_, row) => (
                  <tr key={row}>
                    {monthCells(month)
                      .slice(row * 7, row * 7 + 7)
                      .map((d, i) => {
                        if (d === null) return <td key={`e${i}`} />;
                        const hit = checked.get(d);
                        const cls = ['checkin-day', hit && 'on', d === todayNum && 'today'].filter(Boolean).join(' ');
                        return (
                          <td key={d}>
                            <span className={cls} data-testid={hit ? 'check-in-day-on' : undefined} data-day={d}>
                              <span className="checkin-day-num">{d}</span>
                              {hit ? (
                                <span className="checkin-day-mark" aria-hidden="true">
                                  <CheckOutline />
                                  {hit.points > 0 && <span>+{hit.points}</span>}
                                </span>
                              ) : null}
                              {hit && <span className="sr-only">已签到{hit.points > 0 ? `,得 ${hit.points} 积分` : ''}</span>}
                              {d === todayNum && <span className="sr-only">(今天)</span>}
                            </span>
                          </td>
                        );
                      })}
                  </tr>
                ))}
              </tbody>
            </table>
          </section>

          <section className="card" aria-labelledby="checkin-rules-title" data-testid="check-in-rules">
            <h2 id="checkin-rules-title" className="card-title pts-h">
              签到规则
            </h2>
            <ul className="checkin-rules">
              <li>每天签到可得 {c.rules.checkinPoints} 积分,每天限签 1 次</li>
              {[...c.rules.streakBonus]
                .sort((a, b) => a.day - b.day)
                .map((b) => (
                  <li key={b.day} data-testid="check-in-bonus-rule">
                    连续签到第 {b.day} 天,额外奖励 <strong>{b.bonus}</strong> 积分
                  </li>
                ))}
              <li>中断一天后连续天数从 1 重新计算</li>
            </ul>
            <Link to="/me/points" className="small link-btn" style={{ padding: 0 }} data-testid="check-in-go-points">
              查看我的积分 ›
            </Link>
          </section>
        </>
      )}
    </Page>
  );
}
