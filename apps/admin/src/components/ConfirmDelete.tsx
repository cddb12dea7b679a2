import { Button, Popconfirm } from 'antd';
import { useI18n } from '../lib/i18n';

/** A red 删除 link behind a confirmation that says what goes. */
export function ConfirmDelete({ title, onConfirm, testId, okTestId }: { title: string; onConfirm: () => void; testId: string; okTestId: string }) {
  const { t } = useI18n();
  return (
    <Popconfirm title={title} onConfirm={onConfirm} okText={t('common.delete')} cancelText={t('common.cancel')} okButtonProps={{ danger: true, 'data-testid': okTestId } as never}>
      <Button type="link" size="small" danger data-testid={testId}>
        {t('common.delete')}
      </Button>
    </Popconfirm>
  );
}
