import { useEffect, useState } from 'react';
import { Alert, Button, Card, Form, Input, Select, Space } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { MenuBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, asText, validateBody } from '../../lib/form';
import { useI18n } from '../../lib/i18n';
import type { MenuButtonData, MpAccount } from './types';

type LeafType = 'view' | 'click' | 'miniprogram';
interface LeafValues {
  name: string;
  type: LeafType;
  url?: string;
  key?: string;
  appid?: string;
  pagepath?: string;
}
interface TopValues extends Omit<LeafValues, 'type'> {
  /** `sub`: the button opens a list of up to five. */
  type: LeafType | 'sub';
  sub_button?: LeafValues[];
}
interface Values {
  button: TopValues[];
}

const MAX_TOP = 3;
const MAX_SUB = 5;
const text = (v: unknown) => {
  const s = String(asText(v)).trim();
  return s === '' ? undefined : s;
};

/** The fields WeChat reads for a button of this type, and nothing else. */
function leafBody(b: LeafValues): MenuButtonData {
  const name = String(asText(b.name)).trim();
  if (b.type === 'click') return { name, type: 'click', key: text(b.key) };
  if (b.type === 'miniprogram') return { name, type: 'miniprogram', url: text(b.url), appid: text(b.appid), pagepath: text(b.pagepath) };
  return { name, type: 'view', url: text(b.url) };
}

function toBody(v: Values) {
  return {
    button: (v.button ?? []).map((b) => (b.type === 'sub' ? { name: String(asText(b.name)).trim(), sub_button: (b.sub_button ?? []).map(leafBody) } : leafBody(b as LeafValues))),
  };
}

function fromMenu(menu: MpAccount['menu']): Values {
  const buttons = menu?.button ?? [];
  return {
    button: buttons.map((b) =>
      b.sub_button?.length
        ? { name: b.name, type: 'sub', sub_button: b.sub_button.map((s) => ({ ...s, type: s.type ?? 'view' })) }
        : { ...b, type: b.type ?? 'view', sub_button: [] },
    ),
  };
}

/** The fields of one button: what it does and where it leads. */
function ButtonFields({ path, type, testId }: { path: (string | number)[]; type: TopValues['type'] | undefined; testId: string }) {
  const { t } = useI18n();
  // WeChat refuses a button without what its type needs; the contract leaves them optional.
  const required = [{ required: true, whitespace: true, message: t('common.required') }];
  if (type === 'click')
    return (
      <Form.Item name={[...path, 'key']} label={t('msg.menu.key')} extra={t('msg.menu.keyHint')} rules={required} style={{ minWidth: 240, flex: 1 }}>
        <Input maxLength={128} data-testid={`${testId}-key`} />
      </Form.Item>
    );
  if (type === 'miniprogram')
    return (
      <>
        <Form.Item name={[...path, 'appid']} label={t('msg.menu.appid')} rules={required} style={{ width: 200 }}>
          <Input maxLength={18} data-testid={`${testId}-appid`} />
        </Form.Item>
        <Form.Item name={[...path, 'pagepath']} label={t('msg.menu.pagepath')} rules={required} style={{ width: 220 }}>
          <Input maxLength={200} placeholder="pages/index/index" data-testid={`${testId}-pagepath`} />
        </Form.Item>
        <Form.Item name={[...path, 'url']} label={t('msg.menu.fallbackUrl')} rules={required} style={{ minWidth: 240, flex: 1 }}>
          <Input maxLength={1000} placeholder="https://" data-testid={`${testId}-url`} />
        </Form.Item>
      </>
    );
  if (type === 'sub') return null;
  return (
    <Form.Item name={[...path, 'url']} label={t('msg.menu.url')} rules={required} style={{ minWidth: 260, flex: 1 }}>
      <Input maxLength={1000} placeholder="https://" data-testid={`${testId}-url`} />
    </Form.Item>
  );
}

/**
 * 公众号菜单: up to three buttons, each a link, a click (answered by keyword replies), a mini-program page,
 * or a list of up to five such buttons. Saving publishes it to WeChat.
 */
