import { useCallback, useRef } from 'react';
import type { FormInstance } from 'antd';
import { TOPIC_VARIABLES, type Topic } from '@siyu/contracts';
import { feedback } from '../../lib/feedback';
import { useI18n } from '../../lib/i18n';

type Name = (string | number)[];
type Editable = HTMLInputElement | HTMLTextAreaElement;

/**
 * Puts `{{variable}}` where the cursor was in the text box last focused (a template field's text or the
 * link). `bind(name)` gives a box the focus handler that makes it the target.
 */
export function useVarInserter(form: FormInstance) {
  const target = useRef<{ name: Name; el: Editable } | null>(null);
  const bind = useCallback((name: Name) => ({ onFocus: (e: React.FocusEvent<Editable>) => (target.current = { name, el: e.target }) }), []);
  const insert = useCallback(
    (variable: string): boolean => {
      const tgt = target.current;
      if (!tgt || !tgt.el.isConnected) return false;
      const token = `{{${variable}}}`;
      const value = String(form.getFieldValue(tgt.name) ?? '');
      const start = tgt.el.selectionStart ?? value.length;
      const end = tgt.el.selectionEnd ?? start;
      form.setFieldValue(tgt.name, value.slice(0, start) + token + value.slice(end));
      void form.validateFields([tgt.name]).catch(() => undefined);
      const el = tgt.el;
      requestAnimationFrame(() => {
        el.focus();
        el.setSelectionRange(start + token.length, start + token.length);
      });
      return true;
    },
    [form],
  );
  return { bind, insert };
}

/** The variables a topic's messages may use, as chips: a click puts `{{name}}` into the focused box. */
export default function VarChips({ topic, onInsert, exclude = [], testId = 'var-chips' }: { topic: Topic | undefined; onInsert: (variable: string) => boolean; exclude?: string[]; testId?: string }) {
  const { t } = useI18n();
  if (!topic) return null;
  const vars = Object.entries(TOPIC_VARIABLES[topic] ?? {}).filter(([k]) => !exclude.includes(k));
  return (
    <div className="msg-var-chips" data-testid={testId}>
      <span className="muted" style={{ fontSize: 12 }}>{t('msg.tpl.variables')}</span>
      {vars.map(([k, example]) => (
        <button
          key={k}
          type="button"
          className="msg-chip"
          title={t('msg.tpl.variableExample', { example })}
          // Keep the focus (and the cursor) in the box the variable goes into.
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => {
            if (!onInsert(k)) feedback.message.info(t('msg.tpl.pickBoxFirst'));
          }}
          data-testid={`var-chip-${k}`}
        >
          {`{{${k}}}`}
        </button>
      ))}
    </div>
  );
}
