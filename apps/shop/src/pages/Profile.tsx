import { Button, DatePicker, Dialog, Form, Radio, Space, Toast } from 'antd-mobile';
import { TextInput } from '../components/TextInput';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Page } from '../components/Page';
import { ApiError, api } from '../lib/api';
import { dateTime, maskPhone } from '../lib/format';
import { toastError } from '../lib/hooks';
import { useSession } from '../lib/session';
import type { Customer } from '../lib/types';

/** The profile with the birthday (生日), which the customer sets once; the shop corrects it after. */
type Me = Customer & { birthday?: string | null; birthdayLocked?: boolean };

const pad = (n: number) => String(n).padStart(2, '0');
const dayOf = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

export default function Profile() {
  const { customer: current, setCustomer } = useSession();
  const customer = current as Me | null;
  const navigate = useNavigate();
  const [form] = Form.useForm<{ nickname: string; gender: Customer['gender'] }>();
  const [busy, setBusy] = useState(false);
  const [birthday, setBirthday] = useState<string | null>(null);
  const [picking, setPicking] = useState(false);
  if (!customer) return null;
  const locked = !!customer.birthdayLocked;
  const newBirthday = !locked && birthday && birthday !== customer.birthday ? birthday : undefined;

  const save = async (v: { nickname: string; gender: Customer['gender'] }) => {
    if (newBirthday) {
      const ok = await Dialog.confirm({ title: `生日是 ${newBirthday} 吗?`, content: '生日只能自己填写一次,之后如需修改请联系商家', confirmText: '确认', cancelText: '再看看' });
      if (!ok) return;
    }
    setBusy(true);
    try {
      const c = await api<Me>('PATCH', '/me', { body: { nickname: v.nickname.trim(), gender: v.gender, ...(newBirthday ? { birthday: newBirthday } : {}) } });
      setCustomer(c);
      Toast.show({ icon: 'success', content: '已保存' });
      navigate(-1);
    } catch (err) {
      if (err instanceof ApiError && err.field === 'nickname') form.setFields([{ name: 'nickname', errors: [err.message] }]);
      else if (err instanceof ApiError && err.field === 'birthday') Toast.show({ icon: 'fail', content: err.code === 'BIRTHDAY_LOCKED' ? '生日已填写过,如需修改请联系商家' : '请选择真实的生日' });
      else toastError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title="个人资料" back="/me" testId="page-profile">
      <Form
        form={form}
        layout="horizontal"
        mode="card"
        initialValues={{ nickname: customer.nickname ?? '', gender: customer.gender }}
        onFinish={save}
        footer={
          <Button block type="submit" color="primary" className="btn-round" loading={busy} data-testid="profile-save">
            保存
          </Button>
        }
      >
        <Form.Item name="nickname" label="昵称" rules={[{ required: true, message: '请填写昵称' }, { max: 32, message: '昵称最多 32 个字' }]}>
          <TextInput placeholder="请输入昵称" maxLength={32} data-testid="profile-nickname" />
        </Form.Item>
        <Form.Item name="gender" label="性别">
          <Radio.Group>
            <Space>
              <Radio value="male">男</Radio>
              <Radio value="female">女</Radio>
              <Radio value="unknown">保密</Radio>
            </Space>
          </Radio.Group>
        </Form.Item>
        <Form.Item
          label="生日"
          description={locked ? '如需修改请联系商家' : '只能填写一次,生日当天有会员生日礼'}
          onClick={locked ? undefined : () => setPicking(true)}
          arrow={!locked}
          data-testid="profile-birthday"
        >
          <span className={customer.birthday || birthday ? undefined : 'muted'} data-testid="profile-birthday-value">
            {birthday ?? customer.birthday ?? '请选择'}
          </span>
          <DatePicker
            visible={picking}
            onClose={() => setPicking(false)}
            title="选择生日"
            min={new Date(1900, 0, 1)}
            max={new Date()}
            defaultValue={customer.birthday ? new Date(`${customer.birthday}T00:00:00`) : new Date(1995, 0, 1)}
            onConfirm={(d) => setBirthday(dayOf(d))}
          />
        </Form.Item>
        <Form.Item label="手机号">
          <span>{customer.phone ? maskPhone(customer.phone) : '未绑定'}</span>
        </Form.Item>
        <Form.Item label="微信">
          <span>{customer.wechatBound ? '已绑定' : '未绑定'}</span>
        </Form.Item>
        <Form.Item label="注册时间">
          <span>{dateTime(customer.registeredAt)}</span>
        </Form.Item>
      </Form>
    </Page>
  );
}
