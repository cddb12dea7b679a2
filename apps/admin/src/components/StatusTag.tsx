import { Tag } from 'antd';
import { ORDER_STATUS_LABELS, orderStatusLabel } from '@siyu/contracts';
import { useI18n } from '../lib/i18n';
import type { OrderStatus, ProductStatus, Refund } from '../lib/types';

const ORDER_COLORS: Record<OrderStatus, string> = {
  pending_payment: 'orange',
  paid: 'blue',
  shipped: 'cyan',
  completed: 'green',
  cancelled: 'default',
  refund_requested: 'red',
  refunded: 'purple',
};

export function OrderStatusTag({ status, fulfilment }: { status: OrderStatus; fulfilment?: 'express' | 'pickup' }) {
  const { lang } = useI18n();
  const label = orderStatusLabel(status, fulfilment);
  return <Tag color={ORDER_COLORS[status]}>{label ? (lang === 'zh-CN' ? label.zh : label.en) : status}</Tag>;
}

export function orderStatusText(status: OrderStatus, lang: string) {
  const label = ORDER_STATUS_LABELS[status];
  return label ? (lang === 'zh-CN' ? label.zh : label.en) : status;
}

const PRODUCT_COLORS: Record<ProductStatus, string> = { draft: 'default', on_sale: 'green', off_shelf: 'orange' };
export function ProductStatusTag({ status }: { status: ProductStatus }) {
  const { t } = useI18n();
  return <Tag color={PRODUCT_COLORS[status]}>{t(`product.status.${status}`)}</Tag>;
}

const REFUND_COLORS: Record<Refund['status'], string> = {
  requested: 'orange',
  awaiting_return: 'gold',
  returned: 'blue',
  processing: 'cyan',
  refunded: 'green',
  rejected: 'red',
  cancelled: 'default',
};
export function RefundStatusTag({ status }: { status: Refund['status'] }) {
  const { t } = useI18n();
  return <Tag color={REFUND_COLORS[status]}>{t(`refund.status.${status}`)}</Tag>;
}
