import type { ComponentChildren } from 'preact';

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
