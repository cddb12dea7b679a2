import { useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Alert, Button, Descriptions, Drawer, Spin, Table, Tag, Tooltip, type TableProps } from 'antd';
import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n, type TFunction } from '../../lib/i18n';
import { tableWidth } from '../../lib/table';
import type { Paged } from '../../lib/types';
import { LoadError } from '../../components/Results';
import { TableFrame } from '../analytics/TableFrame';
import { useListParams } from '../promotions/shared';
import { AttachmentTags } from './AttachmentsField';
import { CorpTagList } from './labels';
import { MomentStatusTag } from './reach-labels';
import type { CorpTag, Department, StaffMember } from './types';
import type { Moment, MomentDetail } from './types-reach';
import './wecom.css';

/** Who posts a Moment, in words: the members and departments named, or everyone. */
function postersText(m: Moment, t: TFunction, names: Map<string, string>, depts: Map<number, string>) {
  if (!m.userids.length && !m.departmentIds.length) return t('wecom.moment.everyone');
  return [...m.userids.map((u) => names.get(u) ?? u), ...m.departmentIds.map((d) => depts.get(d) ?? String(d))].join(t('common.listSep'));
}

/**
 * 朋友圈: posts WeCom puts on staff members' phones to publish to their customers' Moments; who posts and
 * which customers (by tag) see it, and what WeCom answered.
 */
