import { describe, expect, it } from 'vitest';
import { activityLabelText, couponLabelText } from './promo-labels.js';
import { historyNoteText, lineSavingsText, orderNoteText, refundReasonText } from './order-texts.js';
import { quotePriceDifference, quoteRefund } from './refund-math.js';
import { canonicalProvince, provinceKey, regionCodes, regionProblem, regionTree } from './regions.js';

describe('promotion labels in both languages', () => {
  const c = (over: Record<string, unknown>) => ({ kind: 'amount_off', thresholdFen: 10000, amountOffFen: 2000, percentPaid: null, maxDiscountFen: null, ...over });
  it.each([
    [c({}), '满100减20', '¥20 off over ¥100'],
    [c({ kind: 'no_threshold', thresholdFen: 0, amountOffFen: 500 }), '无门槛减5', '¥5 off, no minimum'],
    [c({ kind: 'percent_off', thresholdFen: 0, amountOffFen: null, percentPaid: 85, maxDiscountFen: 3000 }), '8.5折 最多减30', '15% off, up to ¥30'],
    [c({ kind: 'percent_off', thresholdFen: 19900, amountOffFen: null, percentPaid: 80 }), '满199享8折', '20% off over ¥199'],
  ])('%j', (coupon, zh, en) => {
    expect(couponLabelText(coupon, 'zh')).toBe(zh);
    expect(couponLabelText(coupon, 'en')).toBe(en);
  });
  it('names a gift voucher by its goods', () => {
    expect(couponLabelText(c({ kind: 'gift' }), 'zh', '手冲咖啡豆')).toBe('兑换券:手冲咖啡豆');
    expect(couponLabelText(c({ kind: 'gift' }), 'en', '手冲咖啡豆')).toBe('Voucher: 手冲咖啡豆');
  });
  it('reads activities', () => {
    const tiers = { tiers: [{ thresholdFen: 10000, reduceFen: 1000 }, { thresholdFen: 20000, reduceFen: 3000, giftSkuId: 'x' }] };
    expect(activityLabelText('full_reduction', tiers, 'zh')).toBe('满100减10,满200减30送赠品');
    expect(activityLabelText('full_reduction', tiers, 'en')).toBe('¥10 off over ¥100, ¥30 off + a gift over ¥200');
    expect(activityLabelText('bundle', { priceFen: 9900 }, 'en')).toBe('Bundle price ¥99');
    expect(activityLabelText('limited_discount', { items: [{ percentPaid: 80 }, { percentPaid: 70 }] }, 'zh')).toBe('低至7折');
    expect(activityLabelText('limited_discount', { items: [{ percentPaid: 80 }, { percentPaid: 70 }] }, 'en')).toBe('Up to 30% off');
    expect(activityLabelText('limited_discount', { items: [{ priceFen: 100 }] }, 'en')).toBe('Special price');
  });
});

describe('order texts', () => {
  it('renders refund reasons from codes and keeps free text as typed', () => {
    expect(refundReasonText({ reasonCode: 'damaged', reason: '' }, 'en')).toBe('Arrived damaged');
    expect(refundReasonText({ reasonCode: null, reason: '不想要了:颜色不喜欢' }, 'en')).toBe('不想要了:颜色不喜欢');
  });
  it('says how a refund went back, split between WeChat Pay and the balance', () => {
    expect(orderNoteText({ code: 'refunded_partial', params: { amountFen: 2000, balanceFen: 500 } }, 'zh')).toBe('部分退款 ¥20.00(微信支付 ¥15.00,余额 ¥5.00)');
    expect(orderNoteText({ code: 'refunded_full', params: { amountFen: 2000, balanceFen: 0 } }, 'en')).toBe('Full refund ¥20.00');
    expect(orderNoteText({ code: 'paid', params: { balanceFen: 0, cashFen: 0 } }, 'en')).toBe('Nothing to pay');
    expect(historyNoteText({ code: 'not-a-code', note: '旧的说明' }, 'en')).toBe('旧的说明');
  });
  it('names savings by source, marking those shared out from the order', () => {
    expect(lineSavingsText([{ code: 'limited_discount', amountFen: 500 }, { code: 'coupon', amountFen: 1077 }, { code: 'points', amountFen: 0 }], 'zh')).toBe('含限时折扣 −¥5.00、优惠券分摊 −¥10.77');
    expect(lineSavingsText([], 'zh')).toBe('');
  });
});

