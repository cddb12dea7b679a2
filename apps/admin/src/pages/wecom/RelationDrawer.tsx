import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { Alert, Button, Descriptions, Drawer, Form, Input, Select, Space, Spin, Timeline } from 'antd';
import { WECOM_STAGES, WecomRelationPatch, type WecomStage } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, zodRule } from '../../lib/form';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { addWayKey, tagChanges, tagGroups } from './helpers';
import { ContactCell, CorpTagList, RelationStatusTag, stageText } from './labels';
import type { ChannelCode, CorpTag, RelationDetail } from './types';
import RelationFollowups from './RelationFollowups';

interface Values {
  remark: string;
  stage: WecomStage;
  tagIds: string[];
}

/**
 * A relation's detail: who added whom, how (add way, the channel code), its remark and stage (the remark
 * goes to WeCom, the stage is Siyu's own), its corp tags (mark_tag in WeCom first) and its history.
 */
export default function RelationDrawer({ id, tags, codes, onClose, onChanged }: { id: string | null; tags: CorpTag[]; codes?: ChannelCode[]; onClose: () => void; onChanged: () => void }) {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const writable = can('customers:write');
  const { data, loading, error, reload } = useApi<RelationDetail>(id ? `/wecom/relations/${id}` : null);
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const tagMap = useMemo(() => new Map(tags.map((x) => [x.id, x])), [tags]);
  const codeName = (cid: string | null) => (cid ? (codes?.find((c) => c.id === cid)?.name ?? cid.slice(0, 8)) : null);
  const r = data && data.id === id ? data : null;

  useEffect(() => {
    if (r) form.setFieldsValue({ remark: r.remark, stage: r.stage, tagIds: r.tagIds });
  }, [r, form]);

  const save = async () => {
    if (!r) return;
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const v = form.getFieldsValue(true) as Values;
    setSaving(true);
    try {
      const patch: { remark?: string; stage?: WecomStage } = {};
      if ((v.remark ?? '') !== r.remark) patch.remark = v.remark ?? '';
      if (v.stage !== r.stage) patch.stage = v.stage;
      if (Object.keys(patch).length) await api.patch(`/wecom/relations/${r.id}`, patch);
      const change = tagChanges(r.tagIds, v.tagIds ?? []);
      if (change.add.length || change.remove.length) await api.post(`/wecom/relations/${r.id}/tags`, change);
      // Read back rather than merge the answers: the tags answer leaves out the joined contact, customer and staff.
      reload();
      feedback.message.success(t('common.saved'));
      onChanged();
    } catch (err) {
      if (!applyApiError(form, err, { add: 'tagIds', remove: 'tagIds', 'add.0': 'tagIds', 'remove.0': 'tagIds' })) showError(err);
    } finally {
      setSaving(false);
    }
  };

  const history = (h: RelationDetail['history'][number]) => {
    const code = codeName(h.channelCodeId);
    const detail = h.detail ?? {};
    if (h.kind === 'added') {
      const how = typeof detail.addWay === 'number' ? t(addWayKey(detail.addWay)) : '';
      return [detail.again ? t('wecom.rel.h.addedAgain') : t('wecom.rel.h.added'), how, code ? t('wecom.rel.h.viaCode', { name: code }) : ''].filter(Boolean).join(' · ');
    }
    if (h.kind === 'deleted_by_staff') return t('wecom.rel.h.deletedByStaff');
    if (h.kind === 'deleted_by_customer') return t('wecom.rel.h.deletedByCustomer');
    if (h.kind === 'transfer_failed') return t('wecom.rel.h.transferFailed', { reason: String(detail.failType ?? '-') });
    return h.kind;
  };

  const tagOptions = tagGroups(tags).map((g) => ({ label: g.groupName, title: g.groupName, options: g.tags.map((x) => ({ value: x.id, label: x.name })) }));
  const ended = r ? r.status !== 'active' : false;

  return (
    <Drawer
      open={!!id}
      onClose={onClose}
      size="large"
      title={r ? t('wecom.rel.detailTitle', { name: r.name ?? r.externalUserid }) : t('common.detail')}
      data-testid="wecom-relation-drawer"
      extra={
        writable &&
        r && (
          <Button type="primary" loading={saving} onClick={save} data-testid="wecom-relation-save">
            {t('common.save')}
          </Button>
        )
      }
    >
      {error && <Alert type="error" showIcon title={t('common.loadFailed')} description={error.message} />}
      {loading && !r && <Spin />}
      {r && (
        <>
          <Descriptions column={2} size="small" bordered style={{ marginBottom: 16 }} data-testid="wecom-relation-info">
            <Descriptions.Item label={t('wecom.rel.customer')}>
              <ContactCell r={r} />
            </Descriptions.Item>
            <Descriptions.Item label={t('wecom.rel.staff')}>{r.staffName ?? r.staffUserid}</Descriptions.Item>
            <Descriptions.Item label={t('common.status')}>
              <RelationStatusTag status={r.status} />
            </Descriptions.Item>
            <Descriptions.Item label={t('wecom.rel.addedAt')}>{fmtTime(r.addedAt)}</Descriptions.Item>
            <Descriptions.Item label={t('wecom.rel.addWay')}>{t(addWayKey(r.addWay))}</Descriptions.Item>
            <Descriptions.Item label={t('wecom.rel.channelCode')}>
              {r.channelCodeId ? <Link to={`/wecom/channel-codes/${r.channelCodeId}/stats`}>{codeName(r.channelCodeId)}</Link> : r.state ? <span title="state">{r.state}</span> : '-'}
            </Descriptions.Item>
            <Descriptions.Item label={t('wecom.rel.description')}>{r.description || '-'}</Descriptions.Item>
            <Descriptions.Item label={t('wecom.rel.remarkMobiles')}>{r.remarkMobiles.length ? r.remarkMobiles.join(t('common.listSep')) : '-'}</Descriptions.Item>
            {r.deletedAt && <Descriptions.Item label={t('wecom.rel.deletedAt')}>{fmtTime(r.deletedAt)}</Descriptions.Item>}
            <Descriptions.Item label="external_userid" span={2}>
              <code style={{ fontSize: 12 }}>{r.externalUserid}</code>
            </Descriptions.Item>
          </Descriptions>
          {ended && <Alert type="warning" showIcon title={t('wecom.rel.endedHint')} style={{ marginBottom: 16 }} />}
          <Form<Values> form={form} layout="vertical" name="wecomRelation" disabled={!writable} requiredMark={false}>
            <Space align="start" wrap>
              <Form.Item name="remark" label={t('common.remark')} extra={t('wecom.rel.remarkHint')} rules={[zodRule(WecomRelationPatch.shape.remark)]}>
                <Input maxLength={20} showCount style={{ width: 280 }} disabled={ended} data-testid="wecom-relation-remark" />
              </Form.Item>
              <Form.Item name="stage" label={t('wecom.rel.stage')} extra={t('wecom.rel.stageHint')}>
                <Select style={{ width: 160 }} options={WECOM_STAGES.map((s) => ({ value: s, label: stageText(s, lang) }))} data-testid="wecom-relation-stage" />
              </Form.Item>
            </Space>
            <Form.Item name="tagIds" label={t('wecom.rel.tags')} extra={t('wecom.rel.tagsHint')}>
              {writable && !ended ? (
                <Select mode="multiple" allowClear options={tagOptions} showSearch={{ optionFilterProp: 'label' }} placeholder={t('wecom.rel.tagsPlaceholder')} data-testid="wecom-relation-tags" />
              ) : (
                <CorpTagList ids={r.tagIds} tags={tagMap} />
              )}
            </Form.Item>
          </Form>
          <h3 className="wecom-h3">{t('wecom.fu.title')}</h3>
          <RelationFollowups relationId={r.id} stage={r.stage} disabled={ended} onAdded={() => (reload(), onChanged())} />
          <h3 className="wecom-h3">{t('wecom.rel.history')}</h3>
          <Timeline
            data-testid="wecom-relation-history"
            items={r.history.map((h) => ({
              color: h.kind === 'added' ? 'green' : h.kind === 'transfer_failed' ? 'orange' : 'red',
              content: (
                <div>
                  <div>{history(h)}</div>
                  <div className="muted" style={{ fontSize: 12 }}>{fmtTime(h.at)}</div>
                </div>
              ),
            }))}
          />
        </>
      )}
    </Drawer>
  );
}
