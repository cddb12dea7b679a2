import { useMemo, useState } from 'react';
import { Alert, Button, DatePicker, Input, Select, Table, Tag } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { WECOM_RELATION_STATUSES, WECOM_STAGES, type WecomRelationStatus, type WecomStage } from '@siyu/contracts';
import { downloadUrl } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { tableWidth } from '../../lib/table';
import type { Paged } from '../../lib/types';
import { LoadError } from '../../components/Results';
import { TableFrame } from '../analytics/TableFrame';
import { useListParams } from '../promotions/shared';
import { ADD_WAYS, addWayKey, tagGroups } from './helpers';
import { stageText, useRelationColumns } from './labels';
import RelationDrawer from './RelationDrawer';
import type { ChannelCode, CorpTag, Relation, StaffMember } from './types';
import './wecom.css';

/**
 * 客户关系: every (staff member, WeCom customer) pair, filtered by name or remark, member, corp tag, stage,
 * status, the channel code they came through, how and when they were added; exported to Excel as filtered;
 * a row opens its detail (remark, stage, tags, history).
 */
export default function Relations() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const { params, update, page, pageSize } = useListParams();
  const filters = {
    staff: params.get('staff') ?? undefined,
    tag: params.get('tag') ?? undefined,
    stage: (params.get('stage') ?? undefined) as WecomStage | undefined,
    status: (params.get('status') ?? undefined) as WecomRelationStatus | undefined,
    channelCodeId: params.get('channelCodeId') ?? undefined,
    customerId: params.get('customerId') ?? undefined,
    addWay: params.get('addWay') ?? undefined,
    addedFrom: params.get('addedFrom') ?? undefined,
    addedTo: params.get('addedTo') ?? undefined,
    q: params.get('q') ?? undefined,
  };
  const [q, setQ] = useState(filters.q ?? '');
  const range: [dayjs.Dayjs, dayjs.Dayjs] | null = filters.addedFrom && filters.addedTo ? [dayjs(filters.addedFrom), dayjs(filters.addedTo)] : null;
  const { data, error, loading, reload } = useApi<Paged<Relation>>('/wecom/relations', { page, pageSize, ...filters });
  const staff = useApi<{ items: StaffMember[] }>(can('messaging:read') ? '/wecom/staff' : null);
  const tags = useApi<{ items: CorpTag[] }>('/wecom/tags');
  const codes = useApi<{ items: ChannelCode[] }>(can('messaging:read') ? '/wecom/channel-codes' : null);
  const [open, setOpen] = useState<string | null>(null);

  const tagList = useMemo(() => tags.data?.items ?? [], [tags.data]);
  const tagMap = useMemo(() => new Map(tagList.map((x) => [x.id, x])), [tagList]);
  const columns = useRelationColumns({ tags: tagMap, onOpen: (r) => setOpen(r.id) });

  if (error) return <LoadError error={error} onRetry={reload} />;

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.wecomRelations')}</h1>
      <p className="muted wecom-note">{t('wecom.rel.intro')}</p>
      <div className="filters" data-testid="wecom-relation-filters">
        <Select
          allowClear
          showSearch={{ optionFilterProp: 'label' }}
          placeholder={t('wecom.rel.staff')}
          value={filters.staff}
          onChange={(v) => update({ staff: v })}
          options={(staff.data?.items ?? []).map((s) => ({ value: s.userid, label: s.status === 5 ? `${s.name} (${t('wecom.staff.status.5')})` : s.name }))}
          style={{ width: 160 }}
          aria-label={t('wecom.rel.staff')}
          data-testid="wecom-filter-staff"
        />
        <Select
          allowClear
          showSearch={{ optionFilterProp: 'label' }}
          placeholder={t('wecom.rel.tag')}
          value={filters.tag}
          onChange={(v) => update({ tag: v })}
          options={tagGroups(tagList).map((g) => ({ label: g.groupName, title: g.groupName, options: g.tags.map((x) => ({ value: x.id, label: x.name })) }))}
          style={{ width: 180 }}
          aria-label={t('wecom.rel.tag')}
          data-testid="wecom-filter-tag"
        />
        <Select
          allowClear
          placeholder={t('wecom.rel.stage')}
          value={filters.stage}
          onChange={(v) => update({ stage: v })}
          options={WECOM_STAGES.map((s) => ({ value: s, label: stageText(s, lang) }))}
          style={{ width: 130 }}
          aria-label={t('wecom.rel.stage')}
          data-testid="wecom-filter-stage"
        />
        <Select
          allowClear
          placeholder={t('common.status')}
          value={filters.status}
          onChange={(v) => update({ status: v })}
          options={WECOM_RELATION_STATUSES.map((s) => ({ value: s, label: t(`wecom.rel.status.${s}`) }))}
          style={{ width: 150 }}
          aria-label={t('common.status')}
          data-testid="wecom-filter-status"
        />
        <Select
          allowClear
          showSearch={{ optionFilterProp: 'label' }}
          placeholder={t('wecom.rel.channelCode')}
          value={filters.channelCodeId}
          onChange={(v) => update({ channelCodeId: v })}
          options={(codes.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }))}
          style={{ width: 180 }}
          aria-label={t('wecom.rel.channelCode')}
          data-testid="wecom-filter-code"
        />
        <Select
          allowClear
          placeholder={t('wecom.rel.addWay')}
          value={filters.addWay}
          onChange={(v) => update({ addWay: v })}
          options={ADD_WAYS.map((w) => ({ value: String(w), label: t(addWayKey(w)) }))}
          style={{ width: 150 }}
          aria-label={t('wecom.rel.addWay')}
          data-testid="wecom-filter-addway"
        />
        <DatePicker.RangePicker
          value={range}
          placeholder={[t('common.startDate'), t('common.endDate')]}
          aria-label={t('wecom.rel.addedAt')}
          onChange={(v) => update({ addedFrom: v?.[0] ? v[0].startOf('day').toISOString() : undefined, addedTo: v?.[1] ? v[1].endOf('day').toISOString() : undefined })}
          data-testid="wecom-filter-added"
        />
        <Input.Search
          allowClear
          style={{ width: 200 }}
          placeholder={t('wecom.rel.search')}
          aria-label={t('wecom.rel.search')}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          onSearch={(v) => update({ q: v.trim() || undefined })}
          data-testid="wecom-filter-q"
        />
        {filters.customerId && (
          <Tag closable onClose={() => update({ customerId: undefined })} style={{ alignSelf: 'center' }}>
            {t('wecom.rel.customerFilter', { id: filters.customerId.slice(0, 8) })}
          </Tag>
        )}
        <span style={{ flex: 1 }} />
        {can('customers:export') && (
          <Button icon={<DownloadOutlined />} href={downloadUrl('/wecom/relations/export.xlsx', filters)} data-testid="wecom-relations-export">
            {t('common.export')}
          </Button>
        )}
      </div>
      {tags.error && <Alert type="warning" showIcon title={tags.error.message} style={{ marginBottom: 12 }} />}
      <TableFrame testId="wecom-relation-table" label={t('nav.wecomRelations')}>
        <Table<Relation>
          rowKey="id"
          loading={loading}
          dataSource={data?.items ?? []}
          columns={columns}
          scroll={{ x: tableWidth(columns, 200) }}
          onChange={(pg) => update({ page: pg.current ?? 1, pageSize: pg.pageSize ?? 20 })}
          pagination={{ current: page, pageSize, total: data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { n }) }}
          locale={{ emptyText: <span className="muted">{t('wecom.rel.empty')}</span> }}
          onRow={(r) => ({ 'data-testid': `wecom-relation-row-${r.externalUserid}`, 'data-status': r.status }) as React.HTMLAttributes<HTMLElement>}
        />
      </TableFrame>
      <RelationDrawer id={open} tags={tagList} codes={codes.data?.items} onClose={() => setOpen(null)} onChanged={reload} />
    </div>
  );
}