describe('refund quote', () => {
  const order = { shippingFen: 800, paidFen: 10800, refundedFen: 0, balanceFen: 0, notShipped: true };
  const lines = [
    { id: 'a', quantity: 3, refundedQty: 0, refundedFen: 0, payableFen: 6000 },
    { id: 'b', quantity: 1, refundedQty: 0, refundedFen: 0, payableFen: 4000 },
  ];
  it('gives back each line’s share, postage only with the last unit of an unshipped order', () => {
    expect(quoteRefund(order, lines, [{ orderItemId: 'a', quantity: 1 }], 0)).toMatchObject({ amountFen: 2000, shippingFen: 0, cashFen: 2000 });
    expect(quoteRefund(order, lines, [{ orderItemId: 'a', quantity: 3 }, { orderItemId: 'b', quantity: 1 }], 0)).toMatchObject({ amountFen: 10800, shippingFen: 800 });
    expect(quoteRefund({ ...order, notShipped: false }, lines, [{ orderItemId: 'a', quantity: 3 }, { orderItemId: 'b', quantity: 1 }], 0).shippingFen).toBe(0);
  });
  it('sends the balance part back in proportion, cumulatively', () => {
    const withBalance = { ...order, balanceFen: 3000 };
    const first = quoteRefund(withBalance, lines, [{ orderItemId: 'b', quantity: 1 }], 0);
    expect(first).toMatchObject({ amountFen: 4000, balanceFen: Math.floor((3000 * 4000) / 10800), cashFen: 4000 - Math.floor((3000 * 4000) / 10800) });
    const rest = quoteRefund({ ...withBalance, refundedFen: 4000 }, [lines[0], { ...lines[1], refundedQty: 1, refundedFen: 4000 }], [{ orderItemId: 'a', quantity: 3 }], first.balanceFen);
    expect(first.balanceFen + rest.balanceFen).toBe(3000);
  });
  it('gives a price difference back without units, and the units refunded later share what is left', () => {
    const diff = quotePriceDifference(order, lines[0]!, 1500, 0);
    expect(diff).toMatchObject({ items: [{ orderItemId: 'a', quantity: 0, amountFen: 1500 }], amountFen: 1500, shippingFen: 0, cashFen: 1500 });
    const after = { ...lines[0]!, refundedFen: 1500 };
    expect(quoteRefund({ ...order, refundedFen: 1500 }, [after, lines[1]!], [{ orderItemId: 'a', quantity: 1 }], 0).amountFen).toBe(1500);
    expect(quoteRefund({ ...order, refundedFen: 1500 }, [after, lines[1]!], [{ orderItemId: 'a', quantity: 3 }], 0).amountFen).toBe(4500);
    // Never more than the line still holds.
    expect(quotePriceDifference(order, after, 99_999, 0).amountFen).toBe(4500);
  });
});

describe('regions', () => {
  it('knows real combinations and names the field that does not fit', () => {
    expect(regionProblem('浙江省', '杭州市', '西湖区')).toBeNull();
    expect(regionProblem('北京市', '北京市', '朝阳区')).toBeNull();
    expect(regionProblem('浙江', '杭州市', '西湖区')).toBe('province');
    expect(regionProblem('浙江省', '深圳市', '南山区')).toBe('city');
    expect(regionProblem('浙江省', '杭州市', '南山区')).toBe('district');
    expect(regionCodes('浙江省', '杭州市', '西湖区')).toEqual(['330000', '330100', '330106']);
    expect(regionCodes('某省', '某市', '某区')).toBeNull();
  });
  it('matches short and full province names', () => {
    expect(provinceKey('新疆维吾尔自治区')).toBe('新疆');
    expect(provinceKey('广西壮族自治区')).toBe(provinceKey('广西'));
    expect(canonicalProvince('内蒙古')).toBe('内蒙古自治区');
    expect(canonicalProvince('香港')).toBe('香港特别行政区');
    expect(canonicalProvince('火星')).toBeNull();
    expect(regionTree()).toHaveLength(34);
    expect(regionTree().every((p) => p.children!.length > 0 && p.children!.every((c) => c.children!.length > 0))).toBe(true);
  });
});
