import { Button, Card, Form, Input, Radio, Select, Space, TreeSelect, type FormInstance } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import { moneyRule } from '../../lib/form';
import type { CategoryNode } from '../../lib/types';
import { categoryTree } from '../products/ProductList';
import type { ActivityValues, TierRow } from './activityForm';
import { loadProductDetail, ProductListField, ProductSingleField, useProductDetails } from './ProductPicker';

const MAX_TIERS = 5;

/** 满减/满赠: up to five rising tiers (save money, give a gift SKU, or both) over a scope of goods. */
export default function FullReductionFields({ form, disabled }: { form: FormInstance<ActivityValues>; disabled: boolean }) {
  const { t } = useI18n();
  const cats = useApi<{ items: CategoryNode[] }>('/categories');
  const scope = Form.useWatch('scope', { form, preserve: true }) ?? 'all';
  const tiers = (Form.useWatch('tiers', { form, preserve: true }) ?? []) as TierRow[];
  const giftProducts = [...new Set(tiers.map((x) => x.giftProductId).filter((x): x is string => !!x))];
  const details = useProductDetails(giftProducts);

  const skuOptions = (productId: string | undefined) => {
    const d = productId ? details.get(productId) : undefined;
    if (!d || d === 'missing') return [];
    return d.skus.map((s) => ({ value: s.id, label: `${s.specText || t('activity.ld.defaultSku')} · ${formatFen(s.price)} · ${t('activity.fr.stock', { n: s.stock.available })}` }));
  };

  return (
    <>
      <Card title={t('activity.section.full_reduction')} variant="borderless" style={{ marginBottom: 16 }}>
        <Form.List name="tiers">
          {(fields, { add, remove }, { errors }) => (
            <>
              {fields.map((f, i) => {
                const tier = tiers[f.name] ?? {};
                return (
                  <div key={f.key} className="tier-box" data-testid={`fr-tier-${i}`}>
                    <div className="tier-row">
                      <strong className="tier-name">{t('activity.fr.tierN', { n: i + 1 })}</strong>
                      <Form.Item name={[f.name, 'threshold']} label={t('activity.fr.threshold')} labelCol={{ flex: 'none' }} rules={[moneyRule(true)]}>
                        <Input prefix="¥" inputMode="decimal" style={{ width: 140 }} data-testid={`fr-threshold-${i}`} />
                      </Form.Item>
                      <Form.Item name={[f.name, 'reduce']} label={t('activity.fr.reduce')} labelCol={{ flex: 'none' }} rules={[moneyRule(false)]}>
                        <Input prefix="¥" inputMode="decimal" style={{ width: 160 }} placeholder={t('activity.fr.reduceOptional')} data-testid={`fr-reduce-${i}`} />
                      </Form.Item>
                      <div className="tier-gift">
                        <Form.Item name={[f.name, 'giftProductId']} label={t('activity.fr.gift')} labelCol={{ flex: 'none' }}>
                          <ProductSingleField
                            disabled={disabled}
                            testId={`fr-gift-product-${i}`}
                            onChange={(pid) => {
                              form.setFieldValue(['tiers', f.name, 'giftSkuId'], undefined);
                              // A product with one SKU needs no second choice.
                              if (pid)
                                void loadProductDetail(pid).then((d) => {
                                  if (d?.skus.length === 1 && form.getFieldValue(['tiers', f.name, 'giftProductId']) === pid) form.setFieldValue(['tiers', f.name, 'giftSkuId'], d.skus[0].id);
                                });
                            }}
                          />
                        </Form.Item>
                        {tier.giftSkuId && !tier.giftProductId && (
                          <div style={{ margin: '-16px 0 16px' }} data-testid={`fr-gift-unknown-${i}`}>
                            <span className="muted">{t('activity.fr.giftSet')}</span>
                            <Button type="link" size="small" disabled={disabled} onClick={() => form.setFieldValue(['tiers', f.name, 'giftSkuId'], undefined)}>
                              {t('activity.fr.noGift')}
                            </Button>
                          </div>
                        )}
                        {tier.giftProductId && (
                          <Space align="start" wrap>
                            <Form.Item name={[f.name, 'giftSkuId']} label={t('activity.fr.giftSku')} labelCol={{ flex: 'none' }} rules={[{ required: true, message: t('activity.fr.chooseSku') }]}>
                              <Select options={skuOptions(tier.giftProductId)} placeholder={t('activity.fr.chooseSku')} style={{ width: 300 }} data-testid={`fr-gift-sku-${i}`} />
                            </Form.Item>
                            <Button
                              type="link"
                              disabled={disabled}
                              onClick={() => {
                                form.setFieldValue(['tiers', f.name, 'giftProductId'], undefined);
                                form.setFieldValue(['tiers', f.name, 'giftSkuId'], undefined);
                              }}
                            >
                              {t('activity.fr.noGift')}
                            </Button>
                          </Space>
                        )}
                      </div>
                      <Button icon={<DeleteOutlined />} disabled={disabled || fields.length <= 1} onClick={() => remove(f.name)} aria-label={`${t('common.delete')} ${t('activity.fr.tierN', { n: i + 1 })}`} />
                    </div>
                  </div>
                );
              })}
              <Form.ErrorList errors={errors} />
              <Button icon={<PlusOutlined />} disabled={disabled || fields.length >= MAX_TIERS} onClick={() => add({ threshold: '', reduce: '' })} data-testid="fr-add-tier">
                {t('activity.fr.addTier', { n: MAX_TIERS })}
              </Button>
              <div className="muted" style={{ marginTop: 8 }}>
                {t('activity.fr.hint')}
              </div>
            </>
          )}
        </Form.List>
      </Card>

      <Card title={t('activity.section.scope')} variant="borderless" style={{ marginBottom: 16 }}>
        <Form.Item name="scope" label={t('promo.scope')}>
          <Radio.Group data-testid="fr-scope">
            <Radio value="all">{t('promo.scope.all')}</Radio>
            <Radio value="categories">{t('promo.scope.categories')}</Radio>
            <Radio value="products">{t('promo.scope.products')}</Radio>
          </Radio.Group>
        </Form.Item>
        {scope === 'categories' && (
          <Form.Item name="categoryIds" label={t('promo.scopeCategories')} required rules={[{ type: 'array', min: 1, message: t('promo.chooseOne') }]}>
            <TreeSelect multiple treeDefaultExpandAll allowClear treeData={categoryTree(cats.data?.items ?? [])} placeholder={t('promo.chooseCategories')} style={{ maxWidth: 420 }} data-testid="fr-categories" />
          </Form.Item>
        )}
        {scope === 'products' && (
          <Form.Item name="productIds" label={t('promo.scopeProducts')} required rules={[{ type: 'array', min: 1, message: t('promo.chooseOne') }]}>
            <ProductListField disabled={disabled} testId="fr-pick-products" />
          </Form.Item>
        )}
        {scope !== 'products' && (
          <Form.Item name="excludedProductIds" label={t('promo.excluded')} extra={t('promo.excludedHint')}>
            <ProductListField disabled={disabled} buttonText={t('promo.pickExcluded')} testId="fr-pick-excluded" />
          </Form.Item>
        )}
      </Card>
    </>
  );
}