export default function Moments() {
  const { t } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const { update, page, pageSize } = useListParams();
  const { data, error, loading, reload } = useApi<Paged<Moment>>('/wecom/moments', { page, pageSize });
  const staff = useApi<{ items: StaffMember[] }>('/wecom/staff');
  const depts = useApi<{ items: Department[] }>('/wecom/departments');
  const tags = useApi<{ items: CorpTag[] }>(can('customers:read') ? '/wecom/tags' : null);
  const names = useMemo(() => new Map((staff.data?.items ?? []).map((s) => [s.userid, s.name])), [staff.data]);
  const deptNames = useMemo(() => new Map((depts.data?.items ?? []).map((d) => [d.id, d.name])), [depts.data]);
  const tagMap = useMemo(() => new Map((tags.data?.items ?? []).map((x) => [x.id, x])), [tags.data]);
  const [open, setOpen] = useState<string | null>(null);
  const detail = useApi<MomentDetail>(open ? `/wecom/moments/${open}` : null);
  const d = detail.data && detail.data.id === open ? detail.data : null;
  const [refreshing, setRefreshing] = useState(false);
  const refresh = async () => {
    if (!open) return;
    setRefreshing(true);
    try {
      detail.setData(await api.post<MomentDetail>(`/wecom/moments/${open}/refresh`));
      feedback.message.success(t('wecom.mass.refreshed'));
    } catch (err) {
      showError(err);
    } finally {
      setRefreshing(false);
    }
  };

  const columns: TableProps<Moment>['columns'] = [
    {
      title: t('wecom.moment.content'),
      key: 'content',
      render: (_, m) => (
        <div>
          <Tooltip title={m.text}>
            <div className="clamp-2" data-testid="wecom-moment-text">{m.text || <span className="muted">-</span>}</div>
          </Tooltip>
          <AttachmentTags list={m.attachments} />
        </div>
      ),
    },
    { title: t('common.status'), dataIndex: 'status', width: 110, render: (v: Moment['status'], m) => <Tooltip title={m.error}><MomentStatusTag status={v} /></Tooltip> },
    { title: t('wecom.moment.posters'), key: 'who', width: 200, render: (_, m) => postersText(m, t, names, deptNames) },
    { title: t('wecom.moment.seenBy'), key: 'tags', width: 200, render: (_, m) => (m.tagIds.length ? <CorpTagList ids={m.tagIds} tags={tagMap} /> : <span className="muted">{t('wecom.moment.allCustomers')}</span>) },
    { title: t('common.createdAt'), dataIndex: 'createdAt', width: 170, render: fmtTime },
    {
      title: t('common.actions'),
      key: 'a',
      width: 80,
      fixed: 'right',
      render: (_, m) => (
        <Button type="link" size="small" onClick={() => setOpen(m.id)} data-testid={`wecom-moment-open-${m.id}`}>
          {t('common.detail')}
        </Button>
      ),
    },
  ];

  if (error) return <LoadError error={error} onRetry={reload} />;
  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.wecomMoments')}</h1>
      <p className="muted wecom-note">{t('wecom.moment.intro')}</p>
      {can('messaging:write') && (
        <div className="toolbar">
          <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/wecom/moments/new')} data-testid="wecom-moment-new">
            {t('wecom.moment.new')}
          </Button>
        </div>
      )}
      <TableFrame testId="wecom-moment-table" label={t('nav.wecomMoments')}>
        <Table<Moment>
          rowKey="id"
          loading={loading}
          dataSource={data?.items ?? []}
          columns={columns}
          scroll={{ x: tableWidth(columns, 260) }}
          onChange={(pg) => update({ page: pg.current ?? 1, pageSize: pg.pageSize ?? 20 })}
          pagination={{ current: page, pageSize, total: data?.total ?? 0, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
          locale={{ emptyText: <span className="muted">{t('wecom.moment.empty')}</span> }}
          onRow={(m) => ({ 'data-testid': `wecom-moment-row-${m.id}`, 'data-status': m.status }) as React.HTMLAttributes<HTMLElement>}
        />
      </TableFrame>
      <Drawer open={!!open} onClose={() => setOpen(null)} size="large" title={t('wecom.moment.detail')} data-testid="wecom-moment-drawer">
        {detail.error && <Alert type="error" showIcon title={t('common.loadFailed')} description={detail.error.message} />}
        {detail.loading && !d && <Spin />}
        {d && (
          <>
            {d.error && <Alert type="error" showIcon title={d.error} style={{ marginBottom: 12 }} />}
            {(d.invalidUserids.length > 0 || d.invalidTagIds.length > 0) && (
              <Alert
                type="warning"
                showIcon
                title={t('wecom.moment.invalid', { staff: d.invalidUserids.map((u) => names.get(u) ?? u).join(t('common.listSep')) || '-', tags: d.invalidTagIds.map((x) => tagMap.get(x)?.name ?? x).join(t('common.listSep')) || '-' })}
                style={{ marginBottom: 12 }}
              />
            )}
            <Descriptions column={1} size="small" bordered style={{ marginBottom: 16 }} data-testid="wecom-moment-info">
              <Descriptions.Item label={t('common.status')}><MomentStatusTag status={d.status} /></Descriptions.Item>
              <Descriptions.Item label={t('wecom.moment.content')}><span className="wecom-welcome-text">{d.text || '-'}</span></Descriptions.Item>
              {d.attachments.length > 0 && <Descriptions.Item label={t('wecom.att.title9')}><AttachmentTags list={d.attachments} /></Descriptions.Item>}
              <Descriptions.Item label={t('wecom.moment.posters')}>{postersText(d, t, names, deptNames)}</Descriptions.Item>
              <Descriptions.Item label={t('wecom.moment.seenBy')}>{d.tagIds.length ? <CorpTagList ids={d.tagIds} tags={tagMap} /> : t('wecom.moment.allCustomers')}</Descriptions.Item>
              <Descriptions.Item label="moment_id">{d.momentId ? <code style={{ fontSize: 12 }}>{d.momentId}</code> : '-'}</Descriptions.Item>
              <Descriptions.Item label={t('wecom.mass.createdBy')}>{d.createdBy ?? '-'} · {fmtTime(d.createdAt)}</Descriptions.Item>
              <Descriptions.Item label={t('wecom.moment.finishedAt')}>{fmtTime(d.finishedAt)}</Descriptions.Item>
            </Descriptions>
            <h3 className="wecom-h3">{t('wecom.moment.staffTitle', { n: d.staff.length })}</h3>
            <p className="muted wecom-note">
              {t('wecom.moment.staffNote')}{' '}
              {d.status === 'done' && (
                <Button size="small" icon={<ReloadOutlined />} loading={refreshing} onClick={refresh} data-testid="wecom-moment-refresh">
                  {t('wecom.mass.refresh')}
                </Button>
              )}
            </p>
            <Table
              rowKey="userid"
              size="small"
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
              dataSource={d.staff}
              columns={[
                { title: t('wecom.rel.staff'), dataIndex: 'name' },
                {
                  title: t('common.status'),
                  dataIndex: 'status',
                  width: 140,
                  render: (v: MomentDetail['staff'][number]['status']) => <Tag color={v === 'published' ? 'green' : v === 'invalid' || v === 'failed' ? 'red' : 'blue'}>{t(`wecom.moment.staff.${v}`)}</Tag>,
                },
              ]}
              data-testid="wecom-moment-staff"
            />
          </>
        )}
      </Drawer>
    </div>
  );
}
