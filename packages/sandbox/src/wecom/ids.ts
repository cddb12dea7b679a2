import { randomBytes } from 'node:crypto';

/** Ids, errors and calendar rules in WeCom's formats. */
export const secs = (ms: number) => Math.floor(ms / 1000);

const rand = (n: number) => randomBytes(n).toString('base64url').replace(/[-_]/g, 'A');
export const newAccessToken = () => randomBytes(96).toString('base64url');
export const newExternalUserid = () => `wm${rand(24).slice(0, 30)}`;
export const newTagId = () => `et${rand(18).slice(0, 22)}`;
export const newConfigId = () => randomBytes(16).toString('hex');
export const newWelcomeCode = () => rand(32).slice(0, 43);
export const newMsgid = () => `msg${rand(18).slice(0, 24)}`;
export const newChatId = () => `wr${rand(18).slice(0, 22)}`;
export const newJobid = () => rand(24).slice(0, 32);
export const newTicket = () => rand(60).slice(0, 80);

/** WeCom appends a hint and a request id to every errmsg. */
export const wxErr = (errcode: number, errmsg: string) => ({
  errcode,
  errmsg: `${errmsg}, hint: [${secs(Date.now())}_${randomBytes(8).toString('hex')}], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`,
});

/** Mass-message quotas run by Beijing calendar month. */
export const chinaMonth = (t: number) => new Date(t + 8 * 3_600_000).toISOString().slice(0, 7);
export function daysInMonth(t: number): number {
  const [y, m] = chinaMonth(t).split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}
