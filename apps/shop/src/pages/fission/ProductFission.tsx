import { Avatar, Button, Toast } from 'antd-mobile';
import { useState, type ReactNode } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { Price } from '../../components/Price';
import { api, errorMessage } from '../../lib/api';
import { dateTime, money } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { useSession } from '../../lib/session';
import type { ProductDetail } from '../../lib/types';
import { Clock } from './Clock';
import { deviceHeaders, skewOf, type Bargain, type Launch, type OpenGroup, type ProductGroupBuy } from './api';
import { GroupSkuPopup, lowestGroupPrice, pricesVary } from './GroupSkuPopup';
import { LadderLine } from './TierLadder';
import { activityLadder, seatsToForm, tierRuleText } from './tiers';
import './fission.css';

/**
 * 拼团 and 砍价 on the product page. `block` goes into the page body (bands, open groups, 发起砍价);
 * `actions` replaces the buy buttons while a group buy runs (单独购买 / 发起拼团), or is null.
 * Neither request ever blocks the page: without them it is an ordinary product.
 */
export function useProductFission(productId: string, product: ProductDetail | null): { block: ReactNode; actions: ((onSolo: () => void) => ReactNode) | null } {
  const session = useSession();
  const navigate = useNavigate();
  const loc = useLocation();
  const gb = useLoad(() => api<ProductGroupBuy>('GET', `/products/${encodeURIComponent(productId)}/group-buy`).catch(() => null), [productId, session.token]);
  const bg = useLoad(() => api<{ bargain: Bargain | null }>('GET', `/products/${encodeURIComponent(productId)}/bargain`).then((r) => r.bargain).catch(() => null), [productId]);
  const [popup, setPopup] = useState<{ open: boolean; groupId?: string }>({ open: false });
  const [launching, setLaunching] = useState(false);

  const groupBuy = gb.data?.groupBuy ?? null;
  const bargain = bg.data && bg.data.status !== 'ended' ? bg.data : null;
  const skewMs = skewOf(gb.data?.serverTime);
  if (!product) return { block: null, actions: null };

  const needSignIn = () => {
    if (session.token) return false;
    Toast.show({ content: '请先登录' });
    navigate(`/login?redirect=${encodeURIComponent(loc.pathname)}`);
    return true;
  };
  const openGroup = (groupId?: string) => {
    if (needSignIn()) return;
    setPopup({ open: true, groupId });
  };
  const launch = async () => {
    if (!bargain || needSignIn()) return;
    setLaunching(true);
    try {
      const l = await api<Launch>('POST', `/bargains/${bargain.id}/launches`, { body: {}, headers: await deviceHeaders() });
      navigate(`/bargain-launches/${l.id}`);
    } catch (err) {
      Toast.show({ icon: 'fail', content: errorMessage(err) });
    } finally {
      setLaunching(false);
    }
  };

  const soloFen = product.minPrice;
  // 阶梯团: the price shown is the first tier's (what everyone pays); the ladder says how low it can go.
  const tiers = groupBuy ? activityLadder(groupBuy) : null;
  const duration = groupBuy ? (groupBuy.durationMinutes >= 60 ? `${Math.round(groupBuy.durationMinutes / 60)} 小时` : `${groupBuy.durationMinutes} 分钟`) : '';
  const block = (
    <>
      {groupBuy && (
        <section className="fx-band" aria-label="拼团" data-testid="product-group-buy">
          <div className="fx-band-head">
            <span className="fx-badge">{tiers ? '阶梯团' : `${groupBuy.groupSize}人团`}</span>
            <Price fen={lowestGroupPrice(groupBuy, false)} size="lg" from={pricesVary(groupBuy, false)} testId="product-group-price" />
            <span className="small fx-band-weak">单买 {money(soloFen)}</span>
            <span className="grow" />
            <span className="small fx-band-weak">
              距结束 <Clock to={groupBuy.endsAt} skewMs={skewMs} onEnd={() => void gb.reload()} />
            </span>
          </div>
          {tiers ? (
            <>
              <p className="fx-band-tiers" data-testid="product-group-tiers">
                <LadderLine tiers={tiers} />
              </p>
              <p className="small fx-band-rules" data-testid="product-group-tier-rule">
                {tierRuleText(tiers)}
                {groupBuy.newCustomerOnly ? ' · 仅限新客' : ''}
                {` · ${duration}内未满 ${tiers[0]!.size} 人自动退款`}
              </p>
            </>
          ) : (
            <p className="small fx-band-rules">
              {groupBuy.leaderMode === 'free' ? '团长免单 · ' : groupBuy.leaderMode === 'discount' ? `团长价 ${money(lowestGroupPrice(groupBuy, true))}${pricesVary(groupBuy, true) ? ' 起' : ''} · ` : ''}
              {groupBuy.newCustomerOnly ? '仅限新客 · ' : ''}
              {`${duration}内未成团自动退款`}
            </p>
          )}
        </section>
      )}
      {groupBuy && (gb.data?.openGroups.length ?? 0) > 0 && (
        <section className="card fx-open-groups" aria-labelledby="fx-open-groups-title" data-testid="product-open-groups">
          <div className="card-title" id="fx-open-groups-title">
            这些人正在拼团,可直接参与
          </div>
          <ul className="plain-list">
            {gb.data!.openGroups.map((g) => (
              <OpenGroupRow key={g.id} g={g} minSize={groupBuy.tierSizes?.[0] ?? null} skewMs={skewMs} onJoin={() => openGroup(g.id)} onEnd={() => void gb.reload()} />
            ))}
          </ul>
        </section>
      )}
      {bargain && (
        <section className="fx-band fx-band-bargain" aria-label="砍价" data-testid="product-bargain">
          <div className="fx-band-head">
            <span className="fx-badge">砍价</span>
            <span>最低砍至</span>
            <Price fen={bargain.floorPriceFen} size="lg" testId="product-bargain-floor" />
            <span className="grow" />
            {bargain.status === 'upcoming' ? (
              <Button size="small" className="btn-round fx-band-btn" disabled data-testid="product-bargain-upcoming">
                {dateTime(bargain.startsAt).slice(5)} 开始
              </Button>
            ) : (
              <Button size="small" className="btn-round fx-band-btn" loading={launching} onClick={() => void launch()} data-testid="product-bargain-launch">
                发起砍价
              </Button>
            )}
          </div>
          <p className="small fx-band-rules">
            {bargain.specText ? `${bargain.specText} · ` : ''}邀请好友帮砍,{bargain.launchHours} 小时内砍到底价{bargain.buyMode === 'floor_only' ? '后可购买' : ',随时可按当前价购买'}
          </p>
        </section>
      )}
      {groupBuy && <GroupSkuPopup product={product} groupBuy={groupBuy} groupId={popup.groupId} visible={popup.open} onClose={() => setPopup({ open: false })} />}
    </>
  );

  const actions =
    groupBuy && !product.soldOut
      ? (onSolo: () => void) => (
          <div className="grow row" style={{ gap: 0 }}>
            <Button block className="btn-orange fx-two-line" style={{ borderRadius: '999px 0 0 999px' }} onClick={onSolo} data-testid="group-buy-solo">
              <span className="fx-btn-price">{money(soloFen)}</span>
              <span>单独购买</span>
            </Button>
            <Button block color="primary" className="fx-two-line" style={{ borderRadius: '0 999px 999px 0' }} onClick={() => openGroup()} data-testid="group-buy-open">
              <span className="fx-btn-price">{money(lowestGroupPrice(groupBuy, true))}</span>
              <span>发起拼团</span>
            </Button>
          </div>
        )
      : null;
  return { block, actions };
}

