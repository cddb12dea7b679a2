import { Cascader } from 'antd';
import { regionOptions } from '../lib/regions';
import { useI18n } from '../lib/i18n';

/**
 * 省 / 市 / 区 from the national division list, searchable by typing (e.g. 西湖). The value is the three
 * names; an address saved as free text before the picker shows empty until it is picked again.
 */
export default function RegionCascader({ value, onChange, id, testId }: { value?: string[]; onChange?: (v: string[] | undefined) => void; id?: string; testId?: string }) {
  const { t } = useI18n();
  return (
    <Cascader
      id={id}
      options={regionOptions()}
      value={value}
      onChange={(v) => onChange?.(v ? (v as string[]) : undefined)}
      placeholder={t('region.placeholder')}
      showSearch={{ filter: (input, path) => path.some((o) => String(o.label).includes(input.trim())) }}
      style={{ width: '100%' }}
      aria-label={t('region.label')}
      data-testid={testId}
    />
  );
}
