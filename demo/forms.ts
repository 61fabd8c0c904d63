/** The page's small forms: a submit handler with its error shown next to the form. */
import { byId, setText } from './dom.js';
import { errorText } from './errors.js';

/** Submit handler with its error shown in `errorId`, and the form busy meanwhile. */
export function wireForm(formId: string, errorId: string, handler: (form: HTMLFormElement) => Promise<void>): void {
  const form = byId<HTMLFormElement>(formId);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    setText(byId(errorId), '');
    form.setAttribute('aria-busy', 'true');
    try {
      await handler(form);
    } catch (err) {
      setText(byId(errorId), errorText(err));
    } finally {
      form.removeAttribute('aria-busy');
    }
  });
}
