import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Card, Col, Descriptions, Empty, Row, Statistic, Table, Tabs, Tag, Timeline } from 'antd';
import { EVENT_LABELS } from '@siyu/contracts';
import { api, ApiError } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { showError } from '../../lib/feedback';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { textLang, useI18n } from '../../lib/i18n';
import { fenToYuan } from '../../lib/money';
import { zh, type MessageKey } from '../../lib/dict';
import { isMoneyProperty } from '../analytics/model';
import '../analytics/analytics.css';
import CustomerMessages from '../messaging/CustomerMessages';

interface Profile {
  personId: string | null;
  identities: { kind: string; value: string; identified: boolean; createdAt: string }[];
  traits: Record<string, unknown>;
  firstSeen: string | null;
  lastSeen: string | null;
  eventCount: number;
}
interface TimelineEvent {
  id: number;
  event: string;
  ts: string;
  properties: Record<string, unknown>;
  source: string;
  channel: string;
  path: string;
}
interface TimelinePage {
  items: TimelineEvent[];
  /** Epoch ms as text, handed back untouched as `before`; null on the last page. */
  next: string | null;
}

const PAGE = 50;
/** The properties that say most about an event, in this order; others follow when these are missing. */
const KEY_PROPERTIES = ['order_no', 'amount', 'payable_fen', 'refund_fen', 'topup_fen', 'title', 'product_title', 'product_name', 'name', 'level_name', 'query', 'keyword', 'delta', 'points', 'rating', 'reason', 'via', 'product_id', 'price_fen', 'units'];
const SHOWN_PROPERTIES = 4;

const valueText = (key: string, v: unknown) => {
  if (typeof v === 'number' && isMoneyProperty(key)) return `¥${fenToYuan(Math.round(v))}`;
  if (v === null || v === undefined) return '-';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
};

function keyProperties(props: Record<string, unknown>): [string, unknown][] {
  const entries = Object.entries(props ?? {}).filter(([k, v]) => v !== null && v !== undefined && v !== '' && !k.startsWith('$'));
  const preferred = KEY_PROPERTIES.flatMap((k) => entries.filter(([name]) => name === k));
  const rest = entries.filter(([name]) => !KEY_PROPERTIES.includes(name));
  return [...preferred, ...rest].slice(0, SHOWN_PROPERTIES);
}

/** A known identity kind's name, or the kind as stored. */
function kindLabel(kind: string, t: (k: MessageKey) => string) {
  const key = `c360.kind.${kind}`;
  return key in zh ? t(key as MessageKey) : kind;
}

/**
 * 客户 360 from the customer data platform: the identities merged into this person, the traits they
 * carry, when they were first and last seen, and everything they did, newest first.
 */
