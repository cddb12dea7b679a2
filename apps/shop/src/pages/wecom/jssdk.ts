/**
 * WeCom's JS-SDK in the chat toolbar (聊天工具栏): wx.config with the corp's signature, then wx.agentConfig
 * with the app's, after which getCurExternalContact names the customer of the open chat and
 * sendChatMessage puts a card into it. Outside the WeCom client none of this exists.
 */

export interface JssdkSignatures {
  corpId: string;
  agentId: number;
  config: { timestamp: number; nonceStr: string; signature: string };
  agentConfig: { timestamp: number; nonceStr: string; signature: string };
  jsApiList: string[];
}

export interface ChatMessage {
  msgtype: 'news' | 'miniprogram' | 'text';
  enterChat?: boolean;
  news?: { link: string; title: string; desc: string; imgUrl: string };
  text?: { content: string };
}

type Wx = {
  config(o: Record<string, unknown>): void;
  ready(f: () => void): void;
  error(f: (e: unknown) => void): void;
  agentConfig(o: Record<string, unknown>): void;
  invoke(name: string, args: Record<string, unknown>, cb: (res: { err_msg: string; userId?: string }) => void): void;
};
declare global {
  interface Window {
    wx?: Wx;
  }
}

export const inWecom = /wxwork/i.test(navigator.userAgent);

function script(src: string) {
  return new Promise<void>((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`无法加载 ${src}`));
    document.head.appendChild(s);
  });
}

let ready: Promise<Wx> | null = null;

/** Loads and configures the SDK once per page; resolves when agentConfig has succeeded. */
export function setUp(signatures: () => Promise<JssdkSignatures>): Promise<Wx> {
  ready ??= (async () => {
    await script('https://res.wx.qq.com/open/js/jweixin-1.2.0.js');
    await script('https://open.work.weixin.qq.com/wwopen/js/jwxwork-1.0.0.js');
    const s = await signatures();
    const wx = window.wx!;
    await new Promise<void>((resolve, reject) => {
      wx.config({ beta: true, debug: false, appId: s.corpId, timestamp: s.config.timestamp, nonceStr: s.config.nonceStr, signature: s.config.signature, jsApiList: s.jsApiList });
      wx.ready(() => resolve());
      wx.error((e) => reject(new Error(`wx.config 失败:${JSON.stringify(e)}`)));
    });
    await new Promise<void>((resolve, reject) => {
      wx.agentConfig({
        corpid: s.corpId, agentid: s.agentId, timestamp: s.agentConfig.timestamp, nonceStr: s.agentConfig.nonceStr, signature: s.agentConfig.signature, jsApiList: s.jsApiList,
        success: () => resolve(),
        fail: (e: unknown) => reject(new Error(`wx.agentConfig 失败:${JSON.stringify(e)}`)),
      });
    });
    return wx;
  })();
  return ready;
}

/** The external contact of the chat the toolbar was opened from. */
export async function currentContact(wx: Wx): Promise<string> {
  return new Promise((resolve, reject) =>
    wx.invoke('getCurExternalContact', {}, (res) => (res.err_msg === 'getCurExternalContact:ok' && res.userId ? resolve(res.userId) : reject(new Error(res.err_msg)))),
  );
}

export async function sendChatMessage(wx: Wx, message: ChatMessage): Promise<void> {
  return new Promise((resolve, reject) => wx.invoke('sendChatMessage', { ...message }, (res) => (res.err_msg === 'sendChatMessage:ok' ? resolve() : reject(new Error(res.err_msg)))));
}
