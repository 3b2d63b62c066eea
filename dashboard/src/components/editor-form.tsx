import type { ComponentChildren } from 'preact';

/** What a page hands its editor: the form to start from, and what Save and Cancel do. */
export interface EditorProps<F> {
  initial: F;
  creating: boolean;
  onSave: (form: F) => void;
  onCancel: () => void;
}

/** An editor's form: its fields, then Create (or Save) and Cancel. */
export function EditorForm(props: {
  label: string;
  creating: boolean;
  onSubmit: () => void;
  onCancel: () => void;
  children: ComponentChildren;
}) {
  return (
    <form class="editor" aria-label={props.label} onSubmit={(e) => (e.preventDefault(), props.onSubmit())}>
      {props.children}
      <div class="buttons">
        <button type="submit">{props.creating ? 'Create' : 'Save'}</button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
