import { Button, Skeleton } from 'antd-mobile';
import { EnvironmentOutline, LocationFill, RightOutline } from 'antd-mobile-icons';
import { useId } from 'react';
import { fullAddress } from '../lib/format';
import type { Address, PickupPoint } from '../lib/types';

export type Fulfilment = 'express' | 'pickup';

/** 快递配送 / 到店自提 as a two-way switch. */
export function FulfilmentSwitch({ value, onChange }: { value: Fulfilment; onChange: (f: Fulfilment) => void }) {
  return (
    <div className="seg" role="radiogroup" aria-label="配送方式" data-testid="fulfilment-switch">
      {(
        [
          ['express', '快递配送'],
          ['pickup', '到店自提'],
        ] as const
      ).map(([k, label]) => (
        <button key={k} type="button" role="radio" aria-checked={value === k} onClick={() => onChange(k)} data-testid={`fulfilment-${k}`}>
          {label}
        </button>
      ))}
    </div>
  );
}

/** The delivery address card: the chosen address (tap to change) or a button to add one. */
export function AddressCard({ address, loading, onChange, onAdd }: { address: Address | null; loading: boolean; onChange: () => void; onAdd: () => void }) {
  return (
    <section className="card" aria-label="收货地址">
      <div className="addr-stripe" aria-hidden="true" />
      {loading ? (
        <Skeleton.Paragraph lineCount={2} animated />
      ) : address ? (
        <button type="button" className="addr-card" onClick={onChange} data-testid="checkout-address" aria-label={`收货地址:${address.contactName} ${address.phone} ${fullAddress(address)},点击更换`}>
          <LocationFill fontSize={22} color="var(--shop-red)" aria-hidden />
          <span style={{ flex: 1, minWidth: 0 }}>
            <span style={{ display: 'block', fontWeight: 600, fontSize: 15 }}>
              {address.contactName} <span style={{ fontWeight: 400 }}>{address.phone}</span>
            </span>
            <span className="small muted ellipsis-2" style={{ marginTop: 4 }}>
              {fullAddress(address)}
            </span>
          </span>
          <RightOutline aria-hidden />
        </button>
      ) : (
        <Button block color="primary" fill="outline" onClick={onAdd} data-testid="checkout-add-address">
          + 添加收货地址
        </Button>
      )}
    </section>
  );
}

/** The pickup points to choose from (到店自提), as radio buttons. */
export function PickupChooser({ points, loading, value, onChange }: { points: PickupPoint[]; loading: boolean; value: string | null; onChange: (id: string) => void }) {
  const titleId = useId();
  return (
    <section className="card" aria-labelledby={titleId}>
      <div className="card-title" id={titleId}>
        选择自提门店
      </div>
      {loading ? (
        <Skeleton.Paragraph lineCount={2} animated />
      ) : points.length === 0 ? (
        <p className="muted">商家暂未开通到店自提,请选择快递配送</p>
      ) : (
        <div role="radiogroup" aria-labelledby={titleId}>
          {points.map((p) => (
            <button key={p.id} type="button" role="radio" aria-checked={value === p.id} className="pickup-opt" onClick={() => onChange(p.id)} data-testid="pickup-point" data-pickup-point-id={p.id}>
              <EnvironmentOutline fontSize={18} aria-hidden style={{ marginTop: 2 }} />
              <span style={{ flex: 1 }}>
                <span style={{ display: 'block', fontWeight: 600 }}>{p.name}</span>
                <span className="small muted" style={{ display: 'block' }}>
                  {p.address}
                </span>
                {(p.hours || p.phone) && (
                  <span className="small muted" style={{ display: 'block' }}>
                    {[p.hours && `营业时间 ${p.hours}`, p.phone && `电话 ${p.phone}`].filter(Boolean).join(' · ')}
                  </span>
                )}
              </span>
            </button>
          ))}
        </div>
      )}
      <p className="small muted" style={{ margin: '4px 0 0' }}>
        支付成功后将生成提货码,到店出示即可提货
      </p>
    </section>
  );
}
