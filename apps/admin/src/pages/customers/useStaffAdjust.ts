import { Form, type FormInstance } from 'antd';
import { useEffect, useRef, useState } from 'react';

/**
 * The state every "staff correction" modal (points, balance, card days) needs: a fresh form and a new
 * Idempotency-Key each time it opens, so a double-clicked or retried submit posts once, and a saving flag.
 */
export function useStaffAdjust<V>(open: boolean, onOpen?: (form: FormInstance<V>) => void) {
  const [form] = Form.useForm<V>();
  const [saving, setSaving] = useState(false);
  const requestKey = useRef('');
  const opened = useRef(onOpen);
  opened.current = onOpen;

  useEffect(() => {
    if (!open) return;
    requestKey.current = crypto.randomUUID();
    form.resetFields();
    opened.current?.(form);
  }, [open, form]);

  /** Runs the request with this opening's key; errors are the caller's to map onto fields. */
  const send = async (request: (idempotencyKey: string) => Promise<void>) => {
    setSaving(true);
    try {
      await request(requestKey.current);
    } finally {
      setSaving(false);
    }
  };
  return { form, saving, send };
}
