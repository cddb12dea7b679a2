import { useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { Alert, Button, Card, Col, Progress, Row, Select, Skeleton, Space, Statistic, Table, Tag } from 'antd';
import dayjs from 'dayjs';
import { api } from '../../lib/api';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import Chart from '../../components/Chart';
import { LoadError } from '../../components/Results';
import { FlashStatusTag, sessionText } from './FlashSaleList';
import type { FlashLive, FlashLiveItem, FlashSaleDetail } from './salesTypes';
import './promotions.css';

const POLL_MS = 2000;
/** Orders/s samples kept for the chart: the last ten minutes at one every two seconds. */
const KEEP_MS = 10 * 60_000;

const pct = (part: number, whole: number) => (whole <= 0 ? 0 : Math.round((part / whole) * 1000) / 10);

/** 秒杀 live view: sold, remaining, orders/s, paid orders and payment rate, refreshed every 2 s. */
export default function FlashSaleLive() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const navigate = useNavigate();
  const sale = useApi<FlashSaleDetail>(`/flash-sales/${id}`);
  const [live, setLive] = useState<FlashLive | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [samples, setSamples] = useState<{ at: number; ops: number }[]>([]);
  const [sessionId, setSessionId] = useState<string>('all');
  const [paused, setPaused] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    if (paused) return;
    let stopped = false;
    const ctl = new AbortController();
    const tick = async () => {
      try {
        const l = await api.get<FlashLive>(`/flash-sales/${id}/live`, undefined, { signal: ctl.signal });
        if (stopped) return;
        setLive(l);
        setError(null);
        const at = Date.parse(l.serverTime) || Date.now();
        setSamples((s) => [...s.filter((x) => x.at > at - KEEP_MS), { at, ops: l.ordersPerSecond }]);
      } catch (err) {
        if (stopped || (err as Error).name === 'AbortError') return;
        setError(err as Error);
      }
      if (!stopped) timer.current = setTimeout(tick, POLL_MS);
    };
    void tick();
    return () => {
      stopped = true;
      ctl.abort();
      if (timer.current) clearTimeout(timer.current);
    };
  }, [id, paused]);

  const scope = useMemo(() => {
    if (!live) return null;
    if (sessionId === 'all') return { stock: live.stock, sold: live.sold, remaining: live.remaining, orders: live.orders, paidOrders: live.paidOrders, items: live.sessions.flatMap((s) => s.items.map((i) => ({ ...i, session: s }))) };
    const s = live.sessions.find((x) => x.sessionId === sessionId);
    if (!s) return null;
    return { stock: s.stock, sold: s.sold, remaining: s.remaining, orders: s.orders, paidOrders: s.paidOrders, items: s.items.map((i) => ({ ...i, session: s })) };
  }, [live, sessionId]);

  const latest = samples[samples.length - 1]?.ops ?? 0;
  const option = useMemo(
    () => ({
      grid: { left: 16, right: 24, top: 24, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => `${v} ${t('flash.live.perSecondUnit')}` },
      // A fixed ten-minute window: with one sample ECharts would otherwise stretch the axis over days.
      xAxis: { type: 'time', min: (samples.at(-1)?.at ?? Date.now()) - 10 * 60_000, max: samples.at(-1)?.at ?? Date.now(), axisLabel: { formatter: (v: number) => dayjs(v).format('HH:mm') } },
      yAxis: { type: 'value', minInterval: 1, name: t('flash.live.ops') },
      series: [{ type: 'line', name: t('flash.live.ops'), showSymbol: false, smooth: true, areaStyle: { opacity: 0.15 }, data: samples.map((s) => [s.at, s.ops]) }],
    }),
    [samples, t],
  );

  if (sale.error) return <LoadError error={sale.error} onRetry={sale.reload} />;
  if (!sale.data || (!live && !error)) return <div className="page-card"><Skeleton active /></div>;
  const d = sale.data;
  const soldPct = scope ? pct(scope.sold, scope.stock) : 0;
  const payRate = scope ? pct(scope.paidOrders, scope.orders) : 0;

  return (
    <div>
      <div className="page-card" data-testid="flash-live-view">
        <div className="promo-head">
          <div>
            <Space size={8} wrap>
              <h1>{t('flash.live.title', { name: d.name })}</h1>
              <FlashStatusTag status={live?.status ?? d.status} />
            </Space>
            <div className="promo-meta">
              <span aria-live="off">{t('flash.live.updated', { time: live ? dayjs(live.serverTime).format('HH:mm:ss') : '-' })}</span>
              <span className="muted">{t('flash.live.every')}</span>
            </div>
          </div>
          <span className="spacer" />
          <Space wrap>
            <Select
              value={sessionId}
              onChange={setSessionId}
              style={{ width: 260 }}
              aria-label={t('flash.live.session')}
              options={[{ value: 'all', label: t('flash.live.allSessions') }, ...d.sessions.map((s) => ({ value: s.id, label: `${sessionText(s)} · ${t(`flash.state.${live?.sessions.find((x) => x.sessionId === s.id)?.state ?? s.state}`)}` }))]}
              data-testid="flash-live-session"
            />
            <Button onClick={() => setPaused((p) => !p)} aria-pressed={paused} data-testid="flash-live-pause">
              {paused ? t('flash.live.resume') : t('flash.live.pause')}
            </Button>
            <Button onClick={() => navigate(`/flash-sales/${id}`)}>{t('flash.live.back')}</Button>
          </Space>
        </div>
        {error && <Alert type="warning" showIcon title={t('flash.live.error', { message: error.message })} style={{ marginTop: 12 }} />}
        {scope && (
          <>
            <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
              {(
                [
                  ['sold', scope.sold],
                  ['remaining', scope.remaining],
                  ['ops', live?.ordersPerSecond ?? 0],
                  ['orders', scope.orders],
                  ['paidOrders', scope.paidOrders],
                  ['payRate', `${payRate}%`],
                ] as const
              ).map(([k, v]) => (
                <Col key={k} xs={12} md={8} xl={4}>
                  <Card size="small">
                    <Statistic title={<span className="stat-label">{t(`flash.live.${k}`)}</span>} value={v} data-testid={`flash-live-${k}`} />
                  </Card>
                </Col>
              ))}
            </Row>
            <div style={{ marginTop: 16 }}>
              <div className="stat-label" id="flash-live-progress-label">
                {t('flash.live.progress', { sold: scope.sold, stock: scope.stock })}
              </div>
              <Progress
                percent={soldPct}
                status={scope.remaining <= 0 && scope.stock > 0 ? 'success' : 'active'}
                strokeColor="#cf1322"
                aria-label={t('flash.live.progressName', { pct: soldPct, sold: scope.sold, stock: scope.stock })}
                data-testid="flash-live-progress"
              />
            </div>
          </>
        )}
      </div>
      <Row gutter={16}>
        <Col xs={24}>
          <div className="page-card">
            <h2 className="page-title" style={{ fontSize: 16 }}>
              {t('flash.live.chartTitle')}
            </h2>
            <Chart option={option} height={260} label={t('flash.live.chartLabel', { ops: latest, n: live?.acceptedLastMinute ?? 0 })} testId="flash-live-chart" />
            <p className="muted" style={{ margin: '8px 0 0' }}>
              {t('flash.live.chartHint')}
            </p>
          </div>
        </Col>
        <Col xs={24}>
          <div className="page-card">
            <h2 className="page-title" style={{ fontSize: 16 }}>
              {t('flash.live.items')}
            </h2>
            <Table<FlashLiveItem & { session: { sessionId: string; startsAt: string; endsAt: string } }>
              size="small"
              rowKey={(i) => i.itemId}
              pagination={false}
              dataSource={scope?.items ?? []}
              data-testid="flash-live-items"
              columns={[
                {
                  title: t('flash.items.product'),
                  key: 'p',
                  render: (_, i) => (
                    <div>
                      <div>{i.title} <span className="muted">{i.specText}</span></div>
                      {sessionId === 'all' && <div className="muted" style={{ fontSize: 12 }}>{sessionText(i.session)}</div>}
                    </div>
                  ),
                },
                { title: t('flash.items.price'), dataIndex: 'priceFen', width: 90, render: (v: number) => formatFen(v) },
                {
                  title: t('flash.live.sold'),
                  key: 'sold',
                  width: 180,
                  render: (_, i) => (
                    <div>
                      <Progress
                        percent={pct(i.sold, i.stock)}
                        size="small"
                        strokeColor="#cf1322"
                        format={() => `${i.sold}/${i.stock}`}
                        aria-label={t('flash.live.itemProgressName', { title: `${i.title} ${i.specText}`.trim(), sold: i.sold, stock: i.stock })}
                      />
                      {i.soldOut && <Tag color="red">{t('flash.soldOut')}</Tag>}
                    </div>
                  ),
                },
                { title: t('flash.live.orders'), dataIndex: 'orders', width: 80 },
                { title: t('flash.live.paidOrders'), dataIndex: 'paidOrders', width: 80 },
                { title: t('flash.live.waiting'), dataIndex: 'waitingForOrder', width: 90 },
              ]}
            />
          </div>
        </Col>
      </Row>
    </div>
  );
}
