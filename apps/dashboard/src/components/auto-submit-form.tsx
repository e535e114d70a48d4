'use client';
// A GET form that navigates as soon as one of its controls changes (selects, radios, checkboxes),
// through Next's client-side navigation. Its submit button still works without JavaScript.
import Form from 'next/form';
import type { ReactNode } from 'react';

export function AutoSubmitForm({ action, children, testId }: { action: string; children: ReactNode; testId?: string }) {
  return (
    <Form
      action={action}
      className="filters"
      data-testid={testId}
      onChange={(event) => {
        const target = event.target as HTMLElement;
        // Text fields submit on Enter, not on every keystroke.
        if (target instanceof HTMLInputElement && (target.type === 'text' || target.type === 'search')) return;
        event.currentTarget.requestSubmit();
      }}
    >
      {children}
    </Form>
  );
}
