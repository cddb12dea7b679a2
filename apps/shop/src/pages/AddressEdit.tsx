import { Button, Cascader, Form, Skeleton, Switch, Toast, type CascaderOption } from 'antd-mobile';
import { TextInput } from '../components/TextInput';
import { CustomerAddressBody } from '@siyu/contracts';
import { regionCodes, regionTree, type RegionNode } from '@siyu/contracts/regions';
import { useEffect, useMemo, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { Page } from '../components/Page';
import { ErrorState } from '../components/States';
import { ApiError, api } from '../lib/api';
import { checkoutDraft } from '../lib/checkout-draft';
import { toastError, useLoad } from '../lib/hooks';
import { useSession } from '../lib/session';
import type { Address } from '../lib/types';

interface Values {
  contactName: string;
  phone: string;
  /** 省 / 市 / 区 picked from the national division list. */
  region: string[];
  detail: string;
  postalCode: string;
  isDefault: boolean;
}

type TextField = 'contactName' | 'phone' | 'detail' | 'postalCode';
const FIELDS: { name: TextField; label: string; placeholder: string; max: number; inputMode?: 'numeric' | 'tel' }[] = [
  { name: 'contactName', label: '收货人', placeholder: '请填写收货人姓名', max: 20 },
  { name: 'phone', label: '手机号码', placeholder: '请填写收货人手机号', max: 11, inputMode: 'tel' },
];
const AFTER_REGION: typeof FIELDS = [
  { name: 'detail', label: '详细地址', placeholder: '街道、楼牌号等', max: 120 },
  { name: 'postalCode', label: '邮政编码', placeholder: '选填,6 位数字', max: 6, inputMode: 'numeric' },
];

/** Chinese messages for the same rules the API enforces (CustomerAddressBody in @siyu/contracts). */
const MESSAGES: Record<string, string> = {
  contactName: '请填写收货人姓名(最多 20 字)',
  phone: '请填写正确的 11 位手机号',
  region: '请选择所在地区(省 / 市 / 区)',
  detail: '请填写详细地址(最多 120 字)',
  postalCode: '邮政编码为 6 位数字',
};

const toOption = (n: RegionNode): CascaderOption => ({ label: n.name, value: n.name, ...(n.children ? { children: n.children.map(toOption) } : {}) });

export default function AddressEdit() {
  const { id } = useParams();
  const [params] = useSearchParams();
  const selecting = params.get('select') === '1';
  const navigate = useNavigate();
  const { customer } = useSession();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const existing = useLoad(() => (id ? api<Address>('GET', `/me/addresses/${id}`) : Promise.resolve(null)), [id]);
  const options = useMemo(() => regionTree().map(toOption), []);

  // A new address is most often the customer's own: start from the phone they signed in with.
  useEffect(() => {
    if (!id && customer?.phone && !form.getFieldValue('phone')) form.setFieldsValue({ phone: customer.phone });
  }, [id, customer?.phone, form]);

  const save = async (v: Values) => {
    const [province = '', city = '', district = ''] = v.region ?? [];
    const body = {
      contactName: v.contactName?.trim() ?? '',
      phone: v.phone?.trim() ?? '',
      province,
      city,
      district,
      detail: v.detail?.trim() ?? '',
      postalCode: v.postalCode?.trim() ? v.postalCode.trim() : null,
      isDefault: !!v.isDefault,
    };
    const parsed = CustomerAddressBody.safeParse(body);
    if (!parsed.success) {
      const names = [...new Set(parsed.error.issues.map((i) => String(i.path[0])).map((n) => (['province', 'city', 'district'].includes(n) ? 'region' : n)))];
      form.setFields(names.map((n) => ({ name: n, errors: [MESSAGES[n] ?? '请检查此项'] })));
      return;
    }
    setBusy(true);
    try {
      const saved = id ? await api<Address>('PATCH', `/me/addresses/${id}`, { body: parsed.data }) : await api<Address>('POST', '/me/addresses', { body: parsed.data });
      Toast.show({ icon: 'success', content: '已保存' });
      if (selecting) {
        checkoutDraft.patch({ addressId: saved.id });
        // Back to checkout: skip the address list if we came through it.
        navigate(-1);
      } else navigate('/me/addresses', { replace: true });
    } catch (err) {
      const field = err instanceof ApiError && err.field ? (['province', 'city', 'district'].includes(err.field) ? 'region' : err.field) : null;
      if (err instanceof ApiError && field && MESSAGES[field]) form.setFields([{ name: field, errors: [err.message] }]);
      else toastError(err);
    } finally {
      setBusy(false);
    }
  };

  const title = id ? '编辑收货地址' : '新增收货地址';
  if (id && existing.error) return <Page title={title} back><ErrorState error={existing.error} onRetry={existing.reload} /></Page>;
  if (id && !existing.data) return <Page title={title} back><div className="card"><Skeleton.Paragraph lineCount={6} animated /></div></Page>;
  const a = existing.data;
  // An address typed before the picker may not name a real place: it is shown, and picked again.
  const known = a && regionCodes(a.province, a.city, a.district) ? [a.province, a.city, a.district] : [];
  const typed = a && !known.length ? [a.province, a.city, a.district].filter(Boolean).join(' ') : '';

  const text = (f: (typeof FIELDS)[number]) => (
    <Form.Item key={f.name} name={f.name} label={f.label} rules={f.name === 'postalCode' ? [] : [{ required: true, message: MESSAGES[f.name] }]}>
      <TextInput placeholder={f.placeholder} maxLength={f.max} inputMode={f.inputMode} data-testid={`address-${f.name}`} autoComplete={f.name === 'phone' ? 'tel' : f.name === 'contactName' ? 'name' : f.name === 'postalCode' ? 'postal-code' : 'off'} />
    </Form.Item>
  );

  return (
    <Page title={title} back testId="page-address-edit">
      <Form
        form={form}
        layout="horizontal"
        mode="card"
        onFinish={save}
        initialValues={
          a
            ? { contactName: a.contactName, phone: a.phone, region: known, detail: a.detail, postalCode: a.postalCode ?? '', isDefault: a.isDefault }
            : { contactName: '', phone: customer?.phone ?? '', region: [], detail: '', postalCode: '', isDefault: false }
        }
        footer={
          <Button block type="submit" color="primary" className="btn-round" loading={busy} data-testid="address-save">
            保存
          </Button>
        }
      >
        {FIELDS.map(text)}
        <Form.Item
          name="region"
          label="所在地区"
          required
          trigger="onConfirm"
          rules={[{ validator: (_, v: string[] | undefined) => (v?.length === 3 ? Promise.resolve() : Promise.reject(new Error(MESSAGES.region))) }]}
          help={typed ? `原地址为“${typed}”,请重新选择所在地区` : undefined}
        >
          <Cascader options={options} title="选择所在地区" placeholder="请选择">
            {(items, actions) => {
              const names = items.filter(Boolean).map((i) => i!.label as string);
              return (
                <button type="button" className="region-trigger" onClick={actions.open} aria-label={`所在地区 ${names.join(' ') || '未选择'}`} data-testid="address-region">
                  {names.length ? names.join(' ') : <span className="placeholder">请选择省 / 市 / 区</span>}
                </button>
              );
            }}
          </Cascader>
        </Form.Item>
        {AFTER_REGION.map(text)}
        <Form.Item name="isDefault" label="设为默认地址" valuePropName="checked" childElementPosition="right">
          <Switch data-testid="address-isDefault" />
        </Form.Item>
      </Form>
    </Page>
  );
}
