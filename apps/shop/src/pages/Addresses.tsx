import { Button, Dialog, Tag, Toast } from 'antd-mobile';
import { EditSOutline } from 'antd-mobile-icons';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { Page } from '../components/Page';
import { ListSkeleton } from '../components/ProductCard';
import { EmptyState, ErrorState } from '../components/States';
import { api } from '../lib/api';
import { checkoutDraft } from '../lib/checkout-draft';
import { fullAddress } from '../lib/format';
import { toastError, useLoad } from '../lib/hooks';
import type { Address } from '../lib/types';

export default function Addresses() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const selecting = params.get('select') === '1';
  const { data, error, reload } = useLoad(() => api<{ items: Address[] }>('GET', '/me/addresses'), []);
  const items = data?.items ?? [];
  const chosenId = selecting ? checkoutDraft.get()?.addressId : undefined;

  const pick = (a: Address) => {
    if (!selecting) return navigate(`/me/addresses/${a.id}`);
    checkoutDraft.patch({ addressId: a.id });
    navigate(-1);
  };

  const remove = async (a: Address) => {
    if (!(await Dialog.confirm({ content: '确定删除该收货地址吗?', confirmText: '删除', cancelText: '取消' }))) return;
    try {
      await api('DELETE', `/me/addresses/${a.id}`);
      Toast.show({ content: '已删除' });
      void reload();
    } catch (err) {
      toastError(err);
    }
  };

  return (
    <Page title={selecting ? '选择收货地址' : '收货地址'} back actionbar testId="page-addresses">
      {error ? (
        <ErrorState error={error} onRetry={reload} />
      ) : !data ? (
        <ListSkeleton rows={2} />
      ) : items.length === 0 ? (
        <EmptyState title="还没有收货地址" description="添加地址后下单更方便" />
      ) : (
        <ul className="plain-list">
          {items.map((a) => (
            <li key={a.id} className="card addr-item" data-testid="address-item" data-address-id={a.id}>
              <button type="button" className="addr-card" onClick={() => pick(a)} aria-label={`${selecting ? '选择' : '编辑'}地址:${a.contactName} ${a.phone} ${fullAddress(a)}`} aria-current={chosenId === a.id ? 'true' : undefined}>
                <span style={{ flex: 1, minWidth: 0 }}>
                  <span style={{ display: 'block', fontWeight: 600 }}>
                    {a.contactName} <span style={{ fontWeight: 400 }}>{a.phone}</span>{' '}
                    {a.isDefault && (
                      <Tag color="danger" fill="outline" style={{ marginLeft: 4 }}>
                        默认
                      </Tag>
                    )}
                  </span>
                  <span className="small muted" style={{ display: 'block', marginTop: 4 }}>
                    {fullAddress(a)}
                  </span>
                </span>
              </button>
              <div className="row gap8" style={{ justifyContent: 'flex-end', borderTop: '1px solid #f3f3f3', marginTop: 10, paddingTop: 8 }}>
                <button type="button" className="link-btn" onClick={() => remove(a)} aria-label={`删除地址 ${a.contactName}`}>
                  删除
                </button>
                <button type="button" className="link-btn" onClick={() => navigate(`/me/addresses/${a.id}${selecting ? '?select=1' : ''}`)} aria-label={`编辑地址 ${a.contactName}`} data-testid="address-edit">
                  <EditSOutline aria-hidden /> 编辑
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <div className="fixed-bottom actionbar">
        <Button block color="primary" className="btn-round" onClick={() => navigate(`/me/addresses/new${selecting ? '?select=1' : ''}`)} data-testid="address-add">
          + 新增收货地址
        </Button>
      </div>
    </Page>
  );
}
