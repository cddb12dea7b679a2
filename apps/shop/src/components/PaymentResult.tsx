import { Button, DotLoading, Result } from 'antd-mobile';
import { useEffect, useState, type ReactNode } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { errorMessage } from '../lib/api';
import { toastError } from '../lib/hooks';
import { pollUntilSettled } from '../lib/pay';
import { Page } from './Page';

export type Settlement = 'pending' | 'paid' | 'closed';

/** How one kind of record is found, loaded and paid again; module-level, so its functions stay the same. */
export interface PaymentFlow<T extends { id: string }, S extends { id: string }> {
  /** What was last sent to the cashier (with the key to resume it), if this browser still has it. */
  saved: () => S | null;
  /** Last resort when neither the address nor the browser knows the record; without it, nothing is found. */
  findLatest?: () => Promise<string | null>;
  /** Loads the record with sync=true, so the server asks WeChat Pay rather than trusting the redirect. */
  load: (id: string) => Promise<T>;
  settlement: (record: T) => Settlement;
  /** Pays again with the saved Idempotency-Key; answers where to go next, or null while off to the cashier. */
  resume: (saved: S) => Promise<string | null>;
}

interface Props<T extends { id: string }, S extends { id: string }> {
  title: string;
  /**
   * Stem of the test ids: `page-{testId}-result`, `{testId}-result` (on every state's title),
   * `{testId}-result-checking`, `{testId}-pay-again`, `{testId}-refresh`.
   */
  testId: string;
  /** The page this result belongs to: the back arrow and the button that goes there (查看余额, 我的预售…). */
  back: { to: string; label: string; testId: string };
  /** Where to choose afresh when the record on screen is not the one whose Idempotency-Key was kept; else `back`. */
  restart?: string;
  flow: PaymentFlow<T, S>;
  /** The word in 正在确认{subject}结果… / {subject}结果查询失败 / {subject}结果确认中. */
  subject?: string;
  /** [title, description] of the states without a record to show; `cancelled` after cancelling in WeChat Pay. */
  texts: { missing: [string, string]; paid: string; closed: [string, string]; cancelled: string };
  /** The success description. */
  paid: (record: T) => ReactNode;
}

/**
 * Back from WeChat Pay (or the sandbox cashier) after paying for a record. The redirect's `result` is only a
 * hint: the server is asked to sync with WeChat Pay until the record is paid or closed.
 */
export function PaymentResult<T extends { id: string }, S extends { id: string }>(props: Props<T, S>) {
  const { testId, texts, flow, subject = '支付' } = props;
  const [params] = useSearchParams();
  const hint = params.get('result');
  const known = params.get('id') ?? flow.saved()?.id ?? null;
  const navigate = useNavigate();
  const [record, setRecord] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notFound, setNotFound] = useState(false);
  const [round, setRound] = useState(0);
  const [paying, setPaying] = useState(false);
  const missing = notFound || (!known && !flow.findLatest);

  useEffect(() => {
    if (!known && !flow.findLatest) return;
    let live = true;
    (async () => {
      setError(null);
      try {
        const id = known ?? (await flow.findLatest!());
        if (!live) return;
        if (!id) return setNotFound(true);
        // Straight back with "success", or asked to refresh: WeChat's notification may still be on its way.
        const tries = hint === 'success' || round > 0 ? 4 : 1;
        const r = await pollUntilSettled(() => flow.load(id), (x) => flow.settlement(x) === 'pending', tries, () => live);
        if (live) setRecord(r);
      } catch (err) {
        if (live) setError(errorMessage(err));
      }
    })();
    return () => {
      live = false;
    };
  }, [known, hint, round]);

  const payAgain = async () => {
    const saved = flow.saved();
    if (!record || paying) return;
    // Without the key this record was made with, paying again would start another one: choose afresh.
    if (saved?.id !== record.id) return navigate(props.restart ?? props.back.to);
    setPaying(true);
    try {
      // The same Idempotency-Key resumes this record: same amount, no second charge.
      const next = await flow.resume(saved);
      if (next) navigate(next, { replace: true });
    } catch (err) {
      toastError(err);
    } finally {
      setPaying(false);
    }
  };

  const state = record && flow.settlement(record);
  const titled = (text: string) => <span data-testid={`${testId}-result`}>{text}</span>;
  let body;
  if (missing) {
    body = <Result status="info" title={titled(texts.missing[0])} description={texts.missing[1]} />;
  } else if (!record && !error) {
    body = (
      <div className="center-pad" style={{ paddingTop: 80 }} aria-busy="true" data-testid={`${testId}-result-checking`}>
        <DotLoading color="primary" />
        <p>{`正在确认${subject}结果…`}</p>
      </div>
    );
  } else if (state === 'paid') {
    body = <Result status="success" title={titled(texts.paid)} description={props.paid(record!)} />;
  } else if (state === 'closed') {
    body = <Result status="error" title={titled(texts.closed[0])} description={texts.closed[1]} />;
  } else {
    body = (
      <Result
        status={hint === 'cancel' ? 'warning' : 'waiting'}
        title={titled(hint === 'cancel' ? '支付已取消' : error ? `${subject}结果查询失败` : `${subject}结果确认中`)}
        description={error ?? (hint === 'cancel' ? texts.cancelled : '如已完成支付,请稍后刷新查看')}
      />
    );
  }

  return (
    <Page title={props.title} back={props.back.to} testId={`page-${testId}-result`}>
      <div style={{ background: '#fff', paddingBottom: 24 }}>
        {body}
        <div className="row gap8" style={{ padding: '0 24px', justifyContent: 'center', flexWrap: 'wrap' }}>
          {state === 'pending' && (
            <>
              <Button color="primary" className="btn-round" loading={paying} onClick={payAgain} data-testid={`${testId}-pay-again`}>
                重新支付
              </Button>
              <Button className="btn-round" onClick={() => setRound((r) => r + 1)} data-testid={`${testId}-refresh`}>
                刷新结果
              </Button>
            </>
          )}
          <Button className="btn-round" onClick={() => navigate(props.back.to, { replace: true })} data-testid={props.back.testId}>
            {props.back.label}
          </Button>
          <Button className="btn-round" onClick={() => navigate('/', { replace: true })}>
            去逛逛
          </Button>
        </div>
      </div>
    </Page>
  );
}
