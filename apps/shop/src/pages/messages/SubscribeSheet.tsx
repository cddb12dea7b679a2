import { Checkbox, Popup } from 'antd-mobile';
import { useCallback, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { SubscribeTemplate } from '../../lib/subscribe';
import './messages.css';

interface Props {
  shopName: string;
  templates: SubscribeTemplate[];
  /** The ticks per template (allowed), or null (cancelled); called at once, before the sheet slides away. */
  onAnswer: (ticked: boolean[] | null) => void;
  /** The sheet has slid away. */
  onClosed?: () => void;
}

/**
 * What WeChat shows for wx.requestSubscribeMessage, for pages outside the mini-program: the shop asks to
 * send these messages, one tick per template (ticked by default, as WeChat does), 允许 / 取消.
 */
export function SubscribeSheet({ shopName, templates, onAnswer, onClosed }: Props) {
  const [visible, setVisible] = useState(true);
  const [ticked, setTicked] = useState<boolean[]>(() => templates.map(() => true));
  // Focus moves into the sheet once it is in the page (the Popup mounts its content a render later).
  const focusOnMount = useCallback((el: HTMLDivElement | null) => el?.focus(), []);
  const close = (value: boolean[] | null) => {
    if (!visible) return;
    setVisible(false);
    onAnswer(value);
  };
  return (
    <Popup
      visible={visible}
      onMaskClick={() => close(null)}
      afterClose={onClosed}
      bodyStyle={{ borderTopLeftRadius: 12, borderTopRightRadius: 12, maxWidth: 750, margin: '0 auto', left: 0, right: 0 }}
    >
      <div
        ref={focusOnMount}
        tabIndex={-1}
        className="sub-sheet"
        role="dialog"
        aria-modal="true"
        aria-labelledby="sub-sheet-title"
        onKeyDown={(e) => e.key === 'Escape' && close(null)}
        data-testid="subscribe-sheet"
      >
        <div className="sub-app">
          <span className="sub-logo" aria-hidden="true">
            {shopName.slice(0, 1)}
          </span>
          <h2 id="sub-sheet-title">{shopName} 申请向你发送以下消息</h2>
        </div>
        <ul>
          {templates.map((t, i) => (
            <li key={t.topic}>
              <Checkbox
                checked={ticked[i]}
                onChange={(on) => setTicked((v) => v.map((x, j) => (j === i ? on : x)))}
                data-testid={`subscribe-option-${t.topic}`}
              >
                {t.title}
              </Checkbox>
            </li>
          ))}
        </ul>
        <p className="sub-note">每次允许可收到一次通知,可在“我的 - 消息设置”中管理</p>
        <div className="sub-actions">
          <button type="button" className="sub-cancel" onClick={() => close(null)} data-testid="subscribe-cancel">
            取消
          </button>
          <button type="button" className="sub-allow" onClick={() => close(ticked)} data-testid="subscribe-allow">
            允许
          </button>
        </div>
      </div>
    </Popup>
  );
}

/** Shows the sheet over whatever page is open; resolves with the ticks, or null when cancelled. */
export function showSubscribeSheet(opts: { shopName: string; templates: SubscribeTemplate[] }): Promise<boolean[] | null> {
  return new Promise((resolve) => {
    const host = document.createElement('div');
    document.body.appendChild(host);
    const root = createRoot(host);
    let gone = false;
    const cleanUp = () => {
      if (gone) return;
      gone = true;
      // Not inside the Popup's own callback: React does not unmount a root while it renders.
      setTimeout(() => {
        root.unmount();
        host.remove();
      });
    };
    const answered = (ticked: boolean[] | null) => {
      resolve(ticked);
      // The slide-out calls onClosed; should the animation never finish, the sheet still goes.
      setTimeout(cleanUp, 1500);
    };
    root.render(<SubscribeSheet shopName={opts.shopName} templates={opts.templates} onAnswer={answered} onClosed={cleanUp} />);
  });
}
