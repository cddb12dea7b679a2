import { Button, DotLoading, Popup, Toast } from 'antd-mobile';
import { CloseOutline } from 'antd-mobile-icons';
import { useEffect, useState } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { api, errorMessage } from '../../lib/api';
import { useSession } from '../../lib/session';
import { inWechat } from '../../lib/shop';
import { absoluteUrl, type ShareKind, type ShareLink } from './api';
import { copyText } from '../copy-text';
import './fission.css';

/**
 * 邀请好友: asks the server for this customer's share scene (POST /me/share), then shows the link with
 * 复制链接 and the poster (its QR opens the same link). Signed-out customers are sent to sign in first.
 */
export function SharePopup({ kind, targetId, visible, onClose, title, hint }: { kind: ShareKind; targetId?: string; visible: boolean; onClose: () => void; title: string; hint?: string }) {
  const { token } = useSession();
  const navigate = useNavigate();
  const loc = useLocation();
  const [link, setLink] = useState<ShareLink | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [posterFailed, setPosterFailed] = useState(false);

  useEffect(() => {
    if (!visible || link) return;
    if (!token) {
      onClose();
      Toast.show({ content: '请先登录' });
      navigate(`/login?redirect=${encodeURIComponent(loc.pathname + loc.search)}`);
      return;
    }
    let live = true;
    setError(null);
    api<ShareLink>('POST', '/me/share', { body: targetId ? { kind, targetId } : { kind } })
      .then((r) => live && setLink(r))
      .catch((err) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [visible, token, kind, targetId]);

  const url = link ? absoluteUrl(link.url) : '';
  const copy = async () => {
    if (!url) return;
    Toast.show((await copyText(url)) ? { icon: 'success', content: inWechat ? '链接已复制,也可点右上角 ··· 分享' : '链接已复制,快去分享给好友吧' } : { content: '复制失败,请长按链接复制' });
  };

  return (
    <Popup visible={visible} onMaskClick={onClose} onClose={onClose} bodyStyle={{ borderTopLeftRadius: 16, borderTopRightRadius: 16, maxWidth: 750, margin: '0 auto', left: 0, right: 0, maxHeight: '90vh', overflowY: 'auto' }}>
      <div className="fx-share" role="dialog" aria-modal="true" aria-label={title} data-testid="fission-share-popup">
        <div className="row between">
          <h3 className="fx-share-title">{title}</h3>
          <button type="button" className="nav-back" aria-label="关闭" onClick={onClose}>
            <CloseOutline fontSize={20} aria-hidden />
          </button>
        </div>
        {hint && <p className="small muted" style={{ margin: '0 0 10px' }}>{hint}</p>}
        {error ? (
          <p className="problem" role="alert">
            {error}
          </p>
        ) : !link ? (
          <div className="center-pad" aria-busy="true">
            <DotLoading color="primary" />
            <span className="sr-only">正在生成分享链接</span>
          </div>
        ) : (
          <>
            <div className="fx-poster">
              {posterFailed ? (
                <div className="img-ph">海报生成失败,可复制链接分享</div>
              ) : (
                <img src={link.posterUrl} alt="分享海报,长按保存或识别二维码" onError={() => setPosterFailed(true)} data-testid="fission-share-poster" />
              )}
            </div>
            <p className="small muted" style={{ textAlign: 'center', margin: '6px 0 10px' }}>
              长按海报保存图片,发给好友或朋友圈
            </p>
            <div className="fx-link" data-testid="fission-share-url">
              {url}
            </div>
            <Button block color="primary" className="btn-round" style={{ marginTop: 10 }} onClick={() => void copy()} data-testid="fission-share-copy">
              复制链接
            </Button>
          </>
        )}
      </div>
    </Popup>
  );
}
