import { Link } from 'react-router-dom';
import { Alert, Button, Col, Descriptions, Row, Space, Statistic, Table, Tag } from 'antd';
import { CHANNELS } from '@siyu/contracts';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { channelText, topicText } from './labels';
import { useDeliveryColumns } from './columns';
import type { CustomerMessagesData, Delivery } from './types';
import './messaging.css';

/**
 * 消息 on the customer 360: what the customer refuses, how much of the contact budget today and this
 * week has used, and the latest messages with their channel and status.
 */
export default function CustomerMessages({ customerId }: { customerId: string }) {
  const { t, lang } = useI18n();
  const { data, error, reload } = useApi<CustomerMessagesData>(`/customers/${customerId}/messages`);
  const columns = useDeliveryColumns({ customer: false });

  if (error) return <Alert type="error" showIcon title={error.message} action={<Button size="small" onClick={reload}>{t('common.retry')}</Button>} />;

  const prefs = data?.preferences;
  const counters = data?.counters;
  const counted = CHANNELS.filter((c) => (counters?.today[c] ?? 0) > 0 || (counters?.week[c] ?? 0) > 0);

  return (
    <div data-testid="customer-messages">
      <Row gutter={[16, 16]} style={{ marginBottom: 16 }}>
        <Col xs={24} lg={12}>
          <div className="stat-label an-sub-title">{t('msg.c360.preferences')}</div>
          <Descriptions
            size="small"
            bordered
            column={1}
            data-testid="customer-message-prefs"
            items={[
              {
                key: 'sms',
                label: t('msg.c360.smsMarketing'),
                children: prefs ? (
                  prefs.smsMarketing ? (
                    <Tag color="green" data-testid="customer-sms-consent">{t('msg.c360.consented')}</Tag>
                  ) : (
                    <Tag data-testid="customer-sms-consent">{t('msg.c360.notConsented')}</Tag>
                  )
                ) : (
                  '-'
                ),
              },
              {
                key: 'topics',
                label: t('msg.c360.refusedTopics'),
                children: prefs?.refusedTopics.length ? (
                  <Space size={[0, 4]} wrap data-testid="customer-refused-topics">
                    {prefs.refusedTopics.map((x) => (
                      <Tag key={x} color="red">{topicText(x, lang)}</Tag>
                    ))}
                  </Space>
                ) : (
                  <span className="muted">{t('common.none')}</span>
                ),
              },
              {
                key: 'channels',
                label: t('msg.c360.refusedChannels'),
                children: prefs?.refusedChannels.length ? (
                  <Space size={[0, 4]} wrap data-testid="customer-refused-channels">
                    {prefs.refusedChannels.map((c) => (
                      <Tag key={c} color="red">{channelText(c, lang)}</Tag>
                    ))}
                  </Space>
                ) : (
                  <span className="muted">{t('common.none')}</span>
                ),
              },
            ]}
          />
        </Col>
        <Col xs={24} lg={12}>
          <div className="stat-label an-sub-title">{t('msg.c360.budget')}</div>
          <Row gutter={16}>
            <Col span={12}>
              <Statistic title={t('msg.c360.today')} value={counters ? (counters.today.total ?? 0) : ' '} loading={!data} styles={{ content: { fontSize: 20 } }} data-testid="customer-contacts-today" />
            </Col>
            <Col span={12}>
              <Statistic title={t('msg.c360.week')} value={counters ? (counters.week.total ?? 0) : ' '} loading={!data} styles={{ content: { fontSize: 20 } }} data-testid="customer-contacts-week" />
            </Col>
          </Row>
          {counted.length > 0 && (
            <div className="muted" style={{ fontSize: 12, marginTop: 8 }}>
              {counted.map((c) => t('msg.c360.perChannel', { channel: channelText(c, lang), today: counters?.today[c] ?? 0, week: counters?.week[c] ?? 0 })).join(t('common.listSep'))}
            </div>
          )}
          <div className="muted" style={{ fontSize: 12, marginTop: 8 }}>{t('msg.c360.budgetHint')}</div>
        </Col>
      </Row>
      <div className="toolbar" style={{ marginBottom: 8 }}>
        <span className="stat-label">{t('msg.c360.latest')}</span>
        <span className="spacer" />
        <Link to={`/messaging/deliveries?customerId=${customerId}`} data-testid="customer-messages-all">
          {t('msg.c360.allLink')}
        </Link>
      </div>
      <Table<Delivery>
        rowKey="id"
        size="small"
        loading={!data}
        dataSource={data?.items ?? []}
        columns={columns}
        scroll={data?.items.length ? { x: 1300 } : undefined}
        pagination={{ pageSize: 10, size: 'small', hideOnSinglePage: true, showSizeChanger: false, showTotal: (n) => t('common.total', { n }) }}
        locale={{ emptyText: <span className="muted">{t('msg.c360.empty')}</span> }}
        data-testid="customer-messages-table"
      />
    </div>
  );
}