export default function MenuEditor({ account, writable, onSaved }: { account: MpAccount | null; writable: boolean; onSaved: () => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const buttons = Form.useWatch('button', form) as TopValues[] | undefined;

  useEffect(() => {
    form.setFieldsValue(fromMenu(account?.menu ?? null));
  }, [account, form]);

  const typeOptions = [
    { value: 'view', label: t('msg.menu.type.view') },
    { value: 'click', label: t('msg.menu.type.click') },
    { value: 'miniprogram', label: t('msg.menu.type.miniprogram') },
  ];

  const save = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const values = form.getFieldsValue(true) as Values;
    const empty = (values.button ?? []).findIndex((b) => b.type === 'sub' && !b.sub_button?.length);
    if (empty >= 0) {
      form.setFields([{ name: ['button', empty, 'type'], errors: [t('msg.menu.needSub')] }]);
      return;
    }
    const body = validateBody(form, MenuBody, toBody(values));
    if (!body) return;
    setSaving(true);
    try {
      await api.put<MpAccount>('/messaging/channels/oa/menu', body);
      feedback.message.success(t('msg.menu.saved'));
      onSaved();
    } catch (err) {
      // WeChat's refusal names the whole menu, which has no single box: the toast says it.
      applyApiError(form, err);
      showError(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Card title={t('msg.menu.title')} variant="borderless" style={{ marginBottom: 16 }} data-testid="oa-menu">
      {!account ? (
        <Alert type="info" showIcon title={t('msg.menu.needOa')} />
      ) : (
        <>
          <p className="muted msg-note">{t('msg.menu.hint')}</p>
          <Form<Values> form={form} layout="vertical" name="oaMenu" disabled={!writable} requiredMark={false}>
            <Form.List name="button">
              {(fields, { add, remove }) => (
                <>
                  {fields.map((field, i) => {
                    const type = buttons?.[i]?.type;
                    return (
                      <div key={field.key} className="msg-menu-box" data-testid={`menu-button-${i}`}>
                        <div className="msg-row">
                          <Form.Item name={[field.name, 'name']} label={t('msg.menu.name', { n: i + 1 })} extra={t('msg.menu.nameHint')} rules={[{ required: true, whitespace: true, message: t('common.required') }]} style={{ width: 200 }}>
                            <Input maxLength={16} data-testid={`menu-button-${i}-name`} />
                          </Form.Item>
                          <Form.Item name={[field.name, 'type']} label={t('msg.menu.type')} style={{ width: 170 }}>
                            <Select options={[{ value: 'sub', label: t('msg.menu.type.sub') }, ...typeOptions]} data-testid={`menu-button-${i}-type`} />
                          </Form.Item>
                          <ButtonFields path={[field.name]} type={type} testId={`menu-button-${i}`} />
                          {writable && (
                            <Button type="text" danger icon={<DeleteOutlined />} aria-label={t('msg.menu.remove', { n: i + 1 })} onClick={() => remove(field.name)} style={{ marginTop: 30 }} data-testid={`menu-button-${i}-remove`} />
                          )}
                        </div>
                        {type === 'sub' && (
                          <Form.List name={[field.name, 'sub_button']}>
                            {(subs, sub) => (
                              <div className="msg-menu-sub">
                                {subs.map((s, j) => (
                                  <div key={s.key} className="msg-row" data-testid={`menu-button-${i}-sub-${j}`}>
                                    <Form.Item name={[s.name, 'name']} label={t('msg.menu.subName', { n: j + 1 })} rules={[{ required: true, whitespace: true, message: t('common.required') }]} style={{ width: 180 }}>
                                      <Input maxLength={16} data-testid={`menu-button-${i}-sub-${j}-name`} />
                                    </Form.Item>
                                    <Form.Item name={[s.name, 'type']} label={t('msg.menu.type')} style={{ width: 160 }}>
                                      <Select options={typeOptions} data-testid={`menu-button-${i}-sub-${j}-type`} />
                                    </Form.Item>
                                    <ButtonFields path={[s.name]} type={buttons?.[i]?.sub_button?.[j]?.type} testId={`menu-button-${i}-sub-${j}`} />
                                    {writable && (
                                      <Button type="text" danger icon={<DeleteOutlined />} aria-label={t('msg.menu.removeSub', { n: j + 1 })} onClick={() => sub.remove(s.name)} style={{ marginTop: 30 }} />
                                    )}
                                  </div>
                                ))}
                                {writable && subs.length < MAX_SUB && (
                                  <Button type="dashed" size="small" icon={<PlusOutlined />} onClick={() => sub.add({ name: '', type: 'view' })} style={{ marginBottom: 12 }} data-testid={`menu-button-${i}-add-sub`}>
                                    {t('msg.menu.addSub')}
                                  </Button>
                                )}
                              </div>
                            )}
                          </Form.List>
                        )}
                      </div>
                    );
                  })}
                  {writable && (
                    <Space wrap>
                      {fields.length < MAX_TOP && (
                        <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ name: '', type: 'view', sub_button: [] })} data-testid="menu-add">
                          {t('msg.menu.add')}
                        </Button>
                      )}
                      <Button type="primary" loading={saving} onClick={save} disabled={!fields.length} data-testid="oa-menu-save">
                        {t('msg.menu.publish')}
                      </Button>
                    </Space>
                  )}
                </>
              )}
            </Form.List>
          </Form>
        </>
      )}
    </Card>
  );
}
