import { useEffect, useRef } from 'react';
import { useLocation } from 'react-router-dom';
import { ApiError, api } from '../../lib/api';
import { useSession } from '../../lib/session';
import { pendingScene } from './api';

/**
 * Sends the scene a customer arrived through (a share link or poster) as a referral visit, once, as soon as
 * someone is signed in: right away for a signed-in customer, else after the next sign-in (any way of
 * signing in ends with the session's customer set, which is what this waits for). The server decides
 * the binding and the invitation from the scene's stored payload; a network failure keeps the scene for the next time.
 */
export function ReferralVisit() {
  const { token, customer } = useSession();
  // A share link opened while signed in stores its scene and then navigates: the new path is the cue.
  const { pathname } = useLocation();
  const sending = useRef(false);
  useEffect(() => {
    if (!token || !customer || sending.current) return;
    const scene = pendingScene.get();
    if (!scene) return;
    sending.current = true;
    // The same arrival counts twice on the server: a binding to a promoter (分销) and an invitation (邀请有礼).
    Promise.all([
      api<{ bound: boolean; promoterNickname?: string }>('POST', '/referrals/visit', { body: { scene } }),
      api<{ outcome: string }>('POST', '/invitations/accept', { body: { scene } }).catch((err) => {
        // Not new, already invited, or a link without a sharer: nothing to do, and no reason to keep the scene.
        if (err instanceof ApiError && err.status === 0) throw err;
      }),
    ])
      .then(() => pendingScene.forget())
      .catch((err) => {
        if (!(err instanceof ApiError && err.status === 0)) pendingScene.forget();
      })
      .finally(() => {
        sending.current = false;
      });
  }, [token, customer, pathname]);
  return null;
}
