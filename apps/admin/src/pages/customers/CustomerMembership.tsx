import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { Alert, Button, Card, Col, Empty, List, Progress, Row, Select, Space, Statistic, Tag } from 'antd';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { thresholdText, type MemberLevel, type MemberLevelsData } from '../loyalty/MemberLevels';
import type { CustomerTag } from './audience';

interface CustomerGroupRef {
  id: string;
  name: string;
  kind: 'static' | 'dynamic';
}

const GROUP_COLORS: Record<CustomerGroupRef['kind'], string> = { static: 'geekblue', dynamic: 'purple' };

interface LevelProgress extends MemberLevelsData {
  value: number;
  level: MemberLevel | null;
  next: (MemberLevel & { remaining: number }) | null;
  history: { id: number; from: string | null; to: string | null; metricValue: number; reason: string; createdAt: string }[];
}

/**
 * 会员等级 and 标签 on the customer page: level, progress to the next, history; all tags, manual ones editable;
 * and the groups the customer is in now, which are kept on the groups page.
 */
export default function CustomerMembership({ customerId }: { customerId: string }) {
  const { t } = useI18n();
  const { can } = useAuth();
  const level = useApi<LevelProgress>(`/customers/${customerId}/level`);
  const tags = useApi<{ items: CustomerTag[] }>(`/customers/${customerId}/tags`);
  const allTags = useApi<{ items: CustomerTag[] }>(can('customers:write') ? '/tags' : null);
  const groups = useApi<{ items: CustomerGroupRef[] }>(`/customers/${customerId}/groups`);
  const [editing, setEditing] = useState(false);
  const [picked, setPicked] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (editing) setPicked((tags.data?.items ?? []).filter((x) => x.kind === 'manual').map((x) => x.id));
  }, [editing, tags.data]);

  const saveTags = async () => {
    setSaving(true);
    try {
      const res = await api.put<{ items: CustomerTag[] }>(`/customers/${customerId}/tags`, { tagIds: picked });
      tags.setData(res);
      setEditing(false);
      feedback.message.success(t('common.saved'));
    } catch (err) {
      showError(err);
    } finally {
      setSaving(false);
    }
  };

  const d = level.data;
  const figure = d ? thresholdText(d.metric, d.value, t) : '';
  const prevThreshold = d?.level?.threshold ?? 0;
  const percent = d?.next ? Math.max(0, Math.min(100, Math.floor(((d.value - prevThreshold) / Math.max(1, d.next.threshold - prevThreshold)) * 100))) : 100;

  const progressText = d ? (!d.levels.length ? t('member.noLevels') : d.next ? t('member.toNext', { name: d.next.name, remaining: thresholdText(d.metric, d.next.remaining, t) }) : t('member.top')) : '';

  return (
    <Card title={t('member.card')} variant="borderless" style={{ marginBottom: 16 }} data-testid="customer-membership">
      {level.error ? (
        <Alert type="error" showIcon title={level.error.message} action={<Button size="small" onClick={level.reload}>{t('common.retry')}</Button>} />
      ) : (
        <Row gutter={24}>
          <Col xs={24} md={8}>
            <Statistic title={t('member.level')} value={d ? (d.level?.name ?? t('member.noLevel')) : ' '} loading={!d} data-testid="member-level" />
          </Col>
          <Col xs={24} md={8}>
            <Statistic title={d ? t('member.figure', { metric: t(`member.metric.${d.metric}`), period: t(`member.period.${d.period}`) }) : ' '} value={figure} loading={!d} data-testid="member-figure" />
          </Col>
          <Col xs={24} md={8}>
            <div className="stat-label" style={{ marginBottom: 8 }}>{t('member.progress')}</div>
            {d && (
              <div data-testid="member-progress">
                <Progress percent={percent} showInfo={false} aria-label={progressText} />
                <div className="muted">{progressText}</div>
              </div>
            )}
          </Col>
        </Row>
      )}
      <div style={{ marginTop: 20 }}>
        <Space style={{ marginBottom: 8 }}>
          <span className="stat-label">{t('member.tags')}</span>
          {can('customers:write') && !editing && (
            <Button size="small" onClick={() => setEditing(true)} disabled={!tags.data} data-testid="member-tags-edit">
              {t('member.editTags')}
            </Button>
          )}
        </Space>
        {tags.error ? (
          <Alert type="error" showIcon title={tags.error.message} />
        ) : editing ? (
          <Space wrap align="start" style={{ width: '100%' }}>
            <Select
              mode="multiple"
              style={{ minWidth: 360 }}
              value={picked}
              onChange={setPicked}
              loading={allTags.loading}
              placeholder={t('member.chooseTags')}
              options={(allTags.data?.items ?? []).filter((x) => x.kind === 'manual').map((x) => ({ value: x.id, label: x.name }))}
              data-testid="member-tags-select"
            />
            <Button type="primary" loading={saving} onClick={saveTags} data-testid="member-tags-save">
              {t('common.save')}
            </Button>
            <Button onClick={() => setEditing(false)}>{t('common.cancel')}</Button>
            <span className="muted">{t('member.tagsHint')}</span>
          </Space>
        ) : (
          <div data-testid="member-tags">
            {(tags.data?.items ?? []).length ? (
              (tags.data?.items ?? []).map((x) => (
                <Tag key={x.id} color={x.color} title={t(`tags.kind.${x.kind}`)}>
                  {x.name}
                </Tag>
              ))
            ) : (
              <span className="muted">{tags.data ? t('member.noTags') : ''}</span>
            )}
          </div>
        )}
      </div>
      <div style={{ marginTop: 16 }}>
        <div className="stat-label" style={{ marginBottom: 8 }}>{t('c360.groups')}</div>
        {groups.error ? (
          <Alert type="error" showIcon title={groups.error.message} action={<Button size="small" onClick={groups.reload}>{t('common.retry')}</Button>} />
        ) : (
          <div data-testid="member-groups">
            {(groups.data?.items ?? []).length ? (
              (groups.data?.items ?? []).map((g) => (
                <Link key={g.id} to="/customers/groups">
                  <Tag color={GROUP_COLORS[g.kind]} title={t('c360.groupKind', { kind: t(`groups.kind.${g.kind}`) })}>
                    {g.name}
                  </Tag>
                </Link>
              ))
            ) : (
              <span className="muted">{groups.data ? t('c360.noGroups') : ''}</span>
            )}
          </div>
        )}
      </div>
      <div style={{ marginTop: 20 }}>
        <div className="stat-label" style={{ marginBottom: 8 }}>{t('member.history')}</div>
        {d && !d.history.length ? (
          <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('member.noHistory')} />
        ) : (
          <List
            size="small"
            loading={!d}
            dataSource={d?.history ?? []}
            data-testid="member-history"
            renderItem={(h) => (
              <List.Item>
                <span>
                  {h.from ?? t('member.noLevel')} → <b>{h.to ?? t('member.noLevel')}</b> <span className="muted">({d ? thresholdText(d.metric, h.metricValue, t) : ''} · {h.reason})</span>
                </span>
                <span className="muted">{fmtTime(h.createdAt)}</span>
              </List.Item>
            )}
          />
        )}
      </div>
    </Card>
  );
}
