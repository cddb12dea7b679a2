import { useEffect, useMemo, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import dayjs, { type Dayjs } from 'dayjs';
import { Alert, Button, Card, Checkbox, Form, Input, Radio, Select, Space, Switch, TimePicker } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { ChannelCodeBody, WECOM_STATE_MAX } from '@siyu/contracts';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import type { CouponTemplate, Paged } from '../../lib/types';
import { LoadError } from '../../components/Results';
import { codeFieldMap, codeToForm, emptyCodeForm, formToBody, tagGroups, type CodeFormValues } from './helpers';
import type { ChannelCode, CorpTag, StaffMember } from './types';
import './wecom.css';

const shape = ChannelCodeBody.shape;
const trim = (v: unknown) => String(asText(v)).trim();
const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;

/** Hours are HH:MM text in the form (as the contract has them); the picker works on dayjs. */
const hourProps = {
  getValueProps: (v: string | undefined) => ({ value: v ? dayjs(v, 'HH:mm') : null }),
  normalize: (d: Dayjs | null) => (d ? d.format('HH:mm') : ''),
};

/**
 * The server and the contract name fields by the request body's paths (users.0, schedules.1.users,
 * welcome.miniprogram.appid); the form has other names for some (a single-member code has one picker).
 * form.ts looks paths up in a record, so this one works them out as they are asked for.
 */
const fieldMapFor = (mode: 'single' | 'rotation') => new Proxy({} as Record<string, string>, { get: (_, k) => (typeof k === 'string' ? codeFieldMap(k, mode) : undefined) });

/** 新建 / 编辑渠道活码. */
export default function ChannelCodeEdit() {
  const { t } = useI18n();
  const { can } = useAuth();
  const { id } = useParams();
  const navigate = useNavigate();
  const editing = !!id && id !== 'new';
  const code = useApi<ChannelCode>(editing ? `/wecom/channel-codes/${id}` : null);
  const staff = useApi<{ items: StaffMember[] }>('/wecom/staff');
  const tags = useApi<{ items: CorpTag[] }>(can('customers:read') ? '/wecom/tags' : null);
  const coupons = useApi<Paged<CouponTemplate>>(can('promotions:read') ? '/coupons' : null, { page: 1, pageSize: 100 });
  const [form] = Form.useForm<CodeFormValues>();
  const [saving, setSaving] = useState(false);
  const mode = Form.useWatch('mode', form) ?? 'single';
  const welcomeOn = Form.useWatch('welcomeOn', form);
  const attachment = Form.useWatch('attachment', form);

  useEffect(() => {
    if (!editing) form.setFieldsValue(emptyCodeForm());
    else if (code.data) form.setFieldsValue(codeToForm(code.data));
  }, [editing, code.data, form]);

  // Members who left cannot answer a code; those without the 客户联系 permission are shown but cannot be picked.
  const staffOptions = useMemo(
    () =>
      (staff.data?.items ?? [])
        .filter((s) => s.status !== 5)
        .map((s) => ({ value: s.userid, label: s.canContact ? `${s.name}${s.position ? ` · ${s.position}` : ''}` : `${s.name} (${t('wecom.staff.canContactNo')})`, disabled: !s.canContact })),
    [staff.data, t],
  );
  const tagOptions = tagGroups(tags.data?.items ?? []).map((g) => ({ label: g.groupName, title: g.groupName, options: g.tags.map((x) => ({ value: x.id, label: x.name })) }));
  const couponOptions = (coupons.data?.items ?? []).filter((c) => c.status === 'active').map((c) => ({ value: c.id, label: `${c.name} · ${c.label}` }));

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const values = form.getFieldsValue(true) as CodeFormValues;
    const map = fieldMapFor(values.mode);
    const body = validateBody(form, ChannelCodeBody, formToBody(values), map);
    if (!body) return;
    setSaving(true);
    try {
      const saved = editing ? await api.put<ChannelCode>(`/wecom/channel-codes/${id}`, body) : await api.post<ChannelCode>('/wecom/channel-codes', body);
      feedback.message.success(editing ? t('common.saved') : t('wecom.code.created'));
      navigate(`/wecom/channel-codes/${saved.id}/stats`);
    } catch (err) {
      if (!applyApiError(form, err, map)) showError(err);
    } finally {
      setSaving(false);
    }
  };

  // A validator, not `required`: antd would put aria-required on the checkbox group, which its role does not allow.
  const weekdaysRule = {
    validator: async (_r: unknown, v: number[] | undefined) => {
      if (!v?.length) throw new Error(t('wecom.code.weekdaysRequired'));
    },
  };

  const loadError = code.error ?? staff.error;
  if (loadError) return <LoadError error={loadError} onRetry={() => (code.reload(), staff.reload())} />;
  const single = mode === 'single';
  const peoplePicker = (testId: string) =>
    single ? (
      <Select showSearch={{ optionFilterProp: 'label' }} options={staffOptions} placeholder={t('wecom.code.pickOne')} style={{ width: 280 }} data-testid={testId} />
    ) : (
      <Select mode="multiple" showSearch={{ optionFilterProp: 'label' }} options={staffOptions} placeholder={t('wecom.code.pickMany')} style={{ minWidth: 280, maxWidth: 560 }} data-testid={testId} />
    );

  return (
    <div className="page-card">
      <h1 className="page-title">{editing ? t('nav.wecomCodeEdit') : t('nav.wecomCodeNew')}</h1>
      {!staff.loading && !staffOptions.length && <Alert type="warning" showIcon title={t('wecom.code.noStaff')} style={{ marginBottom: 16 }} />}
      <Form<CodeFormValues> form={form} layout="vertical" name="wecomCode" requiredMark={false} className="wecom-code-form" data-testid="wecom-code-form">
        <Card title={t('wecom.code.basics')} size="small" variant="borderless" className="wecom-section">
          <Form.Item name="name" label={t('wecom.code.name')} extra={t('wecom.code.nameHint')} rules={[zodRule(shape.name, trim)]}>
            <Input maxLength={60} style={{ maxWidth: 420 }} data-testid="wecom-code-name-input" />
          </Form.Item>
          <Form.Item name="state" label={t('wecom.code.state')} extra={t('wecom.code.stateHint', { n: WECOM_STATE_MAX })} rules={[zodRule(shape.state, (v) => trim(v) || undefined)]}>
            <Input maxLength={WECOM_STATE_MAX} showCount spellCheck={false} style={{ maxWidth: 420 }} placeholder={t('wecom.code.statePlaceholder')} data-testid="wecom-code-state" />
          </Form.Item>
          <Form.Item name="mode" label={t('wecom.code.mode')} extra={editing ? t('wecom.code.modeFixed') : t('wecom.code.modeHint')}>
            <Radio.Group disabled={editing} data-testid="wecom-code-mode">
              <Radio value="single">{t('wecom.code.mode.single')}</Radio>
              <Radio value="rotation">{t('wecom.code.mode.rotation')}</Radio>
            </Radio.Group>
          </Form.Item>
        </Card>

        <Card title={t('wecom.code.who')} size="small" variant="borderless" className="wecom-section">
          <Form.Item name={single ? 'single' : 'users'} label={t('wecom.code.defaultMembers')} extra={t('wecom.code.defaultMembersHint')} rules={[{ required: true, message: t('common.required') }]}>
            {peoplePicker('wecom-code-users')}
          </Form.Item>
          <Form.List name="schedules">
            {(fields, { add, remove }) => (
              <div className="wecom-schedules" data-testid="wecom-code-schedules">
                <div className="stat-label">{t('wecom.code.schedules')}</div>
                <div className="muted wecom-note" style={{ marginBottom: 8 }}>{t('wecom.code.schedulesHint')}</div>
                {fields.map((f) => (
                  <div key={f.key} className="wecom-schedule" data-testid={`wecom-code-schedule-${f.name}`}>
                    <Form.Item name={[f.name, 'weekdays']} label={t('wecom.code.weekdays')} rules={[weekdaysRule]}>
                      <Checkbox.Group options={WEEKDAYS.map((d) => ({ value: d, label: t(`wecom.weekday.${d}`) }))} />
                    </Form.Item>
                    <Space align="start" wrap>
                      <Form.Item name={[f.name, 'start']} label={t('wecom.code.from')} rules={[{ required: true, message: t('common.required') }]} {...hourProps}>
                        <TimePicker format="HH:mm" minuteStep={5} allowClear={false} needConfirm={false} />
                      </Form.Item>
                      <Form.Item
                        name={[f.name, 'end']}
                        label={t('wecom.code.to')}
                        dependencies={[['schedules', f.name, 'start']]}
                        rules={[
                          { required: true, message: t('common.required') },
                          ({ getFieldValue }) => ({
                            validator: async (_r, v: string) => {
                              const start = getFieldValue(['schedules', f.name, 'start']) as string | undefined;
                              if (start && v && v <= start) throw new Error(t('wecom.code.endAfterStart'));
                            },
                          }),
                        ]}
                        {...hourProps}
                      >
                        <TimePicker format="HH:mm" minuteStep={5} allowClear={false} needConfirm={false} />
                      </Form.Item>
                      <Form.Item name={[f.name, single ? 'single' : 'users']} label={t('wecom.code.scheduleMembers')} rules={[{ required: true, message: t('common.required') }]}>
                        {peoplePicker(`wecom-code-schedule-users-${f.name}`)}
                      </Form.Item>
                      <Button type="text" danger icon={<DeleteOutlined />} onClick={() => remove(f.name)} aria-label={t('wecom.code.removeSchedule')} style={{ marginTop: 30 }} />
                    </Space>
                  </div>
                ))}
                <Button icon={<PlusOutlined />} onClick={() => add({ weekdays: [1, 2, 3, 4, 5], start: '09:00', end: '18:00', single: undefined, users: [] })} disabled={fields.length >= 20} data-testid="wecom-code-add-schedule">
                  {t('wecom.code.addSchedule')}
                </Button>
              </div>
            )}
          </Form.List>
          <Form.Item name="backupUserid" label={t('wecom.code.backup')} extra={t('wecom.code.backupHint')} style={{ marginTop: 16 }}>
            <Select allowClear showSearch={{ optionFilterProp: 'label' }} options={staffOptions} placeholder={t('wecom.code.pickOne')} style={{ width: 280 }} data-testid="wecom-code-backup" />
          </Form.Item>
          <Form.Item name="skipVerify" valuePropName="checked" label={t('wecom.code.skipVerify')} extra={t('wecom.code.skipVerifyHint')}>
            <Switch data-testid="wecom-code-skip-verify" />
          </Form.Item>
        </Card>

        <Card title={t('wecom.code.onAdd')} size="small" variant="borderless" className="wecom-section">
          <Form.Item name="tagIds" label={t('wecom.code.tags')} extra={can('customers:read') ? t('wecom.code.tagsHint') : t('wecom.staff.noCustomerRead')}>
            <Select mode="multiple" allowClear options={tagOptions} disabled={!can('customers:read')} showSearch={{ optionFilterProp: 'label' }} maxCount={20} placeholder={t('wecom.rel.tagsPlaceholder')} style={{ maxWidth: 560 }} data-testid="wecom-code-tags" />
          </Form.Item>
          <Form.Item name="welcomeOn" valuePropName="checked" label={t('wecom.code.welcome')} extra={t('wecom.code.welcomeHint')}>
            <Switch data-testid="wecom-code-welcome-on" />
          </Form.Item>
          {welcomeOn && (
            <>
              <Form.Item name="welcomeText" label={t('wecom.code.welcomeText')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
                <Input.TextArea rows={4} maxLength={4000} showCount style={{ maxWidth: 560 }} data-testid="wecom-code-welcome-text" />
              </Form.Item>
              <Form.Item name="attachment" label={t('wecom.code.attachment')}>
                <Radio.Group data-testid="wecom-code-attachment">
                  <Radio value="none">{t('common.none')}</Radio>
                  <Radio value="coupon" disabled={!can('promotions:read')}>{t('wecom.code.attachCoupon')}</Radio>
                  <Radio value="miniprogram">{t('wecom.code.attachMini')}</Radio>
                </Radio.Group>
              </Form.Item>
              {attachment === 'coupon' && (
                <Form.Item name="couponTemplateId" label={t('wecom.code.coupon')} extra={t('wecom.code.couponHint')} rules={[{ required: true, message: t('common.required') }]}>
                  <Select showSearch={{ optionFilterProp: 'label' }} options={couponOptions} loading={coupons.loading} style={{ maxWidth: 420 }} data-testid="wecom-code-coupon" />
                </Form.Item>
              )}
              {attachment === 'miniprogram' && (
                <div className="wecom-mini">
                  <div className="muted wecom-note" style={{ marginBottom: 8 }}>{t('wecom.code.miniHint')}</div>
                  <Space align="start" wrap>
                    <Form.Item name="mpAppid" label="AppID" rules={[{ required: true, message: t('common.required') }]}>
                      <Input maxLength={18} spellCheck={false} style={{ width: 220 }} data-testid="wecom-code-mp-appid" />
                    </Form.Item>
                    <Form.Item name="mpTitle" label={t('wecom.code.mpTitle')} rules={[{ required: true, message: t('common.required') }]}>
                      <Input maxLength={64} style={{ width: 260 }} data-testid="wecom-code-mp-title" />
                    </Form.Item>
                  </Space>
                  <Space align="start" wrap>
                    <Form.Item name="mpPage" label={t('wecom.code.mpPage')} rules={[{ required: true, message: t('common.required') }]}>
                      <Input maxLength={256} spellCheck={false} placeholder="pages/index/index" style={{ width: 260 }} data-testid="wecom-code-mp-page" />
                    </Form.Item>
                    <Form.Item name="mpPicMediaId" label={t('wecom.code.mpPic')} extra={t('wecom.code.mpPicHint')} rules={[{ required: true, message: t('common.required') }]}>
                      <Input maxLength={256} spellCheck={false} style={{ width: 220 }} data-testid="wecom-code-mp-pic" />
                    </Form.Item>
                  </Space>
                </div>
              )}
            </>
          )}
        </Card>
      </Form>
      <div className="form-footer">
        <Space>
          <Button type="primary" loading={saving} onClick={save} data-testid="wecom-code-save">
            {editing ? t('common.save') : t('wecom.code.create')}
          </Button>
          <Button onClick={() => navigate('/wecom/channel-codes')}>{t('common.cancel')}</Button>
        </Space>
      </div>
    </div>
  );
}
