import { useEffect, useRef, type CSSProperties, type ReactNode } from 'react';

/**
 * Holds a result table that may scroll sideways (a column per day) or down. A scrolling area whose cells
 * hold no link or button cannot be reached by keyboard, so the one that scrolls gets a tab stop and a name.
 */
export function TableFrame({ testId, label, children, style }: { testId: string; label: string; children: ReactNode; style?: CSSProperties }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelectorAll<HTMLElement>('.ant-table-content, .ant-table-body').forEach((el) => {
      if (el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight) {
        el.tabIndex = 0;
        el.setAttribute('role', 'region');
        el.setAttribute('aria-label', label);
      } else if (el.getAttribute('role') === 'region') {
        el.removeAttribute('tabindex');
        el.removeAttribute('role');
        el.removeAttribute('aria-label');
      }
    });
  });
  return (
    <div ref={ref} data-testid={testId} style={style}>
      {children}
    </div>
  );
}