function OpenGroupRow({ g, minSize, skewMs, onJoin, onEnd }: { g: OpenGroup; minSize: number | null; skewMs: number; onJoin: () => void; onEnd: () => void }) {
  const name = g.leaderNickname || '微信用户';
  // A tiered group forms at its first tier, not when full; seatsLeft counts to the last.
  const need = minSize ? seatsToForm({ size: g.size, filled: g.filled, minSize }) : g.seatsLeft;
  return (
    <li className="fx-open-group" data-testid="open-group">
      <Avatar src={g.leaderAvatarUrl ?? ''} style={{ '--size': '36px', '--border-radius': '50%' } as React.CSSProperties} alt="" />
      <div className="grow" style={{ minWidth: 0 }}>
        <div className="ellipsis">{name}</div>
        <div className="small muted" data-testid="open-group-line" data-formed={g.formed ? 'true' : undefined}>
          {g.formed ? (
            <b className="fx-green">已成团 · 可继续参团</b>
          ) : (
            <>
              还差 <b className="fx-red">{need}</b> 人{minSize ? '成团' : ''}
            </>
          )}{' '}
          <span className="fx-nowrap">
            · 剩余 <Clock to={g.expiresAt} skewMs={skewMs} onEnd={onEnd} />
          </span>
        </div>
      </div>
      <Button size="small" color="primary" className="btn-round" onClick={onJoin} aria-label={g.formed ? `参加${name}的团,已成团,可继续参团` : `参加${name}的团,还差 ${need} 人`} data-testid="open-group-join">
        去参团
      </Button>
    </li>
  );
}
