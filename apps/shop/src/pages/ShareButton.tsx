import { Toast } from 'antd-mobile';
import { UploadOutline } from 'antd-mobile-icons';
import { useRef } from 'react';
import { ApiError, api } from '../lib/api';
import { useLoad } from '../lib/hooks';
import { useSession } from '../lib/session';
import { inWechat } from '../lib/shop';
import { track } from '../lib/tracking';
import { copyText } from './copy-text';

type Target = 'product' | 'coupon' | 'page';

interface ShareResult {
  outcome: 'rewarded' | 'already_shared' | 'daily_cap' | 'off';
  points: number;
  rewardedToday: number;
  dailyCap: number;
}

interface ShareRule {
  enabled: boolean;
  sharePoints: number;
  dailyCap: number;
  rewardedToday: number;
}

/**
 * 分享得积分: shares the current page — the system share sheet where there is one, else the link is
 * copied (in WeChat the customer then shares from the ··· menu) — and reports the share, so a signed-in
 * customer earns the shop's share points (each target once a day, up to the daily cap).
 */
export function ShareButton({ target, targetId, title }: { target: Target; targetId: string; title: string }) {
  const { token, customer } = useSession();
  const rule = useLoad(() => api<ShareRule>('GET', '/points/share').catch(() => null), [token]);
  const busy = useRef(false);
  const reward = rule.data?.enabled ? rule.data.sharePoints : 0;

  const report = async (how: string) => {
    if (!token) {
      Toast.show({ content: reward ? `${how},登录后分享可得 ${reward} 积分` : how });
      return;
    }
    try {
      const r = await api<ShareResult>('POST', '/points/share', { body: { target, targetId } });
      if (r.points > 0) Toast.show({ icon: 'success', content: `${how},获得 ${r.points} 积分` });
      else if (r.outcome === 'daily_cap') Toast.show({ content: `${how},今日分享奖励已领满 ${r.dailyCap} 次` });
      else if (r.outcome === 'already_shared') Toast.show({ content: `${how},今天已分享过,奖励已领取` });
      else Toast.show({ content: how });
      rule.setData((d) => d && { ...d, rewardedToday: r.rewardedToday });
    } catch (err) {
      // The share itself happened; only the reward failed to register.
      Toast.show({ content: err instanceof ApiError && err.status === 0 ? `${how}(网络异常,积分稍后再试)` : how });
    }
  };

  const shared = (channel: 'share_sheet' | 'copy_link') => {
    if (target === 'product') track('product_shared', { product_id: targetId, channel });
  };

  const share = async () => {
    if (busy.current) return;
    busy.current = true;
    // A shared link names who shared it, so the visits it brings count under the 'share' channel
    // (and, later, for the sharer's invitations).
    const link = new URL(window.location.href);
    if (customer) link.searchParams.set('share_by', customer.id);
    const url = link.toString();
    try {
      if (!inWechat && typeof navigator.share === 'function') {
        try {
          await navigator.share({ title, url });
        } catch (err) {
          // The customer closed the share sheet: nothing was shared, nothing to report.
          if ((err as Error).name === 'AbortError') return;
          if (!(await copyText(url))) return void Toast.show({ content: '分享失败,请复制浏览器地址分享' });
          shared('copy_link');
          return void (await report('链接已复制'));
        }
        shared('share_sheet');
        return void (await report('分享成功'));
      }
      if (!(await copyText(url))) return void Toast.show({ content: '复制失败,请长按地址栏复制链接' });
      shared('copy_link');
      await report(inWechat ? '链接已复制,也可点右上角 ··· 分享给朋友' : '链接已复制,快去分享给好友吧');
    } finally {
      busy.current = false;
    }
  };

  const left = rule.data?.enabled ? Math.max(0, rule.data.dailyCap - rule.data.rewardedToday) : 0;
  return (
    <button type="button" className="share-btn" onClick={() => void share()} aria-label={reward && left ? `分享,可得 ${reward} 积分` : '分享'} data-testid="share-button">
      <UploadOutline fontSize={18} aria-hidden />
      <span>分享</span>
      {reward > 0 && left > 0 && (
        <span className="share-reward" data-testid="share-reward">
          +{reward}积分
        </span>
      )}
    </button>
  );
}
