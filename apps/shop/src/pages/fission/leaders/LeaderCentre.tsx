import { Button, Dialog, PullToRefresh, Skeleton, Toast } from 'antd-mobile';
import { useEffect, useState } from 'react';
import { Page } from '../../../components/Page';
import { EmptyState, ErrorState } from '../../../components/States';
import { TextInput } from '../../../components/TextInput';
import { api, errorMessage } from '../../../lib/api';
import { dateTime, money } from '../../../lib/format';
import { useLoad } from '../../../lib/hooks';
import { useSession } from '../../../lib/session';
import {
  beijingMinute,
  currentPosition,
  itemsText,
  LEADER_STATUS_TEXT,
  SETTLEMENT_STATUS_TEXT,
  shanghaiToday,
  type LeaderCentre as Centre,
  type LeaderCommission,
  type LeaderSettlement,
  type PickList,
} from './api';
import { CentreHero, CentrePending, CentreTabs, useCentreTab } from '../CentreParts';
import { ListCard, usePagedRows } from '../ListCard';
import '../fission.css';
import './leaders.css';

/** 团长中心 /me/leader-centre: apply, the application's status, and for a leader: stats, 拣货单, 核销, commission, settlements. */
export default function LeaderCentre() {
  const { tab, setTab } = useCentreTab('pick');
  const me = useLoad(() => api<Centre>('GET', '/me/leader-centre'), []);

  if (me.error || !me.data) return <CentrePending title="团长中心" error={me.error} onRetry={me.reload} />;
  const m = me.data;
  const leader = m.status === 'approved' || m.status === 'disabled';
  return (
    <Page title="团长中心" back="/me" testId="page-leader-centre">
      <PullToRefresh onRefresh={async () => void (await me.reload())}>
        <CentreHero
          testId="leader-status"
          status={m.status}
          label={leader ? '累计佣金' : '社区团长'}
          main={leader ? <div className="fx-hero-amount">{money(m.stats.commissionFen)}</div> : <div className="lx-hero-slogan">{m.application?.pointName ?? '开个自提点,邻居下单你赚佣金'}</div>}
          tag={LEADER_STATUS_TEXT[m.status]}
          tagStyle={{ whiteSpace: 'nowrap', flex: 'none' }}
        />

        {!leader && <StatusCard m={m} onApplied={() => void me.reload()} />}

        {leader && (
          <>
            <section className="card fx-account" aria-label="团长数据" data-testid="leader-stats">
              {m.status === 'disabled' && <p className="small fx-red" style={{ margin: '0 0 8px' }}>团长资格已停用,已下单的订单仍可核销,佣金照常结算</p>}
              <div className="lx-stats">
                <Stat label="待提货订单" value={String(m.stats.ordersToPick)} id="to-pick" />
                <Stat label="今日核销" value={String(m.stats.verifiedToday)} id="verified-today" />
                <Stat label="绑定顾客" value={String(m.stats.customers)} id="customers" />
                <Stat label="待结算佣金" value={money(m.stats.unsettledFen)} id="unsettled" />
                <Stat label="每日截单" value={m.settings.cutoffTime} id="cutoff" />
                <Stat label="佣金比例" value={`${m.settings.commissionBp / 100}%`} id="rate" />
              </div>
              <p className="small muted" style={{ margin: '8px 0 0' }}>顾客在你这里提货、你核销后,按实付金额计入佣金</p>
            </section>
            <CentreTabs
              tab={tab}
              onChange={setTab}
              items={[
                ['pick', '拣货单'],
                ['verify', '核销'],
                ['commissions', '佣金'],
                ['settlements', '结算'],
              ]}
            />
            {tab === 'pick' && <PickTab />}
            {tab === 'verify' && <VerifyTab onVerified={() => void me.reload()} />}
            {tab === 'commissions' && <CommissionsTab />}
            {tab === 'settlements' && <SettlementsTab />}
          </>
        )}
      </PullToRefresh>
    </Page>
  );
}

function Stat({ label, value, id }: { label: string; value: string; id: string }) {
  return (
    <div data-testid={`leader-stat-${id}`}>
      <div className="lx-stat-value">{value}</div>
      <div className="small muted">{label}</div>
    </div>
  );
}

