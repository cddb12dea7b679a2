import { Avatar, Button, CapsuleTabs, Dialog, Popup, PullToRefresh, Toast } from 'antd-mobile';
import { useEffect, useRef, useState } from 'react';
import { Page } from '../../components/Page';
import { EmptyState } from '../../components/States';
import { TextInput } from '../../components/TextInput';
import { ApiError, api, errorMessage, uuid } from '../../lib/api';
import { dateTime, money } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { useSession } from '../../lib/session';
import { type Commission, type PromoterMe, type TeamMember, type Withdrawal } from './api';
import { CentreHero, CentrePending, CentreTabs, useCentreTab } from './CentreParts';
import { ListCard, usePagedRows } from './ListCard';
import { SharePopup } from './SharePopup';
import { PROMOTER_STATUS_TEXT, WITHDRAWAL_STATUS_TEXT } from './texts';
import './fission.css';

/** From ¥2,000 a transfer must name the payee (WeChat's real-name rule for 商家转账). */
const REAL_NAME_FROM_FEN = 200_000;

/** "12.5" → 1250 fen; anything else → null. */
function toFen(text: string): number | null {
  if (!/^\d+(\.\d{1,2})?$/.test(text.trim())) return null;
  const [i, d = ''] = text.trim().split('.');
  return Number(i) * 100 + Number(d.padEnd(2, '0'));
}

// Rounded down, as the server charges it.
const feeOf = (amountFen: number, bp: number) => Math.floor((amountFen * bp) / 10_000);

/** 推广中心 /me/promoter: apply, the account, my poster, my team, commissions and withdrawals. */
export default function Promoter() {
  const { tab, setTab } = useCentreTab('team');
  const me = useLoad(() => api<PromoterMe>('GET', '/me/promoter'), []);
  const [sharing, setSharing] = useState(false);
  const [applying, setApplying] = useState(false);

  if (me.error || !me.data) return <CentrePending title="推广中心" error={me.error} onRetry={me.reload} />;
  const m = me.data;

  const active = m.status === 'approved';
  return (
    <Page title="推广中心" back="/me" testId="page-promoter">
      <PullToRefresh onRefresh={async () => void (await me.reload())}>
        <CentreHero testId="promoter-status" status={m.status} label="累计佣金" main={<div className="fx-hero-amount">{money(m.account.earnedFen)}</div>} tag={PROMOTER_STATUS_TEXT[m.status]}>
          {active && (
            <Button size="small" className="btn-round fx-hero-btn" onClick={() => setSharing(true)} data-testid="promoter-share">
              分享我的推广海报
            </Button>
          )}
        </CentreHero>

        {!active && <StatusCard m={m} onApply={() => setApplying(true)} />}

        {(active || m.status === 'disabled') && (
          <>
            <AccountCards m={m} />
            <CentreTabs
              tab={tab}
              onChange={setTab}
              items={[
                ['team', '我的团队'],
                ['commissions', '佣金明细'],
                ['withdraw', '提现'],
              ]}
            />
            {tab === 'team' && <TeamTab tiers={m.settings.tiers} />}
            {tab === 'commissions' && <CommissionsTab />}
            {tab === 'withdraw' && <WithdrawTab m={m} onChanged={() => void me.reload()} />}
          </>
        )}
      </PullToRefresh>

      <SharePopup kind="promoter" visible={sharing} onClose={() => setSharing(false)} title="我的推广海报" hint="好友通过你的海报或链接进店下单,你可获得佣金" />
      <ApplyPopup visible={applying} onClose={() => setApplying(false)} onDone={() => void me.reload()} />
    </Page>
  );
}

