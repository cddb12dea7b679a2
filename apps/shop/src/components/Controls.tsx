import { AddOutline, CheckOutline, MinusOutline } from 'antd-mobile-icons';
import { useEffect, useState } from 'react';

/**
 * Quantity stepper with real buttons and a labelled number input (antd-mobile's Stepper leaves its
 * input without an accessible name).
 */
export function QtyStepper({
  value,
  min = 1,
  max,
  onChange,
  label = '购买数量',
  disabled,
  testId,
}: {
  value: number;
  min?: number;
  max: number;
  onChange: (v: number) => void;
  label?: string;
  disabled?: boolean;
  testId?: string;
}) {
  const [text, setText] = useState(String(value));
  useEffect(() => {
    setText(String(value));
  }, [value]);
  const clamp = (n: number) => Math.max(min, Math.min(max, Math.floor(n)));
  const commit = () => {
    const n = Number(text);
    const next = Number.isFinite(n) && text !== '' ? clamp(n) : value;
    setText(String(next));
    if (next !== value) onChange(next);
  };
  return (
    <div className="qty" data-testid={testId}>
      <button type="button" aria-label={`减少${label}`} disabled={disabled || value <= min} onClick={() => onChange(clamp(value - 1))} data-testid={testId && `${testId}-minus`}>
        <MinusOutline aria-hidden />
      </button>
      <input
        type="text"
        inputMode="numeric"
        pattern="[0-9]*"
        aria-label={label}
        value={text}
        disabled={disabled}
        onChange={(e) => setText(e.target.value.replace(/\D/g, '').slice(0, 3))}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
        data-testid={testId && `${testId}-input`}
      />
      <button type="button" aria-label={`增加${label}`} disabled={disabled || value >= max} onClick={() => onChange(clamp(value + 1))} data-testid={testId && `${testId}-plus`}>
        <AddOutline aria-hidden />
      </button>
    </div>
  );
}

/** The round check of a cart line or "select all". */
export function RoundCheck({ checked, onChange, label, disabled, testId }: { checked: boolean; onChange: (v: boolean) => void; label: string; disabled?: boolean; testId?: string }) {
  return (
    <button
      type="button"
      role="checkbox"
      aria-checked={checked}
      aria-label={label}
      disabled={disabled}
      className={checked ? 'rcheck on' : 'rcheck'}
      onClick={() => onChange(!checked)}
      data-testid={testId}
    >
      {checked && <CheckOutline aria-hidden />}
    </button>
  );
}
