import { Radio, type RadioGroupProps } from 'antd';

/** A radio group with data-testid `{testId}` and `{testId}-{value}` on each choice (Form.Item gives value and onChange). */
export default function ChoiceRadios({ testId, choices, ...rest }: Omit<RadioGroupProps, 'options' | 'children'> & { testId: string; choices: { value: string; label: string; disabled?: boolean }[] }) {
  return (
    <Radio.Group {...rest} data-testid={testId}>
      {choices.map((c) => (
        <Radio key={c.value} value={c.value} disabled={c.disabled} data-testid={`${testId}-${c.value}`}>
          {c.label}
        </Radio>
      ))}
    </Radio.Group>
  );
}
