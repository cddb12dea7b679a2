import { Button, Skeleton } from 'antd-mobile';
import { CheckCircleFill } from 'antd-mobile-icons';
import { useCallback, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useClaimOnReturn, useCouponClaim } from '../components/CouponActions';
import { COUPON_KIND_TEXT, couponFace, myCouponValidity, shortYuan } from '../components/CouponCard';
import { Page } from '../components/Page';
import { ErrorState } from '../components/States';
import { api } from '../lib/api';
import { useLoad } from '../lib/hooks';
import { useSession } from '../lib/session';
import { useShop } from '../lib/shop-info';
import type { CentreCoupon, MyCoupon } from '../lib/types';

/**
 * A claim link (/coupons/:id): what a poster's QR code opens. Works for a visitor: 立即领取 sends them to
 * sign in (new phone numbers register on the way) and back here, where the claim completes.
 */
export default function CouponClaim() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const shop = useShop();
  const { token } = useSession();
  const { data: c, setData, error, reload } = useLoad(() => api<CentreCoupon>('GET', `/coupons/${encodeURIComponent(id)}`), [id, token]);
  const [mine, setMine] = useState<MyCoupon | null>(null);

  const onUpdate = useCallback((x: CentreCoupon) => setData(x), [setData]);
  const returnTo = useCallback((x: CentreCoupon) => `/coupons/${encodeURIComponent(x.id)}?claim=1`, []);
  const onClaimed = useCallback((_: CentreCoupon, m: MyCoupon) => setMine(m), []);
  const { claim, busyId } = useCouponClaim({ returnTo, onUpdate, onClaimed });
  const list = useMemo(() => (c ? [c] : null), [c]);
  useClaimOnReturn(list, claim);

  if (error) {
    return (
      <Page title="领取优惠券" back>
        <ErrorState error={error} onRetry={reload} />
      </Page>
    );
  }
  if (!c) {
    return (
      <Page title="领取优惠券" back>
        <section className="claim-hero" aria-busy="true">
          <div className="claim-ticket">
            <Skeleton.Title animated />
            <Skeleton.Paragraph lineCount={3} animated />
          </div>
        </section>
      </Page>
    );
  }

  const face = couponFace(c);
  const claimed = !!mine || c.claimedByMe > 0;
  const soldOut = !c.canClaim && !claimed && (c.remaining <= 0 || c.reason === '已领完');

  return (
    <Page title="领取优惠券" back testId="page-coupon-claim">
      <section className="claim-hero" aria-labelledby="claim-title">
        <p className="claim-from">{shop.name} 送你一张优惠券</p>
        <div className={soldOut || (!c.canClaim && !claimed) ? 'claim-ticket dim' : 'claim-ticket'} data-testid="claim-coupon" data-coupon-id={c.id}>
          <div className="claim-value">
            <span aria-hidden="true">{face.value}</span>
            <span className="sr-only">{face.text}</span>
          </div>
          <div className="claim-rule">
            {face.rule}
            {c.kind === 'percent_off' && c.maxDiscountFen ? ` · 最多减¥${shortYuan(c.maxDiscountFen)}` : ''}
          </div>
          <h2 id="claim-title" className="claim-name">
            <span className="coupon-kind">{COUPON_KIND_TEXT[c.kind]}</span>
            {c.name}
          </h2>
          <p className="claim-meta">
            {c.scopeText} · {c.validityText}
          </p>

          {claimed && !c.canClaim ? (
            <div className="claim-done" role="status" data-testid="claim-done">
              <p className="claim-ok">
                <CheckCircleFill aria-hidden /> {mine ? '领取成功,已放入「我的优惠券」' : '你已领取过这张券'}
              </p>
              {mine && <p className="small muted" style={{ margin: '0 0 12px' }}>有效期 {myCouponValidity(mine)}</p>}
              <Button block color="primary" size="large" className="btn-round" onClick={() => navigate('/')} data-testid="claim-go-use">
                去使用
              </Button>
              <Link to="/me/coupons" className="link-btn claim-link" data-testid="claim-my-coupons">
                查看我的优惠券 ›
              </Link>
            </div>
          ) : c.canClaim ? (
            <div className="claim-done">
              {claimed && (
                <p className="claim-ok" role="status">
                  <CheckCircleFill aria-hidden /> 已领 {c.claimedByMe} 张,还可以再领
                </p>
              )}
              <Button block color="primary" size="large" className="btn-round" loading={busyId === c.id} onClick={() => void claim(c)} data-testid="coupon-claim">
                {claimed ? '再领一张' : token ? '立即领取' : '登录领取'}
              </Button>
              {claimed ? (
                <Button block fill="outline" color="primary" size="large" className="btn-round" style={{ marginTop: 10 }} onClick={() => navigate('/')} data-testid="claim-go-use">
                  去使用
                </Button>
              ) : (
                !token && <p className="small muted" style={{ margin: '10px 0 0' }}>手机号验证即可登录,新用户自动注册</p>
              )}
            </div>
          ) : (
            <div className="claim-done">
              <Button block size="large" className="btn-round" disabled data-testid="coupon-state">
                {c.reason ?? '暂不可领'}
              </Button>
              <Link to="/coupons" className="link-btn claim-link">
                去领券中心看看 ›
              </Link>
            </div>
          )}
        </div>
      </section>

      <section className="card" aria-labelledby="claim-rules-title">
        <h3 id="claim-rules-title" className="card-title" style={{ margin: '0 0 4px' }}>
          使用说明
        </h3>
        <div className="kv">
          <span className="muted">使用门槛</span>
          <span className="v">{c.thresholdFen > 0 ? `满¥${shortYuan(c.thresholdFen)}可用` : '无门槛'}</span>
        </div>
        <div className="kv">
          <span className="muted">适用范围</span>
          <span className="v">{c.scopeText}</span>
        </div>
        <div className="kv">
          <span className="muted">有效期</span>
          <span className="v">{c.validityText}</span>
        </div>
        {c.description && <p className="small muted" style={{ margin: '6px 0 0', whiteSpace: 'pre-wrap' }}>{c.description}</p>}
      </section>
    </Page>
  );
}
