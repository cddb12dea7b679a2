import { useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { Button, Drawer, Empty, Input, Segmented, Table, Tag, Tree, type TableProps } from 'antd';
import { ApartmentOutlined } from '@ant-design/icons';
import { useAuth } from '../../lib/auth';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import type { Paged } from '../../lib/types';
import { LoadError } from '../../components/Results';
import { deptAndBelow, deptTree, type DeptNode } from './helpers';
import { StaffStatusTag, useRelationColumns } from './labels';
import RelationDrawer from './RelationDrawer';
import type { CorpTag, Department, Relation, StaffMember } from './types';
import './wecom.css';

type Show = 'active' | 'left' | 'all';
interface TreeNode {
  key: number;
  title: string;
  children: TreeNode[];
}

/** One member's customers: their relations, newest first, with the detail drawer. */
function MemberCustomers({ member, onClose }: { member: StaffMember | null; onClose: () => void }) {
  const { t } = useI18n();
  const { can } = useAuth();
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<string | null>(null);
  const rel = useApi<Paged<Relation>>(member && can('customers:read') ? '/wecom/relations' : null, { staff: member?.userid, page, pageSize: 10 });
  const tags = useApi<{ items: CorpTag[] }>(member && can('customers:read') ? '/wecom/tags' : null);
  const tagMap = useMemo(() => new Map((tags.data?.items ?? []).map((x) => [x.id, x])), [tags.data]);
  const columns = useRelationColumns({ tags: tagMap, onOpen: (r) => setOpen(r.id), hideStaff: true });

  return (
    <Drawer
      open={!!member}
      onClose={onClose}
      size={960}
      title={member ? t('wecom.staff.customersOf', { name: member.name }) : ''}
      data-testid="wecom-member-customers"
      extra={member && <Link to={`/wecom/relations?staff=${encodeURIComponent(member.userid)}`}>{t('wecom.staff.openInRelations')}</Link>}
    >
      {!can('customers:read') ? (
        <Empty description={t('wecom.staff.noCustomerRead')} />
      ) : (
        <Table<Relation>
          rowKey="id"
          size="small"
          loading={rel.loading}
          dataSource={rel.data?.items ?? []}
          columns={columns}
          scroll={{ x: 900 }}
          onChange={(pg) => setPage(pg.current ?? 1)}
          pagination={{ current: page, pageSize: 10, total: rel.data?.total ?? 0, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
          locale={{ emptyText: <span className="muted">{t('wecom.staff.noCustomers')}</span> }}
        />
      )}
      <RelationDrawer id={open} tags={tags.data?.items ?? []} onClose={() => setOpen(null)} onChanged={rel.reload} />
    </Drawer>
  );
}

/**
 * 员工: the corp's departments and members as last synced, whether each may contact customers (客户联系
 * permission, set in WeCom's admin console) and how many customers each has; a member's customers open
 * beside the list.
 */
export default function Staff() {
  const { t } = useI18n();
  const staff = useApi<{ items: StaffMember[] }>('/wecom/staff');
  const depts = useApi<{ items: Department[] }>('/wecom/departments');
  const [dept, setDept] = useState<number | null>(null);
  const [show, setShow] = useState<Show>('active');
  const [q, setQ] = useState('');
  const [member, setMember] = useState<StaffMember | null>(null);

  const departments = useMemo(() => depts.data?.items ?? [], [depts.data]);
  const members = useMemo(() => staff.data?.items ?? [], [staff.data]);
  const deptName = useMemo(() => new Map(departments.map((d) => [d.id, d.name])), [departments]);
  const tree = useMemo(() => deptTree(departments, members), [departments, members]);
  const treeData = useMemo(() => {
    const toData = (n: DeptNode): TreeNode => ({ key: n.key, title: `${n.title} (${n.count})`, children: n.children.map(toData) });
    return tree.map(toData);
  }, [tree]);

  const shown = useMemo(() => {
    const within = dept === null ? null : deptAndBelow(departments, dept);
    const needle = q.trim().toLowerCase();
    return members.filter(
      (m) =>
        (show === 'all' || (show === 'left' ? m.status === 5 : m.status !== 5)) &&
        (!within || m.departments.some((d) => within.has(d))) &&
        (!needle || m.name.toLowerCase().includes(needle) || m.userid.toLowerCase().includes(needle)),
    );
  }, [members, departments, dept, show, q]);

  const columns: TableProps<StaffMember>['columns'] = [
    {
      title: t('wecom.staff.name'),
      key: 'name',
      render: (_, m) => (
        <div>
          <div data-testid="wecom-staff-name">{m.name}</div>
          <div className="muted" style={{ fontSize: 12 }}>{m.userid}</div>
        </div>
      ),
    },
    { title: t('wecom.staff.position'), dataIndex: 'position', width: 120, render: (v: string) => v || '-' },
    { title: t('wecom.staff.departments'), key: 'depts', render: (_, m) => m.departments.map((d) => deptName.get(d) ?? d).join(t('common.listSep')) || '-' },
    { title: t('common.status'), key: 'status', width: 100, render: (_, m) => <StaffStatusTag s={m} /> },
    {
      title: t('wecom.staff.canContact'),
      dataIndex: 'canContact',
      width: 140,
      render: (v: boolean) => (v ? <Tag color="green">{t('wecom.staff.canContactYes')}</Tag> : <Tag>{t('wecom.staff.canContactNo')}</Tag>),
    },
    {
      title: t('wecom.staff.customers'),
      dataIndex: 'customers',
      width: 110,
      align: 'right',
      sorter: (a, b) => a.customers - b.customers,
      render: (n: number, m) => (
        <Button type="link" size="small" onClick={() => setMember(m)} data-testid={`wecom-staff-customers-${m.userid}`}>
          {n}
        </Button>
      ),
    },
  ];

  const error = staff.error ?? depts.error;
  if (error) return <LoadError error={error} onRetry={() => (staff.reload(), depts.reload())} />;

  return (
    <div className="page-card">
      <h1 className="page-title">{t('nav.wecomStaff')}</h1>
      <p className="muted wecom-note">{t('wecom.staff.intro')}</p>
      {!members.length && !staff.loading ? (
        <Empty description={t('wecom.staff.empty')}>
          <Link to="/wecom/settings">{t('wecom.staff.goSync')}</Link>
        </Empty>
      ) : (
        <div className="wecom-split">
          <aside className="wecom-tree" aria-label={t('wecom.staff.deptTree')} data-testid="wecom-dept-tree">
            <div className="wecom-tree-head">
              <ApartmentOutlined aria-hidden /> {t('wecom.staff.deptTree')}
            </div>
            <Button type={dept === null ? 'primary' : 'text'} size="small" block style={{ textAlign: 'left', marginBottom: 4 }} onClick={() => setDept(null)}>
              {t('wecom.staff.allDepts', { n: members.filter((m) => m.active).length })}
            </Button>
            <Tree<TreeNode>
              // Keyed by the departments: defaultExpandAll only applies to the data a tree mounts with.
              key={departments.length}
              blockNode
              defaultExpandAll
              treeData={treeData}
              selectedKeys={dept === null ? [] : [dept]}
              onSelect={(keys) => setDept(keys.length ? Number(keys[0]) : null)}
            />
          </aside>
          <div style={{ flex: 1, minWidth: 0 }}>
            <div className="filters">
              <Segmented<Show>
                value={show}
                onChange={setShow}
                options={[
                  { value: 'active', label: t('wecom.staff.show.active') },
                  { value: 'left', label: t('wecom.staff.show.left') },
                  { value: 'all', label: t('common.all') },
                ]}
                data-testid="wecom-staff-show"
              />
              <Input.Search allowClear placeholder={t('wecom.staff.search')} onSearch={setQ} onChange={(e) => !e.target.value && setQ('')} style={{ width: 220 }} aria-label={t('wecom.staff.search')} />
            </div>
            <Table<StaffMember>
              rowKey="userid"
              loading={staff.loading}
              dataSource={shown}
              columns={columns}
              pagination={{ pageSize: 20, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
              onRow={(m) => ({ 'data-testid': `wecom-staff-row-${m.userid}` }) as React.HTMLAttributes<HTMLElement>}
            />
          </div>
        </div>
      )}
      <MemberCustomers member={member} onClose={() => setMember(null)} />
    </div>
  );
}