export default function Customer360({ customerId }: { customerId: string }) {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  // The timeline is analytics data: without analytics:read the server refuses it, so it is not asked for.
  const canTimeline = can('analytics:read');
  // The 消息 tab: messages, preferences and contact counts (触达), for those who may read them.
  const canMessages = can('messaging:read');
  const profile = useApi<Profile>(`/customers/${customerId}/profile`);
  const [events, setEvents] = useState<TimelineEvent[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loadingEvents, setLoadingEvents] = useState(true);
  const [eventsError, setEventsError] = useState<Error | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  const loadFirst = useCallback(() => {
    const ctl = new AbortController();
    if (!canTimeline) {
      setLoadingEvents(false);
      return ctl;
    }
    setLoadingEvents(true);
    setEventsError(null);
    api
      .get<TimelinePage>(`/customers/${customerId}/events`, { limit: PAGE }, { signal: ctl.signal })
      .then((p) => {
        setEvents(p.items);
        setNext(p.next);
      })
      .catch((err: Error) => err.name !== 'AbortError' && setEventsError(err))
      .finally(() => !ctl.signal.aborted && setLoadingEvents(false));
    return ctl;
  }, [customerId, canTimeline]);

  useEffect(() => {
    const ctl = loadFirst();
    return () => ctl.abort();
  }, [loadFirst]);

  const loadMore = async () => {
    if (next === null) return;
    setLoadingMore(true);
    try {
      const p = await api.get<TimelinePage>(`/customers/${customerId}/events`, { before: next, limit: PAGE });
      // A page boundary can repeat an event when new ones arrive between loads; keep each id once.
      setEvents((list) => {
        const seen = new Set(list.map((e) => e.id));
        return [...list, ...p.items.filter((e) => !seen.has(e.id))];
      });
      setNext(p.next);
    } catch (err) {
      showError(err);
    } finally {
      setLoadingMore(false);
    }
  };

  const eventLabel = (name: string) => EVENT_LABELS[name]?.[textLang(lang)] ?? name;
  const p = profile.data;
  const traits = Object.entries(p?.traits ?? {});

  const overview = (
    <>
      {profile.error ? (
        <Alert type="error" showIcon title={profile.error.message} action={<Button size="small" onClick={profile.reload}>{t('common.retry')}</Button>} />
      ) : (
        <>
          <Row gutter={16} style={{ marginBottom: 16 }}>
            <Col xs={12} md={6}>
              <Statistic title={t('c360.firstSeen')} value={p ? fmtTime(p.firstSeen) : ' '} loading={!p} styles={{ content: { fontSize: 16 } }} data-testid="c360-first-seen" />
            </Col>
            <Col xs={12} md={6}>
              <Statistic title={t('c360.lastSeen')} value={p ? fmtTime(p.lastSeen) : ' '} loading={!p} styles={{ content: { fontSize: 16 } }} data-testid="c360-last-seen" />
            </Col>
            <Col xs={12} md={6}>
              <Statistic title={t('c360.eventCount')} value={p ? p.eventCount : ' '} loading={!p} styles={{ content: { fontSize: 16 } }} data-testid="c360-event-count" />
            </Col>
            <Col xs={12} md={6}>
              <div className="stat-label">{t('c360.personId')}</div>
              <code className="an-code-small" data-testid="c360-person-id">{p ? (p.personId ?? t('c360.noPerson')) : ''}</code>
            </Col>
          </Row>
          <Row gutter={24}>
            <Col xs={24} lg={12}>
              <div className="stat-label an-sub-title">{t('c360.identities')}</div>
              <div data-testid="c360-identities">
                <Table
                  rowKey={(i) => `${i.kind}:${i.value}`}
                  size="small"
                  loading={!p}
                  dataSource={p?.identities ?? []}
                  pagination={false}
                  locale={{ emptyText: <span className="muted">{t('c360.noIdentities')}</span> }}
                  columns={[
                    { title: t('c360.kind'), dataIndex: 'kind', width: 130, render: (k: string) => <Tag>{kindLabel(k, t)}</Tag> },
                    { title: t('c360.value'), dataIndex: 'value', render: (v: string) => <span className="an-break">{v}</span> },
                    { title: t('c360.state'), dataIndex: 'identified', width: 100, render: (v: boolean) => (v ? <Tag color="green">{t('c360.identified')}</Tag> : <Tag>{t('c360.anonymous')}</Tag>) },
                    { title: t('c360.since'), dataIndex: 'createdAt', width: 170, render: fmtTime },
                  ]}
                />
              </div>
            </Col>
            <Col xs={24} lg={12}>
              <div className="stat-label an-sub-title">{t('c360.traits')}</div>
              {p && !traits.length ? (
                <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('c360.noTraits')} />
              ) : (
                <div data-testid="c360-traits">
                  <Descriptions size="small" bordered column={1} items={traits.map(([k, v]) => ({ key: k, label: k, children: <span className="an-break">{valueText(k, v)}</span> }))} />
                </div>
              )}
            </Col>
          </Row>
        </>
      )}
      <div className="stat-label an-sub-title" style={{ marginTop: 20 }}>
        {t('c360.timeline')}
      </div>
      {!canTimeline || (eventsError instanceof ApiError && eventsError.status === 403) ? (
        <div className="muted" data-testid="timeline-forbidden">{t('c360.noPermission')}</div>
      ) : eventsError ? (
        <Alert type="error" showIcon title={eventsError.message} action={<Button size="small" onClick={() => loadFirst()}>{t('common.retry')}</Button>} />
      ) : !loadingEvents && !events.length ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('c360.noEvents')} data-testid="timeline-empty" />
      ) : (
        <div data-testid="timeline" className="an-timeline" aria-busy={loadingEvents || undefined}>
          <Timeline
            items={[
              ...events.map((e) => ({
                key: e.id,
                color: e.event === 'order_paid' ? 'green' : e.event === 'order_refunded' ? 'red' : 'blue',
                content: (
                  <div data-testid="timeline-item" data-event={e.event}>
                    <div className="an-tl-head">
                      <b data-testid="timeline-event">{eventLabel(e.event)}</b>
                      <span className="muted">{fmtTime(e.ts)}</span>
                      {e.channel && <Tag color="blue">{e.channel}</Tag>}
                      {e.source && e.source !== e.channel && <Tag>{e.source}</Tag>}
                    </div>
                    {(keyProperties(e.properties).length > 0 || e.path) && (
                      <div className="an-tl-props muted">
                        {keyProperties(e.properties).map(([k, v]) => (
                          <span key={k}>
                            {k}: <span className="an-tl-value">{valueText(k, v)}</span>
                          </span>
                        ))}
                        {e.path && (
                          <span>
                            {t('an.prop.$path')}: <span className="an-tl-value">{e.path}</span>
                          </span>
                        )}
                      </div>
                    )}
                  </div>
                ),
              })),
              ...(loadingEvents ? [{ key: 'loading', loading: true, content: t('common.loading') }] : []),
            ]}
          />
          {next !== null && (
            <div style={{ textAlign: 'center' }}>
              <Button onClick={loadMore} loading={loadingMore} data-testid="timeline-load-more">
                {t('c360.loadMore')}
              </Button>
            </div>
          )}
        </div>
      )}
    </>
  );

  return (
    <Card title={t('c360.title')} variant="borderless" style={{ marginBottom: 16 }} data-testid="customer-360">
      {canMessages ? (
        <Tabs
          defaultActiveKey="profile"
          items={[
            { key: 'profile', label: t('msg.c360.profileTab'), children: overview },
            { key: 'messages', label: <span data-testid="c360-tab-messages">{t('msg.c360.tab')}</span>, children: <CustomerMessages customerId={customerId} /> },
          ]}
          data-testid="c360-tabs"
        />
      ) : (
        overview
      )}
    </Card>
  );
}