function StatusCard({ m, onApplied }: { m: Centre; onApplied: () => void }) {
  const [applying, setApplying] = useState(false);
  if (applying) return <ApplyForm m={m} onCancel={() => setApplying(false)} onDone={() => { setApplying(false); onApplied(); }} />;
  return (
    <section className="card fx-status-card" aria-label="团长申请">
      {m.status === 'pending' ? (
        <>
          <h3>申请审核中</h3>
          <p className="small muted">商家审核通过后,你的自提点就会出现在附近顾客的团长列表里</p>
          {m.application && <ApplicationSummary a={m.application} />}
        </>
      ) : m.status === 'rejected' ? (
        <>
          <h3 className="fx-red">申请未通过</h3>
          <p className="small muted" data-testid="leader-reject-reason">{m.application?.rejectReason ? `原因:${m.application.rejectReason}` : '商家未通过你的申请'}</p>
          {m.canApply && (
            <Button color="primary" className="btn-round" onClick={() => setApplying(true)} data-testid="leader-apply">
              重新申请
            </Button>
          )}
        </>
      ) : (
        <>
          <h3>成为社区团长</h3>
          <ul className="fx-rules small">
            <li>在你家或小店设一个自提点,邻居下单后到你这里取货</li>
            <li>每天 {m.settings.cutoffTime} 截单,按拣货单收货、分货</li>
            <li>顾客提货时出示 8 位提货码,你核销后获得实付金额 {m.settings.commissionBp / 100}% 的佣金</li>
          </ul>
          {m.canApply ? (
            <Button color="primary" className="btn-round" style={{ marginTop: 10 }} onClick={() => setApplying(true)} data-testid="leader-apply">
              申请成为团长
            </Button>
          ) : (
            <p className="small">本店暂未开放团长申请</p>
          )}
        </>
      )}
    </section>
  );
}

function ApplicationSummary({ a }: { a: NonNullable<Centre['application']> }) {
  return (
    <div className="small" style={{ background: '#fafafa', borderRadius: 8, padding: 8 }}>
      <div>自提点:{a.pointName}</div>
      <div>地址:{a.address}</div>
      {a.hours && <div>营业时间:{a.hours}</div>}
      <div>联系人:{a.name} {a.phone ?? ''}</div>
    </div>
  );
}

