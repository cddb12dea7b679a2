import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { Button, Checkbox, Drawer, Form, Input, InputNumber, Modal, Popconfirm, Radio, Select, Space, Table, Tag } from 'antd';
import { DownloadOutlined, PlusOutlined } from '@ant-design/icons';
import { GroupBody, GroupConditions } from '@siyu/contracts';
import { api, downloadUrl } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, moneyRule, validateBody, zodRule } from '../../lib/form';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { fenToYuan, yuanToFen } from '../../lib/money';
import { LoadError } from '../../components/Results';
import type { Paged } from '../../lib/types';
import type { MemberLevelsData } from '../loyalty/MemberLevels';
import { conditionPhrases, SOURCES, type CustomerGroup, type CustomerTag, type GroupMember } from './audience';
import { ConfirmDelete } from '../../components/ConfirmDelete';

const NO_LEVEL = '__none__';
const dayShape = GroupConditions.shape.lastOrderWithinDays;

interface CondValues {
  levels: string[];
  tagIds: string[];
  tagMatch: 'any' | 'all';
  minYuan: string;
  maxYuan: string;
  lastOrderWithinDays: number | null;
  noOrderForDays: number | null;
  neverOrdered: boolean;
  sources: string[];
  registeredWithinDays: number | null;
}

interface Values {
  name: string;
  kind: 'static' | 'dynamic';
  conditions: CondValues;
}

const EMPTY_COND: CondValues = { levels: [], tagIds: [], tagMatch: 'any', minYuan: '', maxYuan: '', lastOrderWithinDays: null, noOrderForDays: null, neverOrdered: false, sources: [], registeredWithinDays: null };

const FIELD_MAP = { 'conditions.minSpendFen': 'conditions.minYuan', 'conditions.maxSpendFen': 'conditions.maxYuan', 'conditions.levelIds': 'conditions.levels' };

const opt = <T,>(v: T | null | undefined | '') => (v === null || v === undefined || v === '' ? undefined : v);

function toConditions(c: CondValues): GroupConditions {
  const levelIds = (c.levels ?? []).filter((x) => x !== NO_LEVEL);
  const out: Record<string, unknown> = { tagMatch: c.tagMatch ?? 'any' };
  if (levelIds.length) out.levelIds = levelIds;
  if ((c.levels ?? []).includes(NO_LEVEL)) out.noLevel = true;
  if (c.tagIds?.length) out.tagIds = c.tagIds;
  const min = opt(String(asText(c.minYuan)).trim());
  const max = opt(String(asText(c.maxYuan)).trim());
  if (min !== undefined) out.minSpendFen = yuanToFen(min) ?? undefined;
  if (max !== undefined) out.maxSpendFen = yuanToFen(max) ?? undefined;
  if (opt(c.lastOrderWithinDays) !== undefined) out.lastOrderWithinDays = c.lastOrderWithinDays;
  if (opt(c.noOrderForDays) !== undefined) out.noOrderForDays = c.noOrderForDays;
  if (c.neverOrdered) out.neverOrdered = true;
  if (c.sources?.length) out.sources = c.sources;
  if (opt(c.registeredWithinDays) !== undefined) out.registeredWithinDays = c.registeredWithinDays;
  return out as GroupConditions;
}

function toCondValues(c: GroupConditions | null): CondValues {
  if (!c) return EMPTY_COND;
  return {
    levels: [...(c.levelIds ?? []), ...(c.noLevel ? [NO_LEVEL] : [])],
    tagIds: c.tagIds ?? [],
    tagMatch: c.tagMatch ?? 'any',
    minYuan: c.minSpendFen === undefined ? '' : fenToYuan(c.minSpendFen).replace(/\.00$/, ''),
    maxYuan: c.maxSpendFen === undefined ? '' : fenToYuan(c.maxSpendFen).replace(/\.00$/, ''),
    lastOrderWithinDays: c.lastOrderWithinDays ?? null,
    noOrderForDays: c.noOrderForDays ?? null,
    neverOrdered: !!c.neverOrdered,
    sources: c.sources ?? [],
    registeredWithinDays: c.registeredWithinDays ?? null,
  };
}

