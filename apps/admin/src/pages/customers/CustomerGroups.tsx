import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { Button, Drawer, Form, Input, Modal, Popconfirm, Radio, Space, Table, Tabs, Tag, Typography } from 'antd';
import { DownloadOutlined, PlusOutlined } from '@ant-design/icons';
import { GroupBody } from '@siyu/contracts';
import { api, ApiError, downloadUrl } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { LoadError } from '../../components/Results';
import type { Customer, Paged } from '../../lib/types';
import type { CustomerGroup, GroupMember } from './audience';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { EstimatePanel, SegmentBuilder, useSegmentLookups } from './SegmentBuilder';
import { useSegI18n } from './segment-i18n';
import { describeRule, emptyRule, fromRule, issueFromApiField, ruleIssues, toRule, validRule, type DescribeContext, type DraftRule, type RuleIssue } from './segment-rule';

interface Values {
  name: string;
  kind: 'static' | 'dynamic';
}

/** A starting point for a new segment: one condition the merchant changes (bought in the last 90 days). */
const starterRule = (): DraftRule => ({ op: 'and', items: [{ type: 'last_order', within: 90 }] });

/** 会员分组: static lists staff fill from the customer list, and dynamic groups — segments (人群) built from nested conditions. */
export default function CustomerGroups() {
  const { t, seg, tl } = useSegI18n();
  const { can } = useAuth();
  const writable = can('customers:write');
  const { data, error, loading, reload } = useApi<{ items: CustomerGroup[] }>('/groups');
  const [editing, setEditing] = useState<CustomerGroup | 'new' | null>(null);
  const [viewing, setViewing] = useState<CustomerGroup | null>(null);
  const [saving, setSaving] = useState(false);
  const [draft, setDraft] = useState<DraftRule>(emptyRule);
  const [showAll, setShowAll] = useState(false);
  const [serverIssues, setServerIssues] = useState<RuleIssue[]>([]);
  const [form] = Form.useForm<Values>();
  const lookups = useSegmentLookups(!!editing);
  const describe = useMemo<DescribeContext>(() => ({ lang: tl, t: seg, ...lookups.names }), [tl, seg, lookups.names]);

  useEffect(() => {
    if (!editing) return;
    form.resetFields();
    setShowAll(false);
    setServerIssues([]);
    if (editing === 'new') {
      form.setFieldsValue({ name: '', kind: 'dynamic' });
      setDraft(starterRule());
    } else {
      form.setFieldsValue({ name: editing.name, kind: editing.kind });
      setDraft(fromRule(editing.conditions));
    }
  }, [editing, form]);

  const kind = Form.useWatch('kind', form);
  const dynamic = kind === 'dynamic';
  const ownIssues = useMemo(() => ruleIssues(draft), [draft]);
  const issues = useMemo(() => [...ownIssues, ...serverIssues], [ownIssues, serverIssues]);
  const estimateRule = useMemo(() => (dynamic && !ownIssues.length ? validRule(draft) : null), [dynamic, ownIssues, draft]);

  const changeDraft = (next: DraftRule) => {
    setDraft(next);
    if (serverIssues.length) setServerIssues([]);
  };

  const save = async () => {
    let nameOk = true;
    try {
      await form.validateFields();
    } catch {
      nameOk = false;
    }
    if (dynamic && ownIssues.length) {
      setShowAll(true);
      feedback.message.error(t('seg.fixErrors', { n: new Set(ownIssues.map((i) => `${i.path.join('.')}|${i.field}`)).size }));
      return;
    }
    if (!nameOk) return;
    const v = form.getFieldsValue(true) as Values;
    const body = { name: String(asText(v.name)).trim(), kind: v.kind, conditions: v.kind === 'dynamic' ? toRule(draft) : null };
    if (!validateBody(form, GroupBody, body)) return;
    setSaving(true);
    try {
      if (editing === 'new') await api.post('/groups', body);
      else if (editing) await api.put(`/groups/${editing.id}`, body);
      feedback.message.success(t('common.saved'));
      setEditing(null);
      reload();
    } catch (err) {
      // A problem inside the rule (a tag deleted meanwhile…) goes on its row; others on the form or a toast.
      const onRule = err instanceof ApiError ? issueFromApiField(err.field, err.message) : null;
      if (onRule) {
        setServerIssues([onRule]);
        setShowAll(true);
      }
      if (onRule || !applyApiError(form, err)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const remove = async (g: CustomerGroup) => {
    try {
      await api.del(`/groups/${g.id}`);
      feedback.message.success(t('common.deleted'));
      reload();
    } catch (err) {
      showError(err);
    }
  };

  if (error) return <LoadError error={error} onRetry={reload} />;

  const summary = (g: CustomerGroup) => {
    if (g.kind === 'static') return <span className="muted">{t('groups.staticSummary')}</span>;
    const text = describeRule(g.conditions, describe);
    return (
      <Typography.Paragraph className="seg-rule-text" ellipsis={{ rows: 2, tooltip: text }} style={{ marginBottom: 0 }} data-testid={`group-rule-${g.name}`}>
        {text}
      </Typography.Paragraph>
    );
  };

  return (
    <div className="page-card">
      <h1 className="page-title">{t('groups.title')}</h1>
      <div className="toolbar">
        {writable && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="group-new">
            {t('groups.new')}
          </Button>
        )}
        <span className="muted">{t('groups.hint')}</span>
      </div>
      <Table<CustomerGroup>
        rowKey="id"
        loading={loading}
        dataSource={data?.items ?? []}
        pagination={false}
        locale={{ emptyText: <span className="muted">{t('groups.empty')}</span> }}
        onRow={(g) => ({ 'data-testid': `group-row-${g.name}` }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          {
            title: t('groups.name'),
            key: 'name',
            width: 180,
            render: (_, g) => (
              <Button type="link" style={{ padding: 0 }} onClick={() => setViewing(g)} data-testid={`group-open-${g.name}`}>
                {g.name}
              </Button>
            ),
          },
          { title: t('groups.kind'), dataIndex: 'kind', width: 90, render: (k: CustomerGroup['kind']) => <Tag color={k === 'dynamic' ? 'blue' : undefined}>{t(`groups.kind.${k}`)}</Tag> },
          { title: t('groups.conditions'), key: 'conditions', render: (_, g) => summary(g) },
          {
            title: t('groups.count'),
            dataIndex: 'count',
            width: 110,
            align: 'right',
            render: (n: number, g) => <span data-testid={`group-count-${g.name}`}>{t('groups.people', { n })}</span>,
          },
          {
            title: t('seg.col.refreshedAt'),
            key: 'refreshedAt',
            width: 170,
            render: (_, g) => (g.kind === 'static' ? <span className="muted">-</span> : g.refreshedAt ? <span className="muted">{fmtTime(g.refreshedAt)}</span> : <span className="muted">{t('seg.notRefreshed')}</span>),
          },
          {
            title: t('common.actions'),
            key: 'a',
            width: 190,
            render: (_, g) => (
              <Space size={0}>
                <Button type="link" size="small" onClick={() => setViewing(g)} data-testid={`group-members-${g.name}`}>
                  {t('groups.members')}
                </Button>
                {writable && (
                  <Button type="link" size="small" onClick={() => setEditing(g)} data-testid={`group-edit-${g.name}`}>
                    {t('common.edit')}
                  </Button>
                )}
                {writable && (
                  <ConfirmDelete title={t('groups.deleteConfirm', { name: g.name })} onConfirm={() => remove(g)} testId={`group-delete-${g.name}`} okTestId="group-delete-ok" />
                )}
              </Space>
            ),
          },
        ]}
      />

      <Modal
        open={!!editing}
        width={dynamic ? 1120 : 600}
        title={editing === 'new' ? t('groups.new') : t('groups.edit')}
        onCancel={() => setEditing(null)}
        onOk={save}
        confirmLoading={saving}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        okButtonProps={{ 'data-testid': 'group-save' } as never}
        forceRender
      >
        <Form<Values> form={form} layout="vertical" name="customerGroup">
          <Space align="start" size={24} wrap>
            <Form.Item name="name" label={t('groups.name')} required rules={[zodRule(GroupBody.shape.name, (x) => String(asText(x)).trim())]}>
              <Input maxLength={30} placeholder={t('groups.namePlaceholder')} style={{ width: 280 }} data-testid="group-name" />
            </Form.Item>
            <Form.Item name="kind" label={t('groups.kind')} extra={editing !== 'new' ? t('groups.kindFixed') : kind === 'static' ? t('groups.staticHint') : t('seg.dynamicHint')}>
              <Radio.Group disabled={editing !== 'new'} data-testid="group-kind">
                <Radio value="dynamic">{t('groups.kind.dynamic')}</Radio>
                <Radio value="static">{t('groups.kind.static')}</Radio>
              </Radio.Group>
            </Form.Item>
          </Space>
        </Form>
        {dynamic && (
          <div className="seg-editor" data-testid="group-conditions">
            <div className="seg-editor-main">
              <SegmentBuilder value={draft} onChange={changeDraft} issues={issues} showAllErrors={showAll} lookups={lookups} />
            </div>
            <div className="seg-editor-side">
              <EstimatePanel rule={estimateRule} reason={!draft.items.length ? 'empty' : ownIssues.length ? 'invalid' : null} />
            </div>
          </div>
        )}
      </Modal>

      <GroupMembersDrawer group={viewing} onClose={() => setViewing(null)} onChanged={reload} describe={describe} />
    </div>
  );
}

/** A group's members, paged, with the Excel export and (static groups) taking people out; a segment's entries and exits. */
function GroupMembersDrawer({ group, onClose, onChanged, describe }: { group: CustomerGroup | null; onClose: () => void; onChanged: () => void; describe: DescribeContext }) {
  const { t } = useSegI18n();
  const { can } = useAuth();
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const [tab, setTab] = useState<'members' | 'changes'>('members');
  const members = useApi<Paged<GroupMember>>(group ? `/groups/${group.id}/members` : null, { page, pageSize });

  useEffect(() => {
    setPage(1);
    setTab('members');
  }, [group?.id]);

  const removeMember = async (m: GroupMember) => {
    if (!group) return;
    try {
      await api.post(`/groups/${group.id}/members/remove`, { customerIds: [m.id] });
      feedback.message.success(t('groups.removed'));
      members.reload();
      onChanged();
    } catch (err) {
      showError(err);
    }
  };

  const canRemove = group?.kind === 'static' && can('customers:write');

  const memberTable = (
    <Table<GroupMember>
      rowKey="id"
      size="small"
      loading={members.loading}
      dataSource={members.data?.items ?? []}
      onChange={(pg) => {
        setPage(pg.current ?? 1);
        setPageSize(pg.pageSize ?? 20);
      }}
      pagination={{ current: page, pageSize, total: members.data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { n }) }}
      columns={[
        { title: t('common.phone'), dataIndex: 'phone', width: 140, render: (v: string | null, m) => <Link to={`/customers/${m.id}`}>{v ?? m.id.slice(0, 8)}</Link> },
        { title: t('customer.nickname'), dataIndex: 'nickname', render: (v: string | null) => v || '-' },
        { title: t('customer.registeredAt'), dataIndex: 'registeredAt', width: 180, render: fmtTime },
        ...(canRemove
          ? [
              {
                title: t('common.actions'),
                key: 'a',
                width: 110,
                render: (_: unknown, m: GroupMember) => (
                  <Popconfirm title={t('groups.removeConfirm')} onConfirm={() => removeMember(m)} okText={t('common.confirm')} cancelText={t('common.cancel')} okButtonProps={{ 'data-testid': 'group-remove-ok' } as never}>
                    <Button type="link" size="small" danger data-testid={`group-remove-${m.phone}`}>
                      {t('groups.remove')}
                    </Button>
                  </Popconfirm>
                ),
              },
            ]
          : []),
      ]}
    />
  );

  return (
    <Drawer
      open={!!group}
      size={800}
      onClose={onClose}
      title={group ? `${group.name} · ${t('groups.memberList')}` : ''}
      extra={
        group &&
        can('customers:export') && (
          <Button icon={<DownloadOutlined />} href={downloadUrl(`/groups/${group.id}/export.xlsx`)} data-testid="group-export">
            {t('common.export')}
          </Button>
        )
      }
      data-testid="group-drawer"
    >
      {group?.kind === 'dynamic' ? (
        <>
          <div className="seg-rule-text" style={{ marginBottom: 8 }} data-testid="group-drawer-rule">
            {describeRule(group.conditions, describe)}
          </div>
          <Tabs
            activeKey={tab}
            onChange={(k) => setTab(k as 'members' | 'changes')}
            items={[
              { key: 'members', label: <span data-testid="group-tab-members">{t('seg.tab.members')}</span>, children: memberTable },
              { key: 'changes', label: <span data-testid="group-tab-changes">{t('seg.tab.changes')}</span>, children: tab === 'changes' && <GroupChanges groupId={group.id} /> },
            ]}
          />
        </>
      ) : (
        memberTable
      )}
    </Drawer>
  );
}

interface GroupChange {
  customerId: string;
  change: 'entered' | 'left';
  at: string;
}
type Who = Pick<Customer, 'phone' | 'nickname'> | null;

/** 进出记录: who entered and left the segment, newest first (the latest 100 the server keeps at hand). */
function GroupChanges({ groupId }: { groupId: string }) {
  const { t } = useSegI18n();
  const changes = useApi<{ items: GroupChange[] }>(`/groups/${groupId}/changes`);
  const [page, setPage] = useState(1);
  const pageSize = 20;
  const [people, setPeople] = useState<Record<string, Who>>({});
  const items = changes.data?.items ?? [];
  const visible = items.slice((page - 1) * pageSize, page * pageSize);
  const wanted = [...new Set(visible.map((c) => c.customerId))].filter((id) => !(id in people));

  useEffect(() => {
    if (!wanted.length) return;
    let live = true;
    void Promise.all(
      wanted.map((id) =>
        api
          .get<Customer>(`/customers/${id}`)
          .then((c): [string, Who] => [id, { phone: c.phone, nickname: c.nickname }])
          .catch((): [string, Who] => [id, null]),
      ),
    ).then((list) => {
      if (live) setPeople((p) => ({ ...p, ...Object.fromEntries(list) }));
    });
    return () => {
      live = false;
    };
  }, [wanted.join(',')]); // eslint-disable-line react-hooks/exhaustive-deps

  if (changes.error) return <LoadError error={changes.error} onRetry={changes.reload} />;

  return (
    <div data-testid="group-changes">
      <div className="muted" style={{ fontSize: 12, marginBottom: 8 }}>
        {t('seg.changes.hint')}
      </div>
      <Table<GroupChange>
        rowKey={(c, i) => `${c.customerId}-${c.at}-${i}`}
        size="small"
        loading={changes.loading}
        dataSource={items}
        locale={{ emptyText: <span className="muted">{t('seg.changes.empty')}</span> }}
        pagination={{ current: page, pageSize, total: items.length, onChange: setPage, showSizeChanger: false, hideOnSinglePage: true }}
        columns={[
          {
            title: t('seg.changes.customer'),
            key: 'customer',
            render: (_, c) => {
              const who = people[c.customerId];
              if (who === null) return <span className="muted">{t('seg.changes.gone')}</span>;
              const label = who ? (who.phone ?? who.nickname ?? c.customerId.slice(0, 8)) : c.customerId.slice(0, 8);
              return (
                <Link to={`/customers/${c.customerId}`}>
                  {label}
                  {who?.phone && who.nickname ? <span className="muted"> · {who.nickname}</span> : null}
                </Link>
              );
            },
          },
          {
            title: t('seg.changes.change'),
            dataIndex: 'change',
            width: 110,
            render: (v: GroupChange['change']) => (
              <Tag color={v === 'entered' ? 'green' : 'orange'} data-testid={`group-change-${v}`}>
                {t(v === 'entered' ? 'seg.changes.entered' : 'seg.changes.left')}
              </Tag>
            ),
          },
          { title: t('seg.changes.at'), dataIndex: 'at', width: 180, render: fmtTime },
        ]}
      />
    </div>
  );
}
