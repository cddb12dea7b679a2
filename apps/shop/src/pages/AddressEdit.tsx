import { Button, Form, Skeleton, Switch, Toast } from 'antd-mobile';
import { TextInput } from '../components/TextInput';
import { CustomerAddressBody } from '@siyu/contracts';
import { useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { Page } from '../components/Page';
import { ErrorState } from '../components/States';
import { ApiError, api } from '../lib/api';
import { checkoutDraft } from '../lib/checkout-draft';
import { toastError, useLoad } from '../lib/hooks';
import type { Address } from '../lib/types';

interface Values {
  contactName: string;
  phone: string;
  province: string;
  city: string;
  district: string;
  detail: string;
  postalCode: string;
  isDefault: boolean;
}

const FIELDS: { name: keyof Values; label: string; placeholder: string; max: number; inputMode?: 'numeric' | 'tel' }[] = [
  { name: 'contactName', label: '收货人', placeholder: '请填写收货人姓名', max: 20 },
  { name: 'phone', label: '手机号码', placeholder: '请填写收货人手机号', max: 11, inputMode: 'tel' },
  { name: 'province', label: '省份', placeholder: '如:浙江省', max: 20 },
  { name: 'city', label: '城市', placeholder: '如:杭州市', max: 20 },
  { name: 'district', label: '区县', placeholder: '如:西湖区', max: 20 },
  { name: 'detail', label: '详细地址', placeholder: '街道、楼牌号等', max: 120 },
  { name: 'postalCode', label: '邮政编码', placeholder: '选填,6 位数字', max: 6, inputMode: 'numeric' },
];

/** Chinese messages for the same rules the API enforces (CustomerAddressBody in @siyu/contracts). */
const MESSAGES: Record<string, string> = {
  contactName: '请填写收货人姓名(最多 20 字)',
  phone: '请填写正确的 11 位手机号',
  province: '请填写省份',
  city: '请填写城市',
  district: '请填写区县',
  detail: '请填写详细地址(最多 120 字)',
  postalCode: '邮政编码为 6 位数字',
};

export default function AddressEdit() {
  const { id } = useParams();
  const [params] = useSearchParams();
  const selecting = params.get('select') === '1';
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const existing = useLoad(() => (id ? api<Address>('GET', `/me/addresses/${id}`) : Promise.resolve(null)), [id]);

  const save = async (v: Values) => {
    const body = {
      contactName: v.contactName?.trim() ?? '',
      phone: v.phone?.trim() ?? '',
      province: v.province?.trim() ?? '',
      city: v.city?.trim() ?? '',
      district: v.district?.trim() ?? '',
      detail: v.detail?.trim() ?? '',
      postalCode: v.postalCode?.trim() ? v.postalCode.trim() : null,
      isDefault: !!v.isDefault,
    };
    const parsed = CustomerAddressBody.safeParse(body);
    if (!parsed.success) {
      const names = [...new Set(parsed.error.issues.map((i) => String(i.path[0])))];
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
      if (err instanceof ApiError && err.field && MESSAGES[err.field]) form.setFields([{ name: err.field, errors: [err.message] }]);
      else toastError(err);
    } finally {
      setBusy(false);
    }
  };

  const title = id ? '编辑收货地址' : '新增收货地址';
  if (id && existing.error) return <Page title={title} back><ErrorState error={existing.error} onRetry={existing.reload} /></Page>;
  if (id && !existing.data) return <Page title={title} back><div className="card"><Skeleton.Paragraph lineCount={6} animated /></div></Page>;
  const a = existing.data;

  return (
    <Page title={title} back testId="page-address-edit">
      <Form
        form={form}
        layout="horizontal"
        mode="card"
        onFinish={save}
        initialValues={
          a
            ? { ...a, postalCode: a.postalCode ?? '' }
            : { contactName: '', phone: '', province: '', city: '', district: '', detail: '', postalCode: '', isDefault: false }
        }
        footer={
          <Button block type="submit" color="primary" className="btn-round" loading={busy} data-testid="address-save">
            保存
          </Button>
        }
      >
        {FIELDS.map((f) => (
          <Form.Item key={f.name} name={f.name} label={f.label} rules={f.name === 'postalCode' ? [] : [{ required: true, message: MESSAGES[f.name] }]}>
            <TextInput placeholder={f.placeholder} maxLength={f.max} inputMode={f.inputMode} data-testid={`address-${f.name}`} autoComplete={f.name === 'phone' ? 'tel' : f.name === 'contactName' ? 'name' : f.name === 'postalCode' ? 'postal-code' : 'off'} />
          </Form.Item>
        ))}
        <Form.Item name="isDefault" label="设为默认地址" valuePropName="checked" childElementPosition="right">
          <Switch data-testid="address-isDefault" />
        </Form.Item>
      </Form>
    </Page>
  );
}
