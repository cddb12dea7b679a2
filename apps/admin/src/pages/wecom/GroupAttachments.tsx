import { Button, Form, Input, Select } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { WECOM_MASS_MAX_ATTACHMENTS } from '@siyu/contracts';
import { useI18n } from '../../lib/i18n';
import type { AttachmentForm } from './helpers-reach';
import './reach.css';

type NamePath = (string | number)[];
const req = (msg: string) => [{ required: true, whitespace: true, message: msg }];
const url = (msg: string) => ({ type: 'url' as const, message: msg });

/**
 * Attachments as AttachmentsField has them (image, link card, mini-program card), for places it cannot
 * serve: inside another list (an SOP's steps, where the rows' full path is needed to read a row's kind)
 * and with a lower limit (a group welcome takes one).
 *
 * `name` is the list's name where it sits (relative inside a Form.List), `fullPath` the same list from
 * the form's root.
 */
export function GroupAttachments({ name, fullPath, max = WECOM_MASS_MAX_ATTACHMENTS, testId }: { name: NamePath; fullPath: NamePath; max?: number; testId: string }) {
  const { t } = useI18n();
  const kinds = [
    { value: 'image', label: t('wecom.att.image') },
    { value: 'link', label: t('wecom.att.link') },
    { value: 'miniprogram', label: t('wecom.att.miniprogram') },
  ];
  return (
    <Form.List name={name}>
      {(fields, { add, remove }) => (
        <div data-testid={testId}>
          {fields.map((f, i) => (
            <div key={f.key} className="wecom-schedule" data-testid={`${testId}-${i}`}>
              <div className="wecom-att-row">
                <Form.Item name={[f.name, 'type']} label={max === 1 ? t('wecom.att.title9') : t('wecom.att.kind', { n: i + 1 })}>
                  <Select options={kinds} style={{ width: 140 }} data-testid={`${testId}-${i}-type`} />
                </Form.Item>
                <Form.Item noStyle shouldUpdate>
                  {({ getFieldValue }) => {
                    const type = getFieldValue([...fullPath, f.name, 'type']) as AttachmentForm['type'];
                    if (type === 'image') {
                      return (
                        <Form.Item name={[f.name, 'picUrl']} label={t('wecom.att.picUrl')} extra={t('wecom.att.picUrlHint')} rules={[...req(t('common.required')), url(t('wecom.att.badUrl'))]}>
                          <Input spellCheck={false} placeholder="https://" style={{ width: 380 }} data-testid={`${testId}-${i}-pic`} />
                        </Form.Item>
                      );
                    }
                    if (type === 'link') {
                      return (
                        <>
                          <Form.Item name={[f.name, 'title']} label={t('wecom.att.title')} rules={req(t('common.required'))}>
                            <Input maxLength={128} style={{ width: 220 }} data-testid={`${testId}-${i}-title`} />
                          </Form.Item>
                          <Form.Item name={[f.name, 'url']} label={t('wecom.att.url')} rules={[...req(t('common.required')), url(t('wecom.att.badUrl'))]}>
                            <Input spellCheck={false} placeholder="https://" style={{ width: 280 }} data-testid={`${testId}-${i}-url`} />
                          </Form.Item>
                          <Form.Item name={[f.name, 'desc']} label={t('wecom.att.desc')}>
                            <Input maxLength={512} style={{ width: 220 }} />
                          </Form.Item>
                          <Form.Item name={[f.name, 'picUrl']} label={t('wecom.att.cover')} rules={[url(t('wecom.att.badUrl'))]}>
                            <Input spellCheck={false} placeholder="https://" style={{ width: 220 }} />
                          </Form.Item>
                        </>
                      );
                    }
                    return (
                      <>
                        <Form.Item name={[f.name, 'appid']} label="AppID" rules={req(t('common.required'))}>
                          <Input maxLength={18} spellCheck={false} style={{ width: 200 }} data-testid={`${testId}-${i}-appid`} />
                        </Form.Item>
                        <Form.Item name={[f.name, 'title']} label={t('wecom.code.mpTitle')} rules={req(t('common.required'))}>
                          <Input maxLength={64} style={{ width: 200 }} data-testid={`${testId}-${i}-title`} />
                        </Form.Item>
                        <Form.Item name={[f.name, 'page']} label={t('wecom.code.mpPage')} rules={req(t('common.required'))}>
                          <Input maxLength={256} spellCheck={false} placeholder="pages/index/index" style={{ width: 220 }} />
                        </Form.Item>
                        <Form.Item name={[f.name, 'picMediaId']} label={t('wecom.code.mpPic')} extra={t('wecom.code.mpPicHint')} rules={req(t('common.required'))}>
                          <Input maxLength={256} spellCheck={false} style={{ width: 200 }} />
                        </Form.Item>
                      </>
                    );
                  }}
                </Form.Item>
                <Button type="text" danger icon={<DeleteOutlined />} onClick={() => remove(f.name)} aria-label={t('wecom.att.remove')} className="wecom-att-remove" />
              </div>
            </div>
          ))}
          {fields.length < max && (
            <Button icon={<PlusOutlined />} onClick={() => add({ type: 'link' } satisfies AttachmentForm)} data-testid={`${testId}-add`}>
              {max === 1 ? t('wecom.gwel.addAttachment') : t('wecom.att.add', { n: fields.length, max })}
            </Button>
          )}
        </div>
      )}
    </Form.List>
  );
}
