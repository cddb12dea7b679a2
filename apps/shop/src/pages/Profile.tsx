import { Button, Form, Radio, Space, Toast } from 'antd-mobile';
import { TextInput } from '../components/TextInput';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Page } from '../components/Page';
import { ApiError, api } from '../lib/api';
import { dateTime, maskPhone } from '../lib/format';
import { toastError } from '../lib/hooks';
import { useSession } from '../lib/session';
import type { Customer } from '../lib/types';

export default function Profile() {
  const { customer, setCustomer } = useSession();
  const navigate = useNavigate();
  const [form] = Form.useForm<{ nickname: string; gender: Customer['gender'] }>();
  const [busy, setBusy] = useState(false);
  if (!customer) return null;

  const save = async (v: { nickname: string; gender: Customer['gender'] }) => {
    setBusy(true);
    try {
      const c = await api<Customer>('PATCH', '/me', { body: { nickname: v.nickname.trim(), gender: v.gender } });
      setCustomer(c);
      Toast.show({ icon: 'success', content: '已保存' });
      navigate(-1);
    } catch (err) {
      if (err instanceof ApiError && err.field === 'nickname') form.setFields([{ name: 'nickname', errors: [err.message] }]);
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
