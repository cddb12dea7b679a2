import { useEffect, useRef, useState } from 'react';

const pad = (n: number) => String(n).padStart(2, '0');

/** Milliseconds → "HH:MM:SS", with "N天 " in front from one day on. */
export function clockText(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${days > 0 ? `${days}天 ` : ''}${pad(h)}:${pad(m)}:${pad(s)}`;
}

/**
 * A live countdown to `to` (ISO time), ticking once a second; the timer is cleared on unmount and when
 * the target changes. `onEnd` fires once when it reaches zero — only if it was counting when mounted, so a
 * target already in the past (a clock a little ahead of the server) can never loop a reload.
 */
export function Countdown({ to, onEnd, testId }: { to: string; onEnd?: () => void; testId?: string }) {
  const target = new Date(to).getTime();
  const [now, setNow] = useState(() => Date.now());
  const onEndRef = useRef(onEnd);
  useEffect(() => {
    onEndRef.current = onEnd;
  }, [onEnd]);

  useEffect(() => {
    if (!Number.isFinite(target)) return;
    const start = Date.now();
    setNow(start);
    if (target <= start) return;
    const timer = setInterval(() => {
      const n = Date.now();
      setNow(n);
      if (n >= target) {
        clearInterval(timer);
        onEndRef.current?.();
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [target]);

  const left = Number.isFinite(target) ? target - now : 0;
  return (
    <span className="countdown" role="timer" data-testid={testId}>
      {clockText(left)}
    </span>
  );
}
