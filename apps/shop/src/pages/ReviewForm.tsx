import { Button, Dialog, Rate, Skeleton, TextArea, Toast } from 'antd-mobile';
import { useRef, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { Img } from '../components/Img';
import { Page } from '../components/Page';
import { ErrorState } from '../components/States';
import { ApiError, api, errorMessage } from '../lib/api';
import { useLoad } from '../lib/hooks';
import type { OrderDetail } from '../lib/types';
import './retention.css';

const MAX_CHARS = 500;
const RATING_TEXT = ['', '非常差', '差', '一般', '好', '非常好'];

interface PointsRules {
  enabled: boolean;
  reviewPoints?: number;
  reviewMinChars?: number;
}

const REVIEW_ERROR_TEXT: Record<string, string> = {
  REVIEW_EXISTS: '这件商品已经评价过了',
  REVIEW_ORDER_NOT_COMPLETED: '订单完成后才能评价',
  REVIEW_LINE_REFUNDED: '该商品已退款,无法评价',
};

/** 评价: a star rating and up to 500 characters for one line of a completed order; the shop may reward it with points. */
export default function ReviewForm() {
  const { id = '', itemId = '' } = useParams();
  const navigate = useNavigate();
  const order = useLoad(() => api<OrderDetail>('GET', `/orders/${encodeURIComponent(id)}`), [id]);
  const rules = useLoad(() => api<{ rules: PointsRules }>('GET', '/me/points', { query: { limit: 1 } }).then((r) => r.rules).catch(() => null), []);
  const [rating, setRating] = useState(5);
  const [content, setContent] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const busy = useRef(false);
  const back = `/orders/${encodeURIComponent(id)}`;

  if (order.error) {
    return (
      <Page title="评价商品" back={back}>
        <ErrorState error={order.error} onRetry={order.reload} />
      </Page>
    );
  }
  const line = order.data?.items.find((i) => i.id === itemId);
  const length = [...content.trim()].length;
  const r = rules.data;
  const reward = r?.enabled && r.reviewPoints ? r.reviewPoints : 0;
  const minChars = r?.reviewMinChars ?? 0;
  const rewardHint = reward ? (length >= minChars ? `提交后可得 ${reward} 积分` : `再写 ${minChars - length} 个字,可得 ${reward} 积分`) : null;

  const submit = async () => {
    if (busy.current || !order.data || !line) return;
    if (rating < 1) return void Toast.show({ content: '请先打分' });
    busy.current = true;
    setSubmitting(true);
    try {
      await api('POST', '/reviews', { body: { orderId: order.data.id, orderItemId: line.id, rating, content: content.trim() } });
      Toast.show({ icon: 'success', content: reward && length >= minChars ? `评价成功,${reward} 积分稍后到账` : '评价成功,感谢你的反馈' });
      navigate(back, { replace: true });
    } catch (err) {
      if (err instanceof ApiError && REVIEW_ERROR_TEXT[err.code]) {
        await Dialog.alert({ content: REVIEW_ERROR_TEXT[err.code], confirmText: '知道了' });
        if (err.status === 409) navigate(back, { replace: true });
      } else Toast.show({ icon: 'fail', content: errorMessage(err) });
    } finally {
      busy.current = false;
      setSubmitting(false);
    }
  };

  return (
    <Page title="评价商品" back={back} actionbar testId="page-review-form">
      <section className="card" aria-label="评价的商品">
        {!order.data ? (
          <Skeleton.Paragraph lineCount={2} animated />
        ) : !line ? (
          <p className="problem">找不到这件商品</p>
        ) : (
          <div className="line-item">
            <div className="thumb">
              <Img src={line.imageUrl} alt={line.title} />
            </div>
            <div className="info">
              <div className="ellipsis-2">{line.title.replace(/^【赠品】/, '')}</div>
              {line.specText && <span className="spec-pill">{line.specText}</span>}
            </div>
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="rv-rate-label">
        <div className="row" style={{ gap: 12 }}>
          <span id="rv-rate-label">商品评分</span>
          <Rate className="rv-form-rate" value={rating} onChange={setRating} aria-labelledby="rv-rate-label" data-testid="review-rating" />
          <span className="small muted" aria-live="polite">
            {RATING_TEXT[rating]}
          </span>
        </div>
      </section>
      <section className="card" aria-label="评价内容">
        <TextArea
          placeholder="说说你的使用感受,帮助更多人做选择吧"
          value={content}
          onChange={setContent}
          maxLength={MAX_CHARS}
          showCount
          rows={6}
          aria-label="评价内容"
          data-testid="review-content"
        />
        {rewardHint && (
          <p className="small" style={{ margin: '8px 0 0', color: 'var(--shop-red)' }} data-testid="review-reward-hint">
            {rewardHint}
          </p>
        )}
      </section>
      <div className="fixed-bottom actionbar" role="toolbar" aria-label="提交评价">
        <Button block color="primary" className="btn-round" loading={submitting} disabled={!line || submitting} onClick={() => void submit()} data-testid="review-submit">
          提交评价
        </Button>
      </div>
    </Page>
  );
}
