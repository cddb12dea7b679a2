import { forwardRef, type InputHTMLAttributes } from 'react';

/**
 * A native input styled like antd-mobile's Input, so `data-testid`, `id` (label association from
 * Form.Item) and autocomplete land on the <input> element itself.
 */
export const TextInput = forwardRef<HTMLInputElement, InputHTMLAttributes<HTMLInputElement>>(function TextInput({ className, ...props }, ref) {
  return (
    <div className="tinput">
      <input ref={ref} className={className} {...props} value={props.value ?? ''} />
    </div>
  );
});
