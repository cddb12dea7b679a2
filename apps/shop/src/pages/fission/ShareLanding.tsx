import { Button, DotLoading, ErrorBlock } from 'antd-mobile';
import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { Page } from '../../components/Page';
import { ApiError, api, errorMessage } from '../../lib/api';
import { basename } from '../../lib/shop';
import { pendingScene, type Scene } from './api';
import './fission.css';

/** A path from the server as a route of this storefront: "/s/<slug>/x" and "/x" both open "/x"; nothing outside it. */
export function routeOf(path: string): string {
  let p = path.trim();
  if (basename && (p === basename || p.startsWith(`${basename}/`))) p = p.slice(basename.length) || '/';
  return p.startsWith('/') && !p.startsWith('//') ? p : '/';
}

/**
 * /share/:scene — where a shared link or poster QR lands. The scene is kept for the referral visit
 * (sent once the customer is signed in, see ReferralVisit), then the page it points to opens in its place.
 */
export default function ShareLanding() {
  const { scene = '' } = useParams();
  const navigate = useNavigate();
  const [failure, setFailure] = useState<{ expired: boolean; message: string } | null>(null);

  useEffect(() => {
    let live = true;
    api<Scene>('GET', `/scenes/${encodeURIComponent(scene)}`)
      .then((s) => {
        if (!live) return;
        pendingScene.set(scene);
        navigate(routeOf(s.path), { replace: true });
      })
      .catch((err) => {
        if (!live) return;
        const status = err instanceof ApiError ? err.status : 0;
        setFailure({ expired: status === 410 || status === 404, message: status === 410 ? '该分享链接已过期' : status === 404 ? '分享链接无效' : errorMessage(err) });
      });
    return () => {
      live = false;
    };
  }, [scene, navigate]);

  if (!failure) {
    return (
      <div className="center-pad" style={{ paddingTop: 120 }} aria-busy="true">
        <DotLoading color="primary" />
        <p className="muted">正在打开…</p>
      </div>
    );
  }
  return (
    <Page title="分享链接" back="/" testId="page-share-landing">
      <div className="empty" role="alert" data-testid="share-expired">
        <ErrorBlock status="empty" title={failure.message} description={failure.expired ? '活动可能已结束,去店里逛逛吧' : '请稍后再试'} style={{ '--image-height': '120px' } as React.CSSProperties}>
          <Button color="primary" className="btn-round" onClick={() => navigate('/', { replace: true })} data-testid="share-go-home">
            去首页逛逛
          </Button>
        </ErrorBlock>
      </div>
    </Page>
  );
}
