import type { Topic } from '@siyu/contracts';
import { Toast } from 'antd-mobile';
import { useEffect, useRef } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { useSession } from '../../lib/session';
import { askSubscribe, readShellReturn, reportShellReturn, RETURN_PARAMS } from '../../lib/subscribe';

/**
 * Asks for one-time subscriptions once the page has shown what it is about (an order paid, a deposit paid).
 * Renders nothing; the ask never holds up or breaks the page (see askSubscribe).
 */
export function SubscribeAsk({ topics, delayMs = 800 }: { topics: Topic[]; delayMs?: number }) {
  const { customer } = useSession();
  const customerId = useRef(customer?.id);
  customerId.current = customer?.id;
  const key = topics.join(',');
  useEffect(() => {
    if (!key) return;
    const timer = setTimeout(() => void askSubscribe(key.split(',') as Topic[], { customerId: customerId.current }), delayMs);
    return () => clearTimeout(timer);
  }, [key, delayMs]);
  return null;
}

/**
 * Back from the mini-program shell's subscribe page (lib/subscribe.ts has the contract): reports the
 * customer's answer and takes the sy_* parameters off the address. Mounted once, inside the router.
 */
export function SubscribeReturn() {
  const loc = useLocation();
  const navigate = useNavigate();
  const { token } = useSession();
  useEffect(() => {
    const back = readShellReturn(loc.search);
    if (!back) return;
    const q = new URLSearchParams(loc.search);
    for (const p of Object.values(RETURN_PARAMS)) q.delete(p);
    const search = q.toString();
    navigate({ pathname: loc.pathname, search: search ? `?${search}` : '', hash: loc.hash }, { replace: true });
    if (!token) return;
    reportShellReturn(back)
      .then((granted) => {
        if (granted?.some((g) => g.left > 0 && back.topics.includes(g.topic))) Toast.show({ icon: 'success', content: '订阅成功' });
      })
      .catch((err) => console.warn('[subscribe] reporting the mini-program answer failed:', err));
    // Only a new address can carry a new answer.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loc.search]);
  return null;
}
