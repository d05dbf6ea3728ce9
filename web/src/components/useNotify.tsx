import { App } from 'antd';
import { isApiError } from '../api';

/** Shows a server refusal (problem+json title, in the UI's language) or any other failure. */
export function useNotify() {
  const { message } = App.useApp();
  return {
    success: (text: string) => void message.success(<span data-testid="notify-success">{text}</span>),
    error: (err: unknown) => {
      const text = isApiError(err) ? err.title : err instanceof Error ? err.message : String(err);
      void message.error(<span data-testid="notify-error">{text}</span>);
    },
  };
}
