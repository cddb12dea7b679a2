import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router-dom';
import { Alert, Button, Card, Col, Descriptions, Popconfirm, Progress, Row, Skeleton, Space, Statistic, Table } from 'antd';
import { PauseCircleOutlined, PlayCircleOutlined, ReloadOutlined, SendOutlined, StopOutlined } from '@ant-design/icons';
import type { BroadcastResult } from '@siyu/contracts';
import { api, ApiError } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n, type TFunction } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import Chart from '../../components/Chart';
import { LoadError } from '../../components/Results';
import { armsOption, intervalOption, statusBarOption } from './charts';
import { BroadcastStatusTag, audienceText, chainText, deliveryStatusText, pctText } from './labels';
import { broadcastPercent, useAudienceNames } from './Broadcasts';
import type { Broadcast } from './types';
import { variantLetter } from './ab';
import VariantResult from './VariantResult';
import { weightShares } from '../experiments/model';
import './messaging.css';

const POLL_MS = 2000;
/** While these last the page asks again every two seconds. */
const LIVE = ['preparing', 'sending'];
const COLORS = { delivered: '#2fc25b', sent: '#155bd4', pending: '#8fb5f5', failed: '#d4380d', capped: '#fa8c16', opted_out: '#722ed1', unreachable: '#d4b106' } as const;

const money = (fen: number | null | undefined) => formatFen(fen === null || fen === undefined ? fen : Math.round(fen), true);

const FIGURE_LABELS = {
  recipients: 'msg.result.recipients',
  delivered: 'msg.result.delivered',
  clicked: 'msg.result.clicked',
  buyers: 'msg.result.buyers',
  conversion: 'msg.result.conversion',
  orders: 'msg.result.orders',
  revenue: 'msg.result.revenue',
  rpr: 'msg.result.revenuePerRecipient',
} as const;

/** One arm's figures, two a row; each value carries data-testid `broadcast-result-{arm}-{figure}`. */
function ArmFigures({ arm, figures, t }: { arm: 'sent' | 'holdout'; figures: [keyof typeof FIGURE_LABELS, ReactNode][]; t: TFunction }) {
  const items = figures.map(([name, value]) => ({ key: name, label: t(FIGURE_LABELS[name]), children: <span data-testid={`broadcast-result-${arm}-${name}`}>{value}</span> }));
  return <Descriptions size="small" column={2} items={items} />;
}

