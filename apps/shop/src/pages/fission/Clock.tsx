import { clockText } from '../../components/Countdown';
import { useTimeLeft } from './api';

/** A ticking "HH:MM:SS" (with days) to `to` on the server's clock. */
export function Clock({ to, skewMs, onEnd, testId }: { to: string; skewMs: number; onEnd?: () => void; testId?: string }) {
  const left = useTimeLeft(to, skewMs, onEnd);
  return (
    <span className="countdown fx-clock" role="timer" data-testid={testId}>
      {clockText(left)}
    </span>
  );
}
