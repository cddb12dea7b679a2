import { Button, Form, Input, Select, Tag } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { WECOM_MASS_MAX_ATTACHMENTS, type WecomAttachment } from '@siyu/contracts';
import { useI18n } from '../../lib/i18n';
import { attachmentLabel, type AttachmentForm } from './helpers-reach';
import './reach.css';

type NamePath = (string | number)[];

const req = (msg: string) => [{ required: true, whitespace: true, message: msg }];
const url = (msg: string) => ({ type: 'url' as const, message: msg });

/**
 * The attachments of a mass message or a Moment (WeCom takes at most 9), an SOP step's or a group welcome's
 * (which takes one): an image by its link, a link card, a mini-program card. Each row keeps every kind's
 * inputs so switching kinds does not lose what was typed.
 *
 * `name` is the list's name where it sits (relative inside another Form.List, e.g. an SOP's steps); `fullPath`
 * the same list from the form's root, needed there to read a row's kind.
 */
export function AttachmentsField({ name = 'attachments', fullPath, max = WECOM_MASS_MAX_ATTACHMENTS, testId }: { name?: string | NamePath; fullPath?: NamePath; max?: number; testId: string }) {
  const path = fullPath ?? (Array.isArray(name) ? name : [name]);
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
                    const type = getFieldValue([...path, f.name, 'type']) as AttachmentForm['type'];
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
          {max === 1 ? (
            // One only (a group welcome): the button goes once it is used, so nobody looks for a second.
            fields.length === 0 && (
              <Button icon={<PlusOutlined />} onClick={() => add({ type: 'link' } satisfies AttachmentForm)} data-testid={`${testId}-add`}>
                {t('wecom.gwel.addAttachment')}
              </Button>
            )
          ) : (
            <Button icon={<PlusOutlined />} onClick={() => add({ type: 'link' } satisfies AttachmentForm)} disabled={fields.length >= max} data-testid={`${testId}-add`}>
              {t('wecom.att.add', { n: fields.length, max })}
            </Button>
          )}
        </div>
      )}
    </Form.List>
  );
}

/** Attachments in a list or a detail: a tag per attachment, its kind's colour, its title. */
export function AttachmentTags({ list }: { list: WecomAttachment[] }) {
  const { t } = useI18n();
  if (!list.length) return null;
  const color = { image: 'purple', link: 'blue', miniprogram: 'green' } as const;
  return (
    <span className="wecom-tags">
      {list.map((a, i) => (
        <Tag key={i} color={color[a.type]} title={a.type === 'link' ? a.url : a.type === 'image' ? a.picUrl : a.page}>
          {t(`wecom.att.${a.type}`)} · {attachmentLabel(a)}
        </Tag>
      ))}
    </span>
  );
}
