import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { Alert, Button, Drawer, Input, Space, Table, Tag } from 'antd';
import { TeamOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import type { AnalysisQuery, PeopleSelector } from '@siyu/contracts';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { useI18n } from '../../lib/i18n';
import { fetchPeople, fmtInt, saveGroup, type PeopleAnswer, type Person, type SavedGroup } from './model';

/** Who is behind a number: the analysis it came from, which number, and how to name it. */
export interface PeopleTarget {
  query: AnalysisQuery;
  select: PeopleSelector;
  /** e.g. "加入购物车后流失 · 华东": the drawer's title and the start of the group's name */
  title: string;
}

const GROUP_NAME_MAX = 30;

/**
 * The people behind a number of an analysis (the first 200), and saving those who are customers as a
 * static customer group; anonymous visitors cannot be in a group and are only counted.
 */
export default function PeopleDrawer({ target, onClose }: { target: PeopleTarget | null; onClose: () => void }) {
  const { t } = useI18n();
  const { can } = useAuth();
  const [data, setData] = useState<PeopleAnswer | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [name, setName] = useState('');
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<SavedGroup | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    setData(null);
    setSaved(null);
    setError(null);
    if (!target) return;
    setName(`${target.title} ${dayjs().format('MMDD')}`.slice(0, GROUP_NAME_MAX));
    const ctl = new AbortController();
    setLoading(true);
    fetchPeople(target.query, target.select, ctl.signal)
      .then(setData)
      .catch((err: Error) => {
        if (err.name === 'AbortError') return;
        setError(err);
        showError(err);
      })
      .finally(() => {
        if (!ctl.signal.aborted) setLoading(false);
      });
    return () => ctl.abort();
  }, [target, tick]);

  const save = async () => {
    if (!target) return;
    const groupName = name.trim();
    if (!groupName) {
      feedback.message.error(t('an.people.nameRequired'));
      return;
    }
    setSaving(true);
    try {
      const res = await saveGroup(target.query, target.select, groupName);
      setSaved(res);
      if (res.added) feedback.message.success(t('an.people.groupSaved', { name: res.group.name, n: res.added }));
      else feedback.message.warning(t('an.people.groupEmpty', { name: res.group.name }));
    } catch (err) {
      showError(err);
    } finally {
      setSaving(false);
    }
  };

  const customers = (data?.items ?? []).filter((p) => p.customerId).length;
  // Only when the whole list is on screen is "no customers among them" certain; then a group would be empty.
  const noCustomers = !!data && data.total <= data.items.length && customers === 0;

  return (
    <Drawer open={!!target} size={720} onClose={onClose} title={target ? t('an.people.title', { title: target.title }) : ''} data-testid="people-drawer" destroyOnHidden>
      {error ? (
        <Alert type="error" showIcon title={error.message} action={<Button size="small" onClick={() => setTick((n) => n + 1)}>{t('common.retry')}</Button>} />
      ) : (
        <>
          <div className="an-people-head">
            <span data-testid="people-total">
              {data ? (data.total > data.items.length ? t('an.people.totalFirst', { n: fmtInt(data.total), shown: data.items.length }) : t('an.people.total', { n: fmtInt(data.total) })) : ''}
            </span>
            {data && data.items.length > 0 && <span className="muted">{t('an.people.customersAmong', { n: customers, shown: data.items.length })}</span>}
          </div>
          {can('customers:write') && (
            <div className="an-people-save">
              <Space.Compact style={{ width: '100%', maxWidth: 520 }}>
                <Input value={name} onChange={(e) => setName(e.target.value)} maxLength={GROUP_NAME_MAX} aria-label={t('an.people.groupName')} placeholder={t('an.people.groupName')} data-testid="save-group-name" />
                <Button type="primary" icon={<TeamOutlined />} loading={saving} disabled={!data || data.total === 0 || noCustomers || !!saved} onClick={save} data-testid="save-group">
                  {t('an.people.saveGroup')}
                </Button>
              </Space.Compact>
              <div className="muted an-people-save-hint">{noCustomers && data.total > 0 ? t('an.people.noCustomers') : t('an.people.saveHint')}</div>
            </div>
          )}
          {saved && (
            <Alert
              type={saved.added ? 'success' : 'warning'}
              showIcon
              style={{ marginBottom: 12 }}
              data-testid="save-group-result"
              title={saved.added ? t('an.people.groupSaved', { name: saved.group.name, n: saved.added }) : t('an.people.groupEmpty', { name: saved.group.name })}
              description={saved.anonymous > 0 ? t('an.people.anonymousSkipped', { n: saved.anonymous }) : undefined}
              action={
                <Link to="/customers/groups" data-testid="save-group-link">
                  {t('an.people.viewGroups')}
                </Link>
              }
            />
          )}
          <div data-testid="people-table">
            <Table<Person>
              rowKey="personId"
              size="small"
              loading={loading}
              dataSource={data?.items ?? []}
              pagination={{ pageSize: 20, showSizeChanger: false, hideOnSinglePage: true }}
              locale={{ emptyText: <span className="muted">{t('an.people.empty')}</span> }}
              columns={[
                {
                  title: t('an.people.who'),
                  key: 'who',
                  render: (_, p) =>
                    p.customerId ? (
                      <Link to={`/customers/${p.customerId}`} data-testid="people-customer">
                        {p.nickname || p.phone || p.customerId.slice(0, 8)}
                      </Link>
                    ) : (
                      <span>
                        <Tag>{t('an.people.anonymous')}</Tag>
                        <span className="muted">{p.personId.slice(0, 8)}</span>
                      </span>
                    ),
                },
                { title: t('common.phone'), dataIndex: 'phone', width: 150, render: (v: string | null) => v ?? '-' },
                { title: t('an.people.personId'), dataIndex: 'personId', width: 220, render: (v: string) => <code className="an-code-small">{v}</code> },
              ]}
            />
          </div>
        </>
      )}
    </Drawer>
  );
}