function ApplyForm({ m, onCancel, onDone }: { m: Centre; onCancel: () => void; onDone: () => void }) {
  const { customer } = useSession();
  const prev = m.application;
  const [name, setName] = useState(prev?.name ?? '');
  // The application's phone comes back masked: only a full number is worth filling in.
  const [phone, setPhone] = useState([prev?.phone, customer?.phone].find((p): p is string => !!p && /^1\d{10}$/.test(p)) ?? '');
  const [pointName, setPointName] = useState(prev?.pointName ?? '');
  const [address, setAddress] = useState(prev?.address ?? '');
  const [hours, setHours] = useState(prev?.hours ?? '');
  const [pos, setPos] = useState<{ lat: number; lng: number } | null>(prev?.latitude && prev?.longitude ? { lat: prev.latitude, lng: prev.longitude } : null);
  const [locating, setLocating] = useState(false);
  const [busy, setBusy] = useState(false);

  const locate = async () => {
    setLocating(true);
    const p = await currentPosition();
    setLocating(false);
    if (p) setPos(p);
    else Toast.show({ content: '未能获取位置,请在浏览器中允许定位' });
  };

  const submit = async () => {
    if (!name.trim() || !pointName.trim() || !address.trim()) return void Toast.show({ content: '请填写姓名、自提点名称和地址' });
    if (!/^1[3-9]\d{9}$/.test(phone)) return void Toast.show({ content: '请输入正确的 11 位手机号' });
    setBusy(true);
    try {
      await api('POST', '/me/leader-centre/apply', {
        body: { name: name.trim(), phone, pointName: pointName.trim(), address: address.trim(), ...(hours.trim() ? { hours: hours.trim() } : {}), ...(pos ? { latitude: pos.lat, longitude: pos.lng } : {}) },
      });
      Toast.show({ icon: 'success', content: '已提交申请' });
      onDone();
    } catch (err) {
      Toast.show({ icon: 'fail', content: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="card fx-status-card"
      aria-label="申请成为团长"
      data-testid="leader-apply-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h3>申请成为团长</h3>
      <label className="fx-field">
        <span>姓名</span>
        <TextInput value={name} onChange={(e) => setName(e.target.value)} maxLength={20} placeholder="团长姓名" data-testid="leader-apply-name" />
      </label>
      <label className="fx-field">
        <span>手机号</span>
        <TextInput value={phone} onChange={(e) => setPhone(e.target.value.replace(/\D/g, ''))} inputMode="numeric" maxLength={11} placeholder="顾客联系你的电话" data-testid="leader-apply-phone" />
      </label>
      <label className="fx-field">
        <span>自提点</span>
        <TextInput value={pointName} onChange={(e) => setPointName(e.target.value)} maxLength={30} placeholder="如:阳光小区 3 栋便利店" data-testid="leader-apply-point" />
      </label>
      <label className="fx-field">
        <span>地址</span>
        <TextInput value={address} onChange={(e) => setAddress(e.target.value)} maxLength={120} placeholder="详细地址,方便顾客找到" data-testid="leader-apply-address" />
      </label>
      <label className="fx-field">
        <span>营业时间</span>
        <TextInput value={hours} onChange={(e) => setHours(e.target.value)} maxLength={40} placeholder="选填,如 09:00-21:00" data-testid="leader-apply-hours" />
      </label>
      <div className="fx-field">
        <span>位置</span>
        <span className="grow small muted" style={{ flex: 1 }}>{pos ? `已定位 ${pos.lat.toFixed(4)}, ${pos.lng.toFixed(4)}` : '选填,定位后附近顾客能按距离找到你'}</span>
        <button type="button" className="link-btn" onClick={() => void locate()} disabled={locating} data-testid="leader-apply-locate">
          {locating ? '定位中…' : pos ? '重新定位' : '使用当前位置'}
        </button>
      </div>
      <div className="row" style={{ gap: 10, marginTop: 14 }}>
        <Button className="btn-round" style={{ flex: 1 }} onClick={onCancel}>
          取消
        </Button>
        <Button type="submit" color="primary" className="btn-round" style={{ flex: 2 }} loading={busy} data-testid="leader-apply-submit">
          提交申请
        </Button>
      </div>
    </form>
  );
}

function PickTab() {
  const [date, setDate] = useState(shanghaiToday());
  const pick = useLoad(() => api<PickList>('GET', '/me/leader-centre/pick-list', { query: { date } }), [date]);
  const d = pick.data;
  const total = (d?.lines ?? []).reduce((s, l) => s + l.quantity, 0);
  return (
    <section className="card" aria-label="拣货单" data-testid="leader-pick">
      <div className="card-title">
        <label className="row" style={{ gap: 8, fontWeight: 400 }}>
          <span className="small">批次日期</span>
          <input type="date" className="lx-date" value={date} onChange={(e) => e.target.value && setDate(e.target.value)} data-testid="leader-pick-date" />
        </label>
        {d && <span className="small muted">{d.orders.length} 单</span>}
      </div>
      {pick.error ? (
        <ErrorState error={pick.error} onRetry={pick.reload} />
      ) : !d ? (
        <Skeleton.Paragraph lineCount={3} animated />
      ) : d.lines.length === 0 ? (
        <EmptyState title="这一天没有要分拣的订单" />
      ) : (
        <>
          {d.window && <p className="small muted" style={{ margin: '0 0 6px' }}>{beijingMinute(d.window.from)} 至 {beijingMinute(d.window.to)} 付款的订单(北京时间)</p>}
          <ul className="plain-list" aria-label="按商品汇总">
            {d.lines.map((l) => (
              <li key={l.skuId} className="lx-line" data-testid="leader-pick-line">
                <div className="grow">
                  <div className="ellipsis">{l.title}</div>
                  {l.specText && <div className="small muted">{l.specText}</div>}
                </div>
                <span className="small muted">{l.orders} 单</span>
                <span className="lx-qty">×{l.quantity}</span>
              </li>
            ))}
          </ul>
          <div className="lx-total" data-testid="leader-pick-total">
            <span>合计</span>
            <span>{total} 件</span>
          </div>
          <div className="card-title" style={{ marginTop: 14 }}>订单</div>
          <ul className="plain-list" aria-label="批次订单">
            {d.orders.map((o) => (
              <li key={o.orderId} className="lx-line" data-testid="leader-pick-order">
                <div className="grow">
                  <div className="small">
                    {o.customerNickname || '顾客'} {o.phone ?? ''}
                  </div>
                  <div className="small muted ellipsis">{itemsText(o.items)}</div>
                </div>
                <span className="small" style={{ textAlign: 'right' }}>
                  {o.onHold ? <span className="fx-orange">待成团</span> : o.status === 'completed' ? <span className="fx-green">已提货</span> : <span className="muted">待提货</span>}
                  <div className="muted">尾号 {o.orderNo.slice(-6)}</div>
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

interface VerifiedOrder {
  orderId?: string;
  id?: string;
  orderNo?: string;
  status?: string;
  customerNickname?: string | null;
  phone?: string | null;
  items?: unknown;
  payableFen?: number;
  paidFen?: number;
  totalFen?: number;
}

function VerifyTab({ onVerified }: { onVerified: () => void }) {
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<VerifiedOrder | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => setProblem(null), [code]);

  const submit = async () => {
    if (!/^\d{8}$/.test(code)) return setProblem('提货码是 8 位数字');
    const ok = await Dialog.confirm({ title: '确认核销', content: `核销提货码 ${code}?核销后订单即完成`, confirmText: '核销', cancelText: '取消' });
    if (!ok) return;
    setBusy(true);
    try {
      const r = await api<VerifiedOrder | { order: VerifiedOrder }>('POST', '/me/leader-centre/verify', { body: { code } });
      setDone('order' in r && r.order ? r.order : (r as VerifiedOrder));
      setCode('');
      Toast.show({ icon: 'success', content: '核销成功' });
      onVerified();
    } catch (err) {
      setDone(null);
      const status = (err as { status?: number }).status;
      setProblem(status === 404 ? '没有找到这个提货码,或订单不在你的自提点' : errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const amount = done ? (done.paidFen ?? done.payableFen ?? done.totalFen) : undefined;
  return (
    <section className="card" aria-label="核销提货" data-testid="leader-verify">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <p className="small muted" style={{ margin: '0 0 8px' }}>请顾客出示订单里的 8 位提货码</p>
        <TextInput className="lx-code" value={code} onChange={(e) => setCode(e.target.value.replace(/\D/g, '').slice(0, 8))} inputMode="numeric" maxLength={8} placeholder="输入提货码" aria-label="提货码" aria-invalid={!!problem} data-testid="leader-verify-code" />
        {problem && (
          <p className="problem" role="alert" data-testid="leader-verify-error">
            {problem}
          </p>
        )}
        <Button block type="submit" color="primary" className="btn-round" style={{ marginTop: 12 }} disabled={code.length !== 8} loading={busy} data-testid="leader-verify-submit">
          核销
        </Button>
      </form>
      {done && (
        <div className="lx-verified" data-testid="leader-verified">
          <div className="fx-green" style={{ fontWeight: 600 }}>已核销,订单完成</div>
          {done.orderNo && <div className="small">订单 {done.orderNo}</div>}
          {(done.customerNickname || done.phone) && <div className="small">{done.customerNickname ?? ''} {done.phone ?? ''}</div>}
          {done.items !== undefined && <div className="small muted">{itemsText(done.items)}</div>}
          {amount !== undefined && <div className="small">实付 {money(amount)}</div>}
        </div>
      )}
    </section>
  );
}

function CommissionsTab() {
  const list = usePagedRows<LeaderCommission>('/me/leader-centre/commissions');
  return (
    <ListCard
      label="佣金明细"
      testId="leader-commissions"
      error={list.error}
      onRetry={list.reload}
      loaded={list.loaded}
      items={list.rows}
      empty={<EmptyState title="暂无佣金" description="顾客在你这里提货核销后,佣金会显示在这里" />}
      more={{ shown: list.more, loading: list.loading, onMore: list.loadMore }}
    >
      {(c) => (
        <li key={c.id} className="fx-commission" data-testid="leader-commission" data-status={c.status}>
          <div className="grow" style={{ minWidth: 0 }}>
            <div className="ellipsis">{c.kind === 'adjustment' ? '退款扣减' : '提货核销'} · 订单 {c.orderNo}</div>
            <div className="small muted">
              {dateTime(c.accruedAt)} · 实付 {money(c.paidFen)}
              {c.refundedFen > 0 ? `,退款 ${money(c.refundedFen)}` : ''}
            </div>
          </div>
          <div style={{ textAlign: 'right' }}>
            <div className={c.amountFen < 0 ? 'fx-green' : 'fx-red'}>{c.amountFen < 0 ? `-${money(-c.amountFen)}` : `+${money(c.amountFen)}`}</div>
            <div className={`small ${c.status === 'settled' ? 'muted' : 'fx-orange'}`}>{c.status === 'settled' ? '已结算' : '待结算'}</div>
          </div>
        </li>
      )}
    </ListCard>
  );
}

function SettlementsTab() {
  const list = useLoad(() => api<{ items: LeaderSettlement[] }>('GET', '/me/leader-centre/settlements'), []);
  return (
    <ListCard
      label="结算记录"
      testId="leader-settlements"
      error={list.error}
      onRetry={list.reload}
      loaded={!!list.data}
      items={list.data?.items ?? []}
      empty={<EmptyState title="暂无结算单" description="商家定期为你结算佣金,结算单会显示在这里" />}
    >
      {(s) => (
        <li key={s.id} className="fx-commission" data-testid="leader-settlement" data-status={s.status}>
          <div className="grow" style={{ minWidth: 0 }}>
            <div>{money(s.commissionFen)}</div>
            <div className="small muted">
              {s.periodFrom ? `${s.periodFrom} 至 ` : '截至 '}
              {s.periodTo} · {s.orders} 单
            </div>
          </div>
          <div style={{ textAlign: 'right' }}>
            <div className={`small ${s.status === 'paid' ? 'fx-green' : 'fx-orange'}`}>{SETTLEMENT_STATUS_TEXT[s.status] ?? s.status}</div>
            {s.paidAt && <div className="small muted">{dateTime(s.paidAt).slice(0, 10)}</div>}
          </div>
        </li>
      )}
    </ListCard>
  );
}