function StatusCard({ m, onApply }: { m: PromoterMe; onApply: () => void }) {
  return (
    <section className="card fx-status-card" aria-label="推广员状态">
      {m.status === 'pending' ? (
        <>
          <h3>申请审核中</h3>
          <p className="small muted">商家审核通过后,你就可以分享推广海报赚取佣金了</p>
        </>
      ) : m.status === 'rejected' ? (
        <>
          <h3 className="fx-red">申请未通过</h3>
          <p className="small muted">{m.rejectReason ? `原因:${m.rejectReason}` : '商家未通过你的申请'}</p>
          {m.canApply && (
            <Button color="primary" className="btn-round" onClick={onApply} data-testid="promoter-apply">
              重新申请
            </Button>
          )}
        </>
      ) : m.status === 'disabled' ? (
        <>
          <h3>推广资格已停用</h3>
          <p className="small muted">已产生的佣金仍可在下方查看和提现,如有疑问请联系商家</p>
        </>
      ) : (
        <>
          <h3>成为推广员</h3>
          <p className="small muted">分享商品给好友,好友下单后你可获得佣金,确认收货并过售后期后即可提现</p>
          {m.canApply ? (
            <Button color="primary" className="btn-round" onClick={onApply} data-testid="promoter-apply">
              申请成为推广员
            </Button>
          ) : (
            <p className="small">
              {m.settings.eligibility === 'spend' && m.settings.spendThresholdFen ? `累计消费满 ${money(m.settings.spendThresholdFen)} 即可成为推广员` : '本店暂未开放推广员申请'}
            </p>
          )}
        </>
      )}
    </section>
  );
}

