import { useMemo } from 'react';
import { Link, useParams } from 'react-router-dom';
import { Alert, Card, Col, Descriptions, Empty, Progress, Row, Statistic, Table, type TableProps } from 'antd';
import { ApiError } from '../../lib/api';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import Chart from '../../components/Chart';
import { LoadError } from '../../components/Results';
import { codeJoinsOption } from './charts-groups';
import { GROUP_QR_CAPACITY, fillDays, fillPercent } from './helpers-groups';
import { ChatFillList } from './labels-groups';
import { CodeStatsHead } from './CodeStatsHead';
import type { GroupCode, GroupCodeStats as Stats } from './types-groups';
import './wecom.css';
import './groups.css';

type ChatRow = Stats['chats'][number];

/** One group code: its QR code, the groups it fills, and who joined through it, per day and per group. */
export default function GroupCodeStats() {
  const { t } = useI18n();
  const { id } = useParams();
  const code = useApi<GroupCode>(`/wecom/group-codes/${id}`);
  const stats = useApi<Stats>(`/wecom/group-codes/${id}/stats`);
  const c = code.data;
  const s = stats.data;

  // The server gives the last 30 Beijing days; a gap would squeeze the axis, so any is filled.
  const days = useMemo(() => {
    const sorted = [...(s?.days ?? [])].sort((a, b) => (a.day < b.day ? -1 : 1));
    return sorted.length ? fillDays(sorted, { joins: 0 }, sorted[0]!.day, sorted[sorted.length - 1]!.day) : sorted;
  }, [s]);
  const option = useMemo(() => codeJoinsOption(days, t), [days, t]);

  const chatColumns: TableProps<ChatRow>['columns'] = [
    {
      title: t('wecom.grp.name'),
      key: 'name',
      render: (_, r) => <Link to={`/wecom/groups/${encodeURIComponent(r.chatId)}`}>{r.name || t('wecom.grp.unnamed')}</Link>,
    },
    { title: t('wecom.gcode.joins'), dataIndex: 'joins', width: 90, align: 'right' },
    {
      title: t('wecom.gcode.fillTitle', { max: GROUP_QR_CAPACITY }),
      key: 'fill',
      width: 180,
      render: (_, r) => (
        <Progress
          percent={fillPercent(r.memberCount)}
          size="small"
          status={r.memberCount >= GROUP_QR_CAPACITY ? 'exception' : 'normal'}
          format={() => `${r.memberCount}/${GROUP_QR_CAPACITY}`}
          aria-label={t('wecom.gcode.fill', { n: r.memberCount, max: GROUP_QR_CAPACITY })}
        />
      ),
    },
  ];

  // A deleted code keeps its statistics (the code itself answers 404): the numbers still show.
  if (stats.error) return <LoadError error={stats.error} onRetry={stats.reload} />;
  const deleted = code.error instanceof ApiError && code.error.status === 404;
  if (code.error && !deleted) return <LoadError error={code.error} onRetry={code.reload} />;

  return (
    <div>
      <CodeStatsHead
        kind="group-codes"
        code={c}
        title={c?.name ?? (deleted ? t('nav.wecomGroupCodeStats') : '')}
        state={c?.state}
        notice={deleted && <Alert type="warning" showIcon title={t('wecom.gcode.deletedNote')} />}
        testPrefix="wecom-gcode"
      >
        {c && (
          <Descriptions column={1} size="small" style={{ flex: 1, minWidth: 280 }} data-testid="wecom-gcode-info">
            <Descriptions.Item label={t('wecom.gcode.chats')}>
              <div>
                <div className="muted" style={{ fontSize: 12 }}>{t('wecom.gcode.chatsOrder')}</div>
                <ChatFillList chats={c.chats} />
              </div>
            </Descriptions.Item>
            <Descriptions.Item label={t('wecom.gcode.whenFull')}>
              {c.autoCreateRoom ? t('wecom.gcode.autoCreateAs', { name: `${c.roomBaseName}${c.roomBaseId}` }) : t('wecom.gcode.noAutoCreate')}
            </Descriptions.Item>
            <Descriptions.Item label={t('common.createdAt')}>{fmtTime(c.createdAt)}</Descriptions.Item>
          </Descriptions>
        )}
      </CodeStatsHead>

      {s && (
        <div className="page-card" data-testid="wecom-gcode-stats" data-joins={s.joins} data-still-in={s.stillIn}>
          <h2 className="wecom-h2">{t('wecom.stats.title')}</h2>
          <Row gutter={[16, 16]} className="wecom-stat-row">
            <Col xs={8} md={6} lg={4}><Statistic title={t('wecom.gcode.joins')} value={s.joins} /></Col>
            <Col xs={8} md={6} lg={4}><Statistic title={t('wecom.gcode.stillIn')} value={s.stillIn} valueStyle={{ color: '#13a04a' }} /></Col>
            <Col xs={8} md={6} lg={4}><Statistic title={t('wecom.gcode.left')} value={s.left} valueStyle={{ color: '#d46b08' }} /></Col>
          </Row>
          <p className="muted wecom-note" style={{ marginTop: 12 }}>{t('wecom.gcode.statsNote')}</p>
          <Row gutter={16}>
            <Col xs={24} lg={14}>
              <Card size="small" title={t('wecom.gcode.perDay')} variant="borderless">
                {s.joins > 0 ? (
                  <Chart option={option} height={240} label={t('wecom.gcode.perDayLabel', { n: s.joins })} testId="wecom-gcode-days" />
                ) : (
                  <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('wecom.gcode.noJoins')} />
                )}
              </Card>
            </Col>
            <Col xs={24} lg={10}>
              <Card size="small" title={t('wecom.gcode.perChat')} variant="borderless">
                <Table<ChatRow>
                  rowKey="chatId"
                  size="small"
                  dataSource={s.chats}
                  columns={chatColumns}
                  pagination={false}
                  locale={{ emptyText: <span className="muted">{t('wecom.gcode.noChats')}</span> }}
                  onRow={(r) => ({ 'data-testid': `wecom-gcode-chat-${r.chatId}`, 'data-joins': r.joins }) as React.HTMLAttributes<HTMLElement>}
                />
              </Card>
            </Col>
          </Row>
        </div>
      )}
    </div>
  );
}