/** 会员分组: static lists staff fill from the customer list, and dynamic groups defined by conditions. */
export default function CustomerGroups() {
  const { t } = useI18n();
  const { can } = useAuth();
  const writable = can('customers:write');
  const { data, error, loading, reload } = useApi<{ items: CustomerGroup[] }>('/groups');
  const levels = useApi<MemberLevelsData>(can('loyalty:read') ? '/members/levels' : null);
  const tags = useApi<{ items: CustomerTag[] }>('/tags');
  const names = useMemo(
    () => ({
      levels: levels.data ? Object.fromEntries(levels.data.levels.map((l) => [l.id, l.name])) : null,
      tags: tags.data ? Object.fromEntries(tags.data.items.map((x) => [x.id, x.name])) : null,
    }),
    [levels.data, tags.data],
  );
  const [editing, setEditing] = useState<CustomerGroup | 'new' | null>(null);
  const [viewing, setViewing] = useState<CustomerGroup | null>(null);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<Values>();

  useEffect(() => {
    if (!editing) return;
    form.resetFields();
    if (editing === 'new') form.setFieldsValue({ name: '', kind: 'dynamic', conditions: EMPTY_COND });
    else form.setFieldsValue({ name: editing.name, kind: editing.kind, conditions: toCondValues(editing.conditions) });
  }, [editing, form]);

  const kind = Form.useWatch('kind', form);
  const neverOrdered = Form.useWatch(['conditions', 'neverOrdered'], form);

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const v = form.getFieldsValue(true) as Values;
    const body = { name: String(asText(v.name)).trim(), kind: v.kind, conditions: v.kind === 'dynamic' ? toConditions(v.conditions ?? EMPTY_COND) : null };
    if (!validateBody(form, GroupBody, body, FIELD_MAP)) return;
    setSaving(true);
    try {
      if (editing === 'new') await api.post('/groups', body);
      else if (editing) await api.put(`/groups/${editing.id}`, body);
      feedback.message.success(t('common.saved'));
      setEditing(null);
      reload();
    } catch (err) {
      if (!applyApiError(form, err, FIELD_MAP)) showError(err);
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
    const phrases = conditionPhrases(g.conditions, names, t);
    return phrases.length ? (
      <Space size={[4, 4]} wrap>
        {phrases.map((p) => (
          <Tag key={p}>{p}</Tag>
        ))}
      </Space>
    ) : (
      <span className="muted">{t('groups.noConditions')}</span>
    );
  };

  const levelOptions = [...(levels.data?.levels ?? []).map((l) => ({ value: l.id, label: l.name })), { value: NO_LEVEL, label: t('groups.noLevel') }];
  const tagOptions = (tags.data?.items ?? []).map((x) => ({ value: x.id, label: x.name }));
  const daysInput = (name: keyof CondValues, label: string, disabled = false) => (
    <Form.Item name={['conditions', name]} label={label} rules={[zodRule(dayShape, (x) => x ?? undefined)]}>
      <InputNumber min={1} max={3650} precision={0} suffix={t('promo.daysUnit')} placeholder={t('groups.f.any')} disabled={disabled} style={{ width: 200 }} data-testid={`group-${name}`} />
    </Form.Item>
  );

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
            width: 200,
            render: (_, g) => (
              <Button type="link" style={{ padding: 0 }} onClick={() => setViewing(g)} data-testid={`group-open-${g.name}`}>
                {g.name}
              </Button>
            ),
          },
          { title: t('groups.kind'), dataIndex: 'kind', width: 100, render: (k: CustomerGroup['kind']) => <Tag color={k === 'dynamic' ? 'blue' : undefined}>{t(`groups.kind.${k}`)}</Tag> },
          { title: t('groups.conditions'), key: 'conditions', render: (_, g) => summary(g) },
          { title: t('groups.count'), dataIndex: 'count', width: 110, align: 'right', render: (n: number) => t('groups.people', { n }) },
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
        width={720}
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
          <Form.Item name="name" label={t('groups.name')} required rules={[zodRule(GroupBody.shape.name, (x) => String(asText(x)).trim())]}>
            <Input maxLength={30} placeholder={t('groups.namePlaceholder')} data-testid="group-name" />
          </Form.Item>
          <Form.Item name="kind" label={t('groups.kind')} extra={editing !== 'new' ? t('groups.kindFixed') : kind === 'static' ? t('groups.staticHint') : t('groups.dynamicHint')}>
            <Radio.Group disabled={editing !== 'new'} data-testid="group-kind">
              <Radio value="dynamic">{t('groups.kind.dynamic')}</Radio>
              <Radio value="static">{t('groups.kind.static')}</Radio>
            </Radio.Group>
          </Form.Item>
          {kind === 'dynamic' && (
            <div style={{ background: '#f7f8fa', padding: '12px 16px 0', borderRadius: 4 }} data-testid="group-conditions">
              <Form.Item name={['conditions', 'levels']} label={t('groups.f.levels')}>
                <Select mode="multiple" allowClear options={levelOptions} placeholder={t('groups.f.levelsPlaceholder')} loading={levels.loading} data-testid="group-levels" />
              </Form.Item>
              <Form.Item label={t('groups.f.tags')} style={{ marginBottom: 0 }}>
                <Space.Compact block>
                  <Form.Item name={['conditions', 'tagMatch']} noStyle>
                    <Select style={{ width: 150 }} options={(['any', 'all'] as const).map((m) => ({ value: m, label: t(`groups.f.tagMatch.${m}`) }))} data-testid="group-tag-match" />
                  </Form.Item>
                  <Form.Item name={['conditions', 'tagIds']} noStyle>
                    <Select mode="multiple" allowClear options={tagOptions} placeholder={t('groups.f.any')} style={{ flex: 1 }} loading={tags.loading} data-testid="group-tags" />
                  </Form.Item>
                </Space.Compact>
              </Form.Item>
              <div style={{ height: 24 }} />
              <Space align="start" wrap>
                <Form.Item name={['conditions', 'minYuan']} label={`${t('groups.f.spend')} · ${t('groups.f.spendMin')}`} rules={[moneyRule(false)]}>
                  <Input prefix="¥" placeholder={t('groups.f.any')} style={{ width: 200 }} data-testid="group-min-spend" />
                </Form.Item>
                <Form.Item
                  name={['conditions', 'maxYuan']}
                  label={t('groups.f.spendMax')}
                  dependencies={[['conditions', 'minYuan']]}
                  rules={[
                    moneyRule(false),
                    ({ getFieldValue }) => ({
                      validator: async (_r, value) => {
                        const min = yuanToFen(getFieldValue(['conditions', 'minYuan']));
                        const max = yuanToFen(value);
                        if (min !== null && max !== null && min > max) throw new Error(t('groups.f.minAboveMax'));
                      },
                    }),
                  ]}
                >
                  <Input prefix="¥" placeholder={t('groups.f.any')} style={{ width: 200 }} data-testid="group-max-spend" />
                </Form.Item>
              </Space>
              <Space align="start" wrap>
                {daysInput('lastOrderWithinDays', t('groups.f.lastOrderWithin'), !!neverOrdered)}
                {daysInput('noOrderForDays', t('groups.f.noOrderFor'), !!neverOrdered)}
              </Space>
              <Form.Item name={['conditions', 'neverOrdered']} valuePropName="checked" extra={neverOrdered ? t('groups.f.neverConflict') : undefined}>
                <Checkbox
                  data-testid="group-never-ordered"
                  onChange={(e) => {
                    // Having never ordered contradicts any order-date condition; clear them rather than match no one.
                    if (e.target.checked) form.setFieldValue(['conditions', 'lastOrderWithinDays'], null);
                    if (e.target.checked) form.setFieldValue(['conditions', 'noOrderForDays'], null);
                  }}
                >
                  {t('groups.f.neverOrdered')}
                </Checkbox>
              </Form.Item>
              <Space align="start" wrap>
                <Form.Item name={['conditions', 'sources']} label={t('groups.f.sources')}>
                  <Select mode="multiple" allowClear style={{ width: 300 }} placeholder={t('groups.f.any')} options={SOURCES.map((s) => ({ value: s, label: t(`customer.source.${s}`) }))} data-testid="group-sources" />
                </Form.Item>
                {daysInput('registeredWithinDays', t('groups.f.registeredWithin'))}
              </Space>
            </div>
          )}
        </Form>
      </Modal>

      <GroupMembersDrawer group={viewing} onClose={() => setViewing(null)} onChanged={reload} />
    </div>
  );
}

/** A group's members, paged, with the Excel export and (static groups) taking people out. */
function GroupMembersDrawer({ group, onClose, onChanged }: { group: CustomerGroup | null; onClose: () => void; onChanged: () => void }) {
  const { t } = useI18n();
  const { can } = useAuth();
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const members = useApi<Paged<GroupMember>>(group ? `/groups/${group.id}/members` : null, { page, pageSize });

  useEffect(() => setPage(1), [group?.id]);

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

  return (
    <Drawer
      open={!!group}
      size={760}
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
    </Drawer>
  );
}