function ApplyPopup({ visible, onClose, onDone }: { visible: boolean; onClose: () => void; onDone: () => void }) {
  const { customer } = useSession();
  const [realName, setRealName] = useState('');
  const [phone, setPhone] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (visible && !phone && customer?.phone) setPhone(customer.phone);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [visible, customer?.phone]);
  const submit = async () => {
    if (phone && !/^1[3-9]\d{9}$/.test(phone)) return void Toast.show({ content: '请输入正确的 11 位手机号' });
    setBusy(true);
    try {
      await api('POST', '/me/promoter/apply', { body: { ...(realName.trim() ? { realName: realName.trim() } : {}), ...(phone ? { phone } : {}) } });
      Toast.show({ icon: 'success', content: '已提交申请' });
      onClose();
      onDone();
    } catch (err) {
      Toast.show({ icon: 'fail', content: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Popup visible={visible} onMaskClick={onClose} onClose={onClose} bodyStyle={{ borderTopLeftRadius: 16, borderTopRightRadius: 16, maxWidth: 750, margin: '0 auto', left: 0, right: 0 }}>
      <form
        className="fx-share"
        aria-label="申请成为推广员"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h3 className="fx-share-title">申请成为推广员</h3>
        <label className="fx-field">
          <span>真实姓名</span>
          <TextInput value={realName} onChange={(e) => setRealName(e.target.value)} placeholder="选填,提现时需与实名一致" maxLength={32} data-testid="promoter-apply-name" />
        </label>
        <label className="fx-field">
          <span>手机号</span>
          <TextInput value={phone} onChange={(e) => setPhone(e.target.value.replace(/\D/g, ''))} inputMode="numeric" maxLength={11} placeholder="选填" data-testid="promoter-apply-phone" />
        </label>
        <Button block type="submit" color="primary" className="btn-round" style={{ marginTop: 16 }} loading={busy} data-testid="promoter-apply-submit">
          提交申请
        </Button>
      </form>
    </Popup>
  );
}

function AccountCards({ m }: { m: PromoterMe }) {
  const a = m.account;
  // A claw-back after the money was withdrawn leaves a debt: the next commissions pay it off first.
  const debt = a.payableFen < 0;
  const cells: { label: string; fen: number; id: string; red?: boolean }[] = [
    { label: '可提现', fen: debt ? -a.payableFen : a.payableFen, id: 'payable', red: debt },
    { label: '冻结中', fen: a.frozenFen, id: 'frozen' },
    { label: '已提现', fen: a.paidFen, id: 'paid' },
    { label: '已扣回', fen: a.clawedFen, id: 'clawed' },
  ];
  return (
    <section className="card fx-account" aria-label="佣金账户">
      <div className="fx-account-grid">
        {cells.map((c) => (
          <div key={c.id} className="fx-account-cell" data-testid={`promoter-${c.id}`}>
            <div className={c.red ? 'fx-account-amount fx-red' : 'fx-account-amount'}>{c.red ? `-${money(c.fen)}` : money(c.fen)}</div>
            <div className="small muted">{c.label}</div>
          </div>
        ))}
      </div>
      {debt && (
        <p className="small fx-red" style={{ margin: '8px 0 0' }} data-testid="promoter-debt">
          已提现的佣金因订单退款被扣回,后续佣金将先抵扣 {money(-a.payableFen)}
        </p>
      )}
      {a.withdrawingFen > 0 && <p className="small muted" style={{ margin: '6px 0 0' }}>提现处理中 {money(a.withdrawingFen)}</p>}
    </section>
  );
}

function TeamTab({ tiers }: { tiers: 1 | 2 }) {
  const [tier, setTier] = useState<'1' | '2'>('1');
  const team = useLoad(() => api<{ items: TeamMember[] }>('GET', '/me/promoter/team', { query: { tier } }), [tier]);
  return (
    <ListCard
      label="我的团队"
      testId="promoter-team"
      head={
        tiers === 2 && (
          <CapsuleTabs activeKey={tier} onChange={(k) => setTier(k as '1' | '2')}>
            <CapsuleTabs.Tab title="一级" key="1" />
            <CapsuleTabs.Tab title="二级" key="2" />
          </CapsuleTabs>
        )
      }
      error={team.error}
      onRetry={team.reload}
      loaded={!!team.data}
      items={team.data?.items ?? []}
      empty={<EmptyState title="还没有团队成员" description="好友通过你的推广海报或链接进店即成为你的客户" />}
    >
      {(t, i) => (
        <li key={`${t.boundAt}-${i}`} className="fx-help" data-testid="promoter-team-member">
          <Avatar src={t.avatarUrl ?? ''} alt="" style={{ '--size': '36px', '--border-radius': '50%' } as React.CSSProperties} />
          <div className="grow" style={{ minWidth: 0 }}>
            <div className="ellipsis">{t.nickname || '微信用户'}</div>
            <div className="small muted">{dateTime(t.boundAt)} 加入</div>
          </div>
          <div style={{ textAlign: 'right' }}>
            <div className="small">{t.orders} 单</div>
            <div className="small muted">消费 {money(t.spentFen)}</div>
          </div>
        </li>
      )}
    </ListCard>
  );
}

function commissionStatus(c: Commission): { text: string; cls: string } {
  if (c.status === 'cancelled' || (c.clawedFen > 0 && c.clawedFen >= c.amountFen)) return { text: '已扣回', cls: 'fx-red' };
  if (c.status === 'frozen') return { text: c.thawAt ? `冻结中,${dateTime(c.thawAt).slice(5)} 可提现` : '冻结中,确认收货后计算', cls: 'muted' };
  if (c.status === 'payable') return { text: '可提现', cls: 'fx-green' };
  if (c.status === 'paid') return { text: '已提现', cls: 'muted' };
  return { text: c.status, cls: 'muted' };
}

function CommissionsTab() {
  const list = usePagedRows<Commission>('/me/promoter/commissions');
  return (
    <ListCard
      label="佣金明细"
      testId="promoter-commissions"
      error={list.error}
      onRetry={list.reload}
      loaded={list.loaded}
      items={list.rows}
      empty={<EmptyState title="暂无佣金" description="好友通过你的分享下单后,佣金会显示在这里" />}
      more={{ shown: list.more, loading: list.loading, onMore: list.loadMore }}
    >
      {(c, i) => {
        const s = commissionStatus(c);
        return (
          <li key={`${c.orderNo}-${c.tier}-${i}`} className="fx-commission" data-testid="promoter-commission" data-status={c.status}>
            <div className="grow" style={{ minWidth: 0 }}>
              <div className="ellipsis">{c.productTitle}</div>
              <div className="small muted">
                {c.tier === 2 ? '二级' : '一级'} · 订单 {c.orderNo}
              </div>
            </div>
            <div style={{ textAlign: 'right' }}>
              <div className={c.status === 'cancelled' ? 'fx-strike' : 'fx-red'}>+{money(c.amountFen)}</div>
              {c.clawedFen > 0 && c.status !== 'cancelled' && <div className="small fx-red">扣回 {money(c.clawedFen)}</div>}
              <div className={`small ${s.cls}`}>{s.text}</div>
            </div>
          </li>
        );
      }}
    </ListCard>
  );
}

function WithdrawTab({ m, onChanged }: { m: PromoterMe; onChanged: () => void }) {
  const list = useLoad(() => api<{ items: Withdrawal[] }>('GET', '/me/promoter/withdrawals'), []);
  const [amount, setAmount] = useState('');
  const [realName, setRealName] = useState('');
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);
  // One key per withdrawal attempt: a retry after a lost answer reuses it and never withdraws twice.
  const key = useRef<string | null>(null);

  // Back from the transfer confirmation page (same tab, or the bfcache): the status has moved on.
  useEffect(() => {
    const refresh = () => {
      if (document.visibilityState === 'visible') {
        void list.reload();
        onChanged();
      }
    };
    const onShow = (e: PageTransitionEvent) => e.persisted && refresh();
    window.addEventListener('pageshow', onShow);
    document.addEventListener('visibilitychange', refresh);
    return () => {
      window.removeEventListener('pageshow', onShow);
      document.removeEventListener('visibilitychange', refresh);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const { withdrawMinFen, withdrawFeeBp } = m.settings;
  const available = Math.max(0, m.account.payableFen);
  const fen = toFen(amount);
  const fee = fen ? feeOf(fen, withdrawFeeBp) : 0;
  const needName = !!fen && fen >= REAL_NAME_FROM_FEN;
  const problem = !amount ? null : fen === null ? '请输入正确的金额' : fen < withdrawMinFen ? `最低提现 ${money(withdrawMinFen)}` : fen > available ? `最多可提现 ${money(available)}` : null;

  const submit = async () => {
    if (!fen || problem) return;
    if (needName && !realName.trim()) return void Toast.show({ content: '单笔 ¥2,000 起需填写真实姓名' });
    const ok = await Dialog.confirm({ title: '确认提现', content: `提现 ${money(fen)},手续费 ${money(fee)},实际到账 ${money(fen - fee)}`, confirmText: '确认提现', cancelText: '取消' });
    if (!ok) return;
    key.current ??= uuid();
    setBusy(true);
    try {
      await api('POST', '/me/promoter/withdrawals', { body: { amountFen: fen, ...(needName ? { realName: realName.trim() } : {}) }, headers: { 'Idempotency-Key': key.current } });
      key.current = null;
      setAmount('');
      Toast.show({ icon: 'success', content: '提现申请已提交' });
      void list.reload();
      onChanged();
    } catch (err) {
      // A refusal (not a lost answer) ends this attempt: the next one is a new withdrawal.
      if (!(err instanceof ApiError && err.status === 0)) key.current = null;
      Toast.show({ icon: 'fail', content: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };

  const confirmReceipt = async (w: Withdrawal) => {
    setConfirming(w.id);
    try {
      const r = await api<{ mchId: string; appId: string; packageInfo: string; confirmUrl: string }>('POST', `/me/promoter/withdrawals/${w.id}/confirm`, { body: {} });
      // In the mini-program this is wx.requestMerchantTransfer; in H5 the transfer's own confirmation page.
      // Back here afterwards: the list shows 已到账 once WeChat's notification has landed.
      window.location.assign(`${r.confirmUrl}&redirect=${encodeURIComponent(`${window.location.pathname}?tab=withdraw`)}`);
    } catch (err) {
      Toast.show({ icon: 'fail', content: errorMessage(err) });
      void list.reload();
      setConfirming(null);
    }
  };

  return (
    <>
      <section className="card" aria-label="申请提现" data-testid="promoter-withdraw">
        <div className="card-title">
          <span>申请提现</span>
          <span className="small muted">可提现 {money(available)}</span>
        </div>
        <label className="fx-field">
          <span>提现金额</span>
          <TextInput value={amount} onChange={(e) => setAmount(e.target.value.replace(/[^\d.]/g, ''))} inputMode="decimal" placeholder={`最低 ${money(withdrawMinFen)}`} aria-invalid={!!problem} data-testid="withdraw-amount" />
          <button type="button" className="link-btn" onClick={() => setAmount(String(available / 100))} disabled={available <= 0}>
            全部
          </button>
        </label>
        {needName && (
          <label className="fx-field">
            <span>真实姓名</span>
            <TextInput value={realName} onChange={(e) => setRealName(e.target.value)} placeholder="与微信实名一致" maxLength={32} data-testid="withdraw-real-name" />
          </label>
        )}
        <p className="small muted" style={{ margin: '8px 0 0' }} data-testid="withdraw-fee">
          {problem ? (
            <span className="problem">{problem}</span>
          ) : fen ? (
            `手续费 ${money(fee)}(${withdrawFeeBp / 100}%),实际到账 ${money(fen - fee)}`
          ) : (
            `最低提现 ${money(withdrawMinFen)}${withdrawFeeBp ? `,手续费 ${withdrawFeeBp / 100}%` : ',免手续费'};单笔 ¥2,000 起需填写真实姓名`
          )}
        </p>
        <Button block color="primary" className="btn-round" style={{ marginTop: 12 }} disabled={!fen || !!problem || available <= 0} loading={busy} onClick={() => void submit()} data-testid="withdraw-submit">
          申请提现
        </Button>
      </section>

      <ListCard
        label="提现记录"
        testId="promoter-withdrawals"
        head={<div className="card-title">提现记录</div>}
        error={list.error}
        onRetry={list.reload}
        loaded={!!list.data}
        items={list.data?.items ?? []}
        skeletonLines={2}
        empty={
          <p className="small muted" style={{ margin: 0 }}>
            暂无提现记录
          </p>
        }
      >
        {(w) => (
          <li key={w.id} className="fx-commission" data-testid="withdrawal" data-status={w.status}>
            <div className="grow" style={{ minWidth: 0 }}>
              <div>{money(w.amountFen)}</div>
              <div className="small muted">
                {dateTime(w.createdAt)}
                {w.feeFen > 0 ? ` · 手续费 ${money(w.feeFen)}` : ''}
              </div>
              {(w.rejectReason || w.failReason) && <div className="small fx-red">{w.rejectReason || w.failReason}</div>}
            </div>
            <div style={{ textAlign: 'right' }}>
              <div className={`small ${w.status === 'paid' ? 'fx-green' : w.status === 'rejected' || w.status === 'failed' ? 'fx-red' : 'fx-orange'}`} data-testid="withdrawal-status">
                {WITHDRAWAL_STATUS_TEXT[w.status] ?? w.status}
              </div>
              {w.status === 'wait_confirm' && (
                <Button size="mini" color="primary" className="btn-round" style={{ marginTop: 4 }} loading={confirming === w.id} onClick={() => void confirmReceipt(w)} data-testid="withdrawal-confirm">
                  确认收款
                </Button>
              )}
            </div>
          </li>
        )}
      </ListCard>
    </>
  );
}
