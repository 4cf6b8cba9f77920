/** What the rich cards need from the widget around them: the server's base URL and a way to send or stay silent. */
import { createContext } from 'preact';

/** Values the widget provides to every card (see App). */
export interface WidgetContextValue {
  /** Server base URL (links such as `/kb/<id>` resolve against it). */
  server: string;
  /** Sends `payload` to the bot; `display` is the user's bubble, or none with `silent` (e.g. feedback). */
  send(payload: string, display: string, options?: { silent?: boolean }): void;
}

/** Defaults for a card rendered outside the widget (tests): nothing is sent. */
export const WidgetContext = createContext<WidgetContextValue>({ server: '', send: () => undefined });
