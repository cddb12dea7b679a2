import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { Alert, Button, Card, Col, Empty, Input, Progress, Row, Select, Statistic, Table, Tooltip, type TableProps } from 'antd';
import { SyncOutlined } from '@ant-design/icons';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { showError } from '../../lib/feedback';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { tableWidth } from '../../lib/table';
import type { Paged } from '../../lib/types';
import Chart from '../../components/Chart';
import { LoadError } from '../../components/Results';
import { TableFrame } from '../analytics/TableFrame';
import { fmtMinute, useListParams } from '../promotions/shared';
import { groupsTrendOption } from './charts-groups';
import { fillDays, groupSyncPercent } from './helpers-groups';
import { GroupStatusTag } from './labels-groups';
import type { StaffMember } from './types';
import type { GroupListItem, GroupSyncRun, GroupsOverview } from './types-groups';
import './wecom.css';
import './groups.css';

const POLL_MS = 1000;
/** The last group sync, so that coming back to the page shows how it went (the server keeps no "latest"). */
const RUN_KEY = 'siyu.admin.wecom.groupSyncRun';

/** 同步客户群: WeCom's group list and each group's members, read again; progress as the staff sync shows it. */
function GroupSync({ writable, onDone }: { writable: boolean; onDone: () => void }) {
  const { t } = useI18n();
  const [run, setRun] = useState<GroupSyncRun | null>(null);
  const [starting, setStarting] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const doneRef = useRef(onDone);
  doneRef.current = onDone;

  const poll = (id: string, fresh: boolean) => {
    if (timer.current) clearTimeout(timer.current);
    api
      .get<GroupSyncRun>(`/wecom/sync-runs/${id}`)
      .then((r) => {
        setRun(r);
        if (r.status === 'queued' || r.status === 'running') timer.current = setTimeout(() => poll(id, true), POLL_MS);
        else if (fresh && r.status === 'done') doneRef.current();
      })
      .catch(() => sessionStorage.removeItem(RUN_KEY));
  };

  useEffect(() => {
    const last = sessionStorage.getItem(RUN_KEY);
    if (last) poll(last, false);
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  const start = async () => {
    setStarting(true);
    try {
      const r = await api.post<GroupSyncRun>('/wecom/groups/sync');
      sessionStorage.setItem(RUN_KEY, r.id);
      setRun(r);
      poll(r.id, true);
    } catch (err) {
      showError(err);
    } finally {
      setStarting(false);
    }
  };

  const busy = run?.status === 'queued' || run?.status === 'running';
  const p = run?.progress ?? {};
  return (
    <div className="wecom-group-sync">
      {writable && (
        <Button icon={<SyncOutlined spin={busy} />} loading={starting} disabled={busy} onClick={start} data-testid="wecom-group-sync">
          {busy ? t('wecom.sync.running') : t('wecom.grp.sync')}
        </Button>
      )}
      {run && (
        <div className="wecom-group-sync-run" data-testid="wecom-group-sync-run" data-status={run.status}>
          <Progress
            percent={groupSyncPercent(run)}
            size="small"
            status={run.status === 'failed' ? 'exception' : run.status === 'done' ? 'success' : 'active'}
            aria-label={t('wecom.sync.progressLabel')}
            data-testid="wecom-group-sync-progress"
          />
          <div className="muted" style={{ fontSize: 12 }}>
            {run.status === 'queued' && t('wecom.sync.queued')}
            {run.status === 'running' &&
              (p.groupsTotal
                ? t('wecom.grp.syncStep', { done: p.groupsDone ?? 0, total: p.groupsTotal })
                : p.relations !== undefined
                  ? t('wecom.grp.syncReading')
                  : p.relationStaffTotal
                    ? t('wecom.sync.stepRelations', { done: p.relationStaffDone ?? 0, total: p.relationStaffTotal })
                    : p.staff !== undefined
                      ? t('wecom.sync.stepTags')
                      : t('wecom.sync.stepStaff'))}
            {run.status === 'done' && t('wecom.grp.syncDone', { time: fmtTime(run.finishedAt), n: p.groups ?? '-' })}
          </div>
          {run.status === 'failed' && <Alert type="error" showIcon title={t('wecom.sync.failed')} description={run.error} style={{ marginTop: 8 }} />}
        </div>
      )}
    </div>
  );
}

/** The corp's groups over the last 30 days: joins and leaves per day, and today's. */
function Overview({ data }: { data: GroupsOverview }) {
  const { t } = useI18n();
  const days = useMemo(() => {
    const list = [...data.days].sort((a, b) => (a.day < b.day ? -1 : 1));
    return list.length ? fillDays(list, { joined: 0, left: 0 }, list[0]!.day, list[list.length - 1]!.day) : list;
  }, [data.days]);
  const option = useMemo(() => groupsTrendOption(days, t), [days, t]);
  const joined30 = days.reduce((a, d) => a + d.joined, 0);
  const left30 = days.reduce((a, d) => a + d.left, 0);
  return (
    <div className="page-card" data-testid="wecom-groups-overview" data-groups={data.groups} data-customers={data.customers}>
      <h2 className="wecom-h2">{t('wecom.grp.overview')}</h2>
      <Row gutter={[16, 16]} className="wecom-stat-row">
        <Col xs={12} md={8} lg={4}><Statistic title={t('wecom.grp.groups')} value={data.groups} /></Col>
        <Col xs={12} md={8} lg={4}><Statistic title={t('wecom.grp.customersIn')} value={data.customers} /></Col>
        <Col xs={12} md={8} lg={4}><Statistic title={t('wecom.grp.joinedToday')} value={data.joinedToday} valueStyle={{ color: '#155bd4' }} /></Col>
        <Col xs={12} md={8} lg={4}><Statistic title={t('wecom.grp.leftToday')} value={data.leftToday} valueStyle={{ color: '#d46b08' }} /></Col>
        <Col xs={12} md={8} lg={4}><Statistic title={t('wecom.grp.joined30')} value={joined30} /></Col>
        <Col xs={12} md={8} lg={4}><Statistic title={t('wecom.grp.left30')} value={left30} /></Col>
      </Row>
      <Card size="small" variant="borderless" title={t('wecom.grp.trend')} style={{ marginTop: 8 }}>
        {joined30 + left30 > 0 ? (
          <Chart option={option} height={240} label={t('wecom.grp.trendLabel', { joined: joined30, left: left30 })} testId="wecom-groups-trend" />
        ) : (
          <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('wecom.grp.noTrend')} />
        )}
      </Card>
    </div>
  );
}

/**
 * 客户群: the corp's customer groups as last synced, who owns each, how many customers are in it and how it
 * moved this week; the corp-wide joins and leaves per day above them. A group opens its members.
 */
export default function Groups() {
  const { t } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const { params, update, page, pageSize } = useListParams();
  const owner = params.get('owner') ?? undefined;
  const q = params.get('q') ?? undefined;
  const [typed, setTyped] = useState(q ?? '');
  const { data, error, loading, reload } = useApi<Paged<GroupListItem>>('/wecom/groups', { page, pageSize, owner, q });
  const overview = useApi<GroupsOverview>('/wecom/groups/overview');
  const staff = useApi<{ items: StaffMember[] }>('/wecom/staff');
  const ownerOptions = useMemo(() => (staff.data?.items ?? []).map((s) => ({ value: s.userid, label: s.status === 5 ? `${s.name} (${t('wecom.staff.status.5')})` : s.name })), [staff.data, t]);

  const columns: TableProps<GroupListItem>['columns'] = [
    {
      title: t('wecom.grp.name'),
      key: 'name',
      width: 240,
      render: (_, g) => (
        <div>
          <Link to={`/wecom/groups/${encodeURIComponent(g.chatId)}`} data-testid="wecom-group-name">{g.name || t('wecom.grp.unnamed')}</Link> <GroupStatusTag status={g.status} />
          {g.notice && (
            <Tooltip title={<span className="wecom-welcome-text">{g.notice}</span>}>
              <div className="muted clamp-2" style={{ fontSize: 12 }}>{t('wecom.grp.noticeIs', { text: g.notice })}</div>
            </Tooltip>
          )}
        </div>
      ),
    },
    { title: t('wecom.grp.owner'), key: 'owner', width: 120, render: (_, g) => g.ownerName ?? g.owner },
    {
      title: t('wecom.grp.members'),
      key: 'members',
      width: 130,
      align: 'right',
      render: (_, g) => (
        <div data-testid={`wecom-group-members-${g.chatId}`}>
          <div>{g.memberCount}</div>
          <div className="muted" style={{ fontSize: 12 }}>{t('wecom.grp.customersN', { n: g.customerCount })}</div>
        </div>
      ),
    },
    {
      title: t('wecom.grp.week'),
      key: 'week',
      width: 150,
      render: (_, g) => (
        <span className="wecom-flow">
          <span className={g.joined7d ? 'wecom-flow-in' : 'muted'}>+{g.joined7d}</span>
          <span className={g.left7d ? 'wecom-flow-out' : 'muted'}>-{g.left7d}</span>
        </span>
      ),
    },
    { title: t('wecom.grp.createdAt'), dataIndex: 'createdAt', width: 150, render: (v: string | null) => (v ? fmtMinute(v) : '-') },
    {
      title: t('common.actions'),
      key: 'a',
      width: 90,
      fixed: 'right',
      render: (_, g) => (
        <Button type="link" size="small" onClick={() => navigate(`/wecom/groups/${encodeURIComponent(g.chatId)}`)} data-testid={`wecom-group-open-${g.chatId}`}>
          {t('wecom.grp.membersLink')}
        </Button>
      ),
    },
  ];

  if (error) return <LoadError error={error} onRetry={reload} />;
  const filtered = !!owner || !!q;
  const none = !loading && !filtered && data && data.total === 0;

  return (
    <div>
      <div className="page-card">
        <h1 className="page-title">{t('nav.wecomGroups')}</h1>
        <p className="muted wecom-note">{t('wecom.grp.intro')}</p>
        <GroupSync
          writable={can('messaging:write')}
          onDone={() => {
            reload();
            overview.reload();
          }}
        />
      </div>
      {overview.data && !none && <Overview data={overview.data} />}
      <div className="page-card">
        {none ? (
          <Empty description={t('wecom.grp.empty')} data-testid="wecom-groups-empty">
            <span className="muted">{can('messaging:write') ? t('wecom.grp.emptyHint') : t('wecom.grp.emptyHintRead')}</span>
          </Empty>
        ) : (
          <>
            <div className="filters">
              <Select
                allowClear
                showSearch={{ optionFilterProp: 'label' }}
                placeholder={t('wecom.grp.owner')}
                value={owner}
                onChange={(v) => update({ owner: v })}
                options={ownerOptions}
                style={{ width: 180 }}
                aria-label={t('wecom.grp.owner')}
                data-testid="wecom-groups-owner"
              />
              <Input.Search
                allowClear
                value={typed}
                onChange={(e) => {
                  setTyped(e.target.value);
                  if (!e.target.value) update({ q: undefined });
                }}
                onSearch={(v) => update({ q: v.trim() || undefined })}
                placeholder={t('wecom.grp.search')}
                aria-label={t('wecom.grp.search')}
                style={{ width: 240 }}
                data-testid="wecom-groups-search"
              />
            </div>
            <TableFrame testId="wecom-groups-table" label={t('nav.wecomGroups')}>
              <Table<GroupListItem>
                rowKey="chatId"
                loading={loading}
                dataSource={data?.items ?? []}
                columns={columns}
                scroll={{ x: tableWidth(columns, 240) }}
                onChange={(pg) => update({ page: pg.current ?? 1, pageSize: pg.pageSize ?? 20 })}
                pagination={{ current: page, pageSize, total: data?.total ?? 0, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
                locale={{ emptyText: <span className="muted">{t('wecom.grp.noMatch')}</span> }}
                onRow={(g) => ({ 'data-testid': `wecom-group-row-${g.name}` }) as React.HTMLAttributes<HTMLElement>}
              />
            </TableFrame>
          </>
        )}
      </div>
    </div>
  );
}
