import { EditorForm, type EditorProps } from '../components/editor-form.tsx';
import { useForm } from '../use-form.ts';

export interface PromptForm {
  name: string;
  description: string;
  /** The template as JSON text, checked by the API. */
  template: string;
}

/** What a new prompt's template starts as: a variable, and a default for it. */
export const NEW_PROMPT: PromptForm = {
  name: '',
  description: '',
  template: JSON.stringify(
    {
      instructions: 'You answer questions about {{topic}}.',
      input: [{ role: 'user', content: '{{question}}' }],
      variables: { topic: 'Portico' },
    },
    null,
    2,
  ),
};

/** The form's template as the API's `template`; text that is not JSON says so, as the API's errors do. */
export function parseTemplate(form: PromptForm): unknown {
  try {
    return JSON.parse(form.template);
  } catch (error) {
    throw new Error(`The template is not JSON: ${(error as Error).message}`);
  }
}

/** A new prompt (its name, description and first template) or a new version (a template). */
export function PromptEditor(props: EditorProps<PromptForm> & { label: string }) {
  const { form, text } = useForm(props.initial);
  return (
    <EditorForm
      label={props.label}
      creating={true}
      onSubmit={() => props.onSave(form)}
      onCancel={props.onCancel}
    >
      {props.creating ? (
        <>
          <label>
            Name <input name="name" value={form.name} onInput={text('name')} maxLength={256} />
          </label>
          <label>
            Description{' '}
            <input
              name="description"
              value={form.description}
              onInput={text('description')}
              maxLength={4096}
            />
          </label>
        </>
      ) : null}
      <label class="template">
        Template (JSON: instructions, input messages, variables with their defaults, model and request
        parameters; <code>{'{{name}}'}</code> in a text is a variable)
        <textarea
          name="template"
          rows={16}
          spellcheck={false}
          value={form.template}
          onInput={text('template')}
        />
      </label>
    </EditorForm>
  );
}
