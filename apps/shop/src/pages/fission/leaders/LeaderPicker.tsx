import { Button, Dialog, PullToRefresh, Skeleton, Toast } from 'antd-mobile';
import { CheckCircleFill, EnvironmentOutline } from 'antd-mobile-icons';
import { useEffect, useState } from 'react';
import { Page } from '../../../components/Page';
import { EmptyState, ErrorState } from '../../../components/States';
import { api, errorMessage } from '../../../lib/api';
import { useLoad } from '../../../lib/hooks';
import { beijingMinute, currentPosition, distanceText, monthDay, type MyLeader, type NearbyLeader } from './api';
import '../fission.css';
import './leaders.css';

type Located = 'asking' | 'yes' | 'no';

/**
 * 我的团长 /me/leader: nearby leaders, nearest first when the browser shares the position (else by name);
 * choosing one makes their pickup point my default at checkout.
 */
export default function LeaderPicker() {
  const me = useLoad(() => api<MyLeader>('GET', '/me/leader'), []);
  const [pos, setPos] = useState<{ lat: number; lng: number } | null>(null);
  const [located, setLocated] = useState<Located>('asking');
  const [saving, setSaving] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    void currentPosition().then((p) => {
      if (!live) return;
      setPos(p);
      setLocated(p ? 'yes' : 'no');
    });
    return () => {
      live = false;
    };
  }, []);

  const nearby = useLoad(
    () => (located === 'asking' ? Promise.resolve(null) : api<{ items: NearbyLeader[] }>('GET', '/leaders/nearby', { query: pos ? { lat: pos.lat, lng: pos.lng } : {} })),
    [located, pos?.lat, pos?.lng],
  );

  const mineId = me.data?.mine?.customerId ?? null;
  const choose = async (l: NearbyLeader) => {
    if (l.customerId === mineId) return;
    if (mineId && !(await Dialog.confirm({ title: '更换团长', content: `以后默认到「${l.pointName}」自提,确定更换?`, confirmText: '更换', cancelText: '取消' }))) return;
    setSaving(l.customerId);
    try {
      await api('PUT', '/me/leader', { body: { leaderId: l.customerId } });
      Toast.show({ icon: 'success', content: '已选择团长,下单时默认到此自提' });
      await me.reload();
    } catch (err) {
      Toast.show({ icon: 'fail', content: errorMessage(err) });
    } finally {
      setSaving(null);
    }
  };

  const m = me.data;
  const list = nearby.data?.items ?? [];
  return (
    <Page title="我的团长" back="/me" testId="page-leader-picker">
      <PullToRefresh onRefresh={async () => void (await Promise.all([me.reload(), nearby.reload()]))}>
        {me.error ? (
          <ErrorState error={me.error} onRetry={me.reload} />
        ) : !m ? (
          <div className="card">
            <Skeleton.Paragraph lineCount={3} animated />
          </div>
        ) : (
          <section className="card lx-mine" aria-label="当前团长" data-testid="leader-mine">
            {m.mine ? (
              <>
                <div className="small muted">当前团长</div>
                <div className="lx-mine-name">
                  {m.mine.pointName ?? '自提点'}
                  {m.mine.name && <span className="small muted"> · 团长 {m.mine.name}</span>}
                </div>
                {m.mine.address && <div className="small">{m.mine.address}</div>}
                {m.mine.hours && <div className="small muted">营业时间 {m.mine.hours}</div>}
              </>
            ) : (
              <>
                <div className="lx-mine-name">还没有选择团长</div>
                <div className="small muted">选择离你最近的团长,下单后到团长处自提</div>
              </>
            )}
            <p className="small lx-cutoff" data-testid="leader-cutoff">
              {m.nextCutoffAt ? `现在下单,本批 ${beijingMinute(m.nextCutoffAt)} 截单` : `每天 ${m.cutoffTime} 截单`}
              {m.pickupDate ? `,${monthDay(m.pickupDate)}可提货` : ''}
            </p>
          </section>
        )}

        <section className="card" aria-label="附近团长" data-testid="leader-nearby">
          <div className="card-title">
            <span>{located === 'yes' ? '附近团长' : '全部团长'}</span>
            <span className="small muted row" style={{ gap: 4 }}>
              <EnvironmentOutline aria-hidden />
              {located === 'asking' ? '正在定位…' : located === 'yes' ? '按距离排序' : '未获取到位置,按名称排序'}
            </span>
          </div>
          {nearby.error ? (
            <ErrorState error={nearby.error} onRetry={nearby.reload} />
          ) : located === 'asking' || !nearby.data ? (
            <Skeleton.Paragraph lineCount={4} animated />
          ) : list.length === 0 ? (
            <EmptyState title="附近还没有团长" description="可以在「团长中心」申请成为团长" />
          ) : (
            <ul className="plain-list">
              {list.map((l) => {
                const chosen = l.customerId === mineId;
                return (
                  <li key={l.customerId} className={chosen ? 'lx-leader lx-chosen' : 'lx-leader'} data-testid="leader-item" data-chosen={chosen || undefined}>
                    <div className="grow" style={{ minWidth: 0 }}>
                      <div className="lx-leader-name">
                        {l.pointName}
                        {l.distanceMeters !== null && l.distanceMeters !== undefined && <span className="lx-distance">{distanceText(l.distanceMeters)}</span>}
                      </div>
                      <div className="small">{l.address}</div>
                      <div className="small muted">
                        团长 {l.name}
                        {l.hours ? ` · ${l.hours}` : ''}
                      </div>
                    </div>
                    {chosen ? (
                      <span className="small fx-green row" style={{ gap: 4 }}>
                        <CheckCircleFill aria-hidden /> 当前
                      </span>
                    ) : (
                      <Button size="small" color="primary" fill="outline" className="btn-round" loading={saving === l.customerId} onClick={() => void choose(l)} data-testid="leader-choose">
                        选择
                      </Button>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
        </section>
      </PullToRefresh>
    </Page>
  );
}