/** Sent vs holdout: each arm, a table of the difference, both arms side by side and the incremental revenue. */
function ResultView({ r, holdoutPercent, t }: { r: BroadcastResult; holdoutPercent: number; t: TFunction }) {
  const inc = r.incrementalRevenueFen;
  const uncertain = !!inc && inc.low <= 0 && inc.high >= 0;
  const arms = useMemo(() => armsOption(r, t), [r, t]);
  const interval = useMemo(() => (inc ? intervalOption(inc, t) : null), [inc, t]);
  const s = r.arms.sent;
  const h = r.arms.holdout;

  const rows = [
    { key: 'recipients', name: t('msg.result.recipients'), sent: String(s.recipients), holdout: String(h.recipients), diff: '' },
    { key: 'buyers', name: t('msg.result.buyers'), sent: String(s.buyers), holdout: String(h.buyers), diff: '' },
    { key: 'conversion', name: t('msg.result.conversion'), sent: pctText(r.conversion.sent), holdout: pctText(r.conversion.holdout), diff: t('msg.result.points', { n: ((r.conversion.sent - r.conversion.holdout) * 100).toFixed(2) }) },
    { key: 'orders', name: t('msg.result.orders'), sent: String(s.orders), holdout: String(h.orders), diff: '' },
    { key: 'revenue', name: t('msg.result.revenue'), sent: money(s.revenueFen), holdout: money(h.revenueFen), diff: '' },
    {
      key: 'rpr',
      name: t('msg.result.revenuePerRecipient'),
      sent: money(r.revenuePerRecipientFen.sent),
      holdout: money(r.revenuePerRecipientFen.holdout),
      diff: money(r.revenuePerRecipientFen.sent - r.revenuePerRecipientFen.holdout),
    },
  ];

  return (
    <div data-testid="broadcast-result">
      <p className="muted msg-note">{t('msg.result.intro', { days: r.attributionDays })}</p>
      <Row gutter={[16, 16]}>
        <Col xs={24} md={12}>
          <Card size="small" title={t('msg.result.sentArm')} className="msg-result-arm" data-testid="broadcast-result-sent">
            <ArmFigures
              arm="sent"
              t={t}
              figures={[
                ['recipients', s.recipients],
                ['delivered', s.delivered],
                ['clicked', s.clicked],
                ['buyers', s.buyers],
                ['conversion', pctText(r.conversion.sent)],
                ['orders', s.orders],
                ['revenue', money(s.revenueFen)],
                ['rpr', money(r.revenuePerRecipientFen.sent)],
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} md={12}>
          <Card size="small" title={t('msg.result.holdoutArm')} className="msg-result-arm" data-testid="broadcast-result-holdout">
            {holdoutPercent === 0 && !h.recipients ? (
              <span className="muted">{t('msg.result.noHoldout')}</span>
            ) : (
              <ArmFigures
                arm="holdout"
                t={t}
                figures={[
                  ['recipients', h.recipients],
                  ['buyers', h.buyers],
                  ['conversion', pctText(r.conversion.holdout)],
                  ['orders', h.orders],
                  ['revenue', money(h.revenueFen)],
                  ['rpr', money(r.revenuePerRecipientFen.holdout)],
                ]}
              />
            )}
            <div className="muted" style={{ fontSize: 12, marginTop: 8 }}>{t('msg.result.holdoutExplain')}</div>
          </Card>
        </Col>
      </Row>

      <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
        <Col xs={24} xl={10}>
          <Table
            size="small"
            rowKey="key"
            pagination={false}
            dataSource={rows}
            data-testid="broadcast-result-table"
            columns={[
              { title: t('msg.result.measure'), dataIndex: 'name' },
              { title: t('msg.result.sentArm'), dataIndex: 'sent', align: 'right' },
              { title: t('msg.result.holdoutArm'), dataIndex: 'holdout', align: 'right' },
              { title: t('msg.result.diff'), dataIndex: 'diff', align: 'right', render: (v: string) => v || <span className="muted">-</span> },
            ]}
          />
        </Col>
        <Col xs={24} xl={14}>
          <Chart option={arms} height={280} label={t('msg.result.armsChartLabel', { sent: pctText(r.conversion.sent), holdout: pctText(r.conversion.holdout) })} testId="broadcast-result-chart" />
        </Col>
      </Row>

      <Card size="small" title={t('msg.result.incremental')} style={{ marginTop: 16 }} data-testid="broadcast-result-incremental">
        {!inc ? (
          <Alert type="info" showIcon title={t('msg.result.noEstimate')} data-testid="broadcast-result-no-estimate" />
        ) : (
          <>
            <Row gutter={16} align="middle">
              <Col xs={24} md={8}>
                <Statistic title={t('msg.result.estimate')} value={money(inc.estimate)} data-testid="broadcast-result-incremental-estimate" />
                <div className="muted" style={{ marginTop: 4 }} data-testid="broadcast-result-incremental-interval">
                  {t('msg.result.interval', { low: money(inc.low), high: money(inc.high) })}
                </div>
              </Col>
              <Col xs={24} md={16}>
                <Chart option={interval!} height={120} label={t('msg.result.intervalLabel', { estimate: money(inc.estimate), low: money(inc.low), high: money(inc.high) })} testId="broadcast-result-interval-chart" />
              </Col>
            </Row>
            {uncertain ? (
              <Alert type="warning" showIcon className="msg-uncertain" title={t('msg.result.uncertain')} description={t('msg.result.uncertainHint')} data-testid="broadcast-result-uncertain" />
            ) : inc.low > 0 ? (
              <Alert type="success" showIcon className="msg-uncertain" title={t('msg.result.positive', { low: money(inc.low) })} data-testid="broadcast-result-positive" />
            ) : (
              <Alert type="error" showIcon className="msg-uncertain" title={t('msg.result.negative')} data-testid="broadcast-result-negative" />
            )}
          </>
        )}
      </Card>
      {r.variants && r.variants.length > 0 && <VariantResult r={{ ...r, variants: r.variants }} t={t} />}
    </div>
  );
}

/** 群发详情: progress while it sends (pause, resume, cancel), where the messages went, and the measured effect. */
export default function BroadcastDetail() {
  const { id = '' } = useParams();
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const canSend = can('messaging:send');
  const { data: b, error, reload, setData } = useApi<Broadcast>(`/messaging/broadcasts/${id}`);
  const names = useAudienceNames();
  const [busy, setBusy] = useState<string | null>(null);
  const started = !!b && !['draft', 'scheduled'].includes(b.status) && (b.recipients > 0 || !!b.startedAt);
  const result = useApi<BroadcastResult>(started ? `/messaging/broadcasts/${id}/result` : null);
  const status = b?.status;

  // Every two seconds while it prepares or sends; the result follows each change of state.
  useEffect(() => {
    if (!status || !LIVE.includes(status)) return;
    let stopped = false;
    const ctl = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const next = await api.get<Broadcast>(`/messaging/broadcasts/${id}`, undefined, { signal: ctl.signal });
        if (!stopped) setData(next);
      } catch (err) {
        if (!stopped && (err as Error).name !== 'AbortError') showError(err);
      }
    }, POLL_MS);
    return () => {
      stopped = true;
      ctl.abort();
      clearTimeout(timer);
    };
  }, [b, status, id, setData]);

  // A new state (sending → done …) brings new numbers; the first load is useApi's own.
  const resultReload = result.reload;
  const seenStatus = useRef(status);
  useEffect(() => {
    if (seenStatus.current !== undefined && seenStatus.current !== status && started) resultReload();
    seenStatus.current = status;
  }, [status, started, resultReload]);

  const act = async (action: 'start' | 'pause' | 'resume' | 'cancel') => {
    setBusy(action);
    try {
      setData(await api.post<Broadcast>(`/messaging/broadcasts/${id}/${action}`));
      feedback.message.success(t(`msg.bc.done.${action}`));
    } catch (err) {
      showError(err);
      if (err instanceof ApiError && err.status === 409) reload();
    } finally {
      setBusy(null);
    }
  };

  const statusRows = useMemo(() => {
    if (!b) return [];
    const p = b.progress as Broadcast['progress'] & { pending?: number };
    return [
      { name: deliveryStatusText('delivered', lang), value: p.delivered, color: COLORS.delivered },
      { name: deliveryStatusText('sent', lang), value: Math.max(0, p.sent - p.delivered), color: COLORS.sent },
      ...(p.pending !== undefined ? [{ name: deliveryStatusText('pending', lang), value: p.pending, color: COLORS.pending }] : []),
      { name: deliveryStatusText('failed', lang), value: p.failed, color: COLORS.failed },
      { name: deliveryStatusText('capped', lang), value: p.capped, color: COLORS.capped },
      { name: deliveryStatusText('opted_out', lang), value: p.optedOut, color: COLORS.opted_out },
      { name: deliveryStatusText('unreachable', lang), value: p.unreachable, color: COLORS.unreachable },
    ];
  }, [b, lang]);
  const statusOption = useMemo(() => statusBarOption(statusRows), [statusRows]);

  if (error) return <LoadError error={error} onRetry={reload} />;
  if (!b) return <div className="page-card"><Skeleton active /></div>;

  const pct = broadcastPercent(b);
  const live = LIVE.includes(b.status);

  return (
    <div data-testid="broadcast-detail">
      <div className="page-card">
        <div className="promo-head" style={{ display: 'flex', flexWrap: 'wrap', gap: 16, alignItems: 'flex-start' }}>
          <div>
            <Space size={8} wrap>
              <h1 className="page-title" style={{ margin: 0 }} data-testid="broadcast-name-title">{b.name}</h1>
              <BroadcastStatusTag status={b.status} />
            </Space>
            <div className="muted" style={{ marginTop: 8 }}>
              {audienceText(b.audience, t, names)} · {chainText(b.channels, lang)}
            </div>
          </div>
          <span style={{ flex: 1 }} />
          <Space wrap>
            {canSend && b.status === 'draft' && (
              <Popconfirm title={b.scheduledAt ? t('msg.bc.startScheduledConfirm', { time: fmtTime(b.scheduledAt) }) : t('msg.bc.startConfirm')} onConfirm={() => act('start')} okText={t('common.confirm')} cancelText={t('common.cancel')} okButtonProps={{ 'data-testid': 'broadcast-start-ok' } as never}>
                <Button type="primary" icon={<SendOutlined />} loading={busy === 'start'} data-testid="broadcast-start">
                  {t('msg.bc.start')}
                </Button>
              </Popconfirm>
            )}
            {canSend && ['scheduled', 'preparing', 'sending'].includes(b.status) && (
              <Button icon={<PauseCircleOutlined />} loading={busy === 'pause'} onClick={() => act('pause')} data-testid="broadcast-pause">
                {t('msg.bc.pause')}
              </Button>
            )}
            {canSend && b.status === 'paused' && (
              <Button type="primary" icon={<PlayCircleOutlined />} loading={busy === 'resume'} onClick={() => act('resume')} data-testid="broadcast-resume">
                {t('msg.bc.resume')}
              </Button>
            )}
            {canSend && !['cancelled', 'done'].includes(b.status) && (
              <Popconfirm title={t('msg.bc.cancelConfirm')} onConfirm={() => act('cancel')} okText={t('msg.bc.cancel')} cancelText={t('common.cancel')} okButtonProps={{ danger: true, 'data-testid': 'broadcast-cancel-ok' } as never}>
                <Button danger icon={<StopOutlined />} loading={busy === 'cancel'} data-testid="broadcast-cancel">
                  {t('msg.bc.cancel')}
                </Button>
              </Popconfirm>
            )}
            <Link to={`/messaging/deliveries?broadcastId=${b.id}`} data-testid="broadcast-deliveries-link">
              {t('msg.bc.deliveries')}
            </Link>
          </Space>
        </div>
        <Descriptions
          size="small"
          style={{ marginTop: 16 }}
          column={{ xs: 1, md: 3 }}
          items={[
            { key: 'h', label: t('msg.bc.holdout'), children: `${b.holdoutPercent}%` },
            { key: 'a', label: t('msg.bc.attributionDays'), children: b.attributionDays !== undefined ? t('msg.bc.daysN', { n: b.attributionDays }) : '-' },
            { key: 's', label: t('msg.bc.scheduledAt'), children: b.scheduledAt ? fmtTime(b.scheduledAt) : t('msg.bc.now') },
            { key: 'c', label: t('common.createdAt'), children: fmtTime(b.createdAt) },
            { key: 'st', label: t('msg.bc.startedAtLabel'), children: fmtTime(b.startedAt) },
            { key: 'f', label: t('msg.bc.finishedAt'), children: fmtTime(b.finishedAt) },
            ...(b.variants?.length
              ? [
                  {
                    key: 'ab',
                    label: t('msg.ab.variantsLabel'),
                    span: 'filled' as const,
                    children: (
                      <span data-testid="broadcast-variants-summary">
                        {b.variants.map((v, i) => `${variantLetter(v.key)} · ${v.name} ${weightShares(b.variants!)[i]}%`).join(t('common.listSep'))}
                      </span>
                    ),
                  },
                ]
              : []),
          ]}
        />
      </div>

      {b.status !== 'draft' && (
        <div className="page-card" data-testid="broadcast-progress-section">
          <h2 className="page-title" style={{ fontSize: 16 }}>{t('msg.bc.progress')}</h2>
          <Row gutter={[16, 16]}>
            {(
              [
                ['recipients', b.recipients],
                ['holdoutN', b.holdout],
                ['toSend', b.progress.total],
                ['queued', b.queued],
                ['doneN', b.progress.done],
              ] as const
            ).map(([k, v]) => (
              <Col key={k} xs={12} md={8} xl={4}>
                <Statistic title={<span className="stat-label">{t(`msg.bc.stat.${k}`)}</span>} value={v} data-testid={`broadcast-stat-${k}`} />
              </Col>
            ))}
          </Row>
          <div style={{ marginTop: 16 }}>
            <Progress
              percent={pct}
              status={b.status === 'cancelled' ? 'exception' : b.status === 'done' ? 'success' : live ? 'active' : 'normal'}
              aria-label={t('msg.bc.progressLabel', { pct, done: b.progress.done, total: b.progress.total })}
              data-testid="broadcast-progress"
            />
            <div className="muted" style={{ fontSize: 12 }}>
              {b.status === 'preparing' ? t('msg.bc.preparing') : b.status === 'scheduled' ? t('msg.bc.waiting', { time: fmtTime(b.scheduledAt) }) : live ? t('msg.bc.live') : b.status === 'paused' ? t('msg.bc.pausedHint') : ''}
            </div>
          </div>
          <h3 className="stat-label" style={{ marginTop: 16, fontWeight: 500 }}>{t('msg.bc.breakdown')}</h3>
          <Chart option={statusOption} height={240} label={statusRows.map((r) => `${r.name} ${r.value}`).join(t('common.listSep'))} testId="broadcast-status-chart" />
        </div>
      )}

      {started && (
        <div className="page-card">
          <div className="toolbar" style={{ marginBottom: 8 }}>
            <h2 className="page-title" style={{ fontSize: 16, margin: 0 }}>{t('msg.result.title')}</h2>
            <span className="spacer" />
            <Button size="small" icon={<ReloadOutlined />} loading={result.loading} onClick={result.reload} data-testid="broadcast-result-refresh">
              {t('msg.result.refresh')}
            </Button>
          </div>
          {result.error ? (
            <Alert type="error" showIcon title={result.error.message} action={<Button size="small" onClick={result.reload}>{t('common.retry')}</Button>} />
          ) : !result.data ? (
            <Skeleton active />
          ) : (
            <ResultView r={result.data} holdoutPercent={b.holdoutPercent} t={t} />
          )}
        </div>
      )}
    </div>
  );
}
