/** "What you can do next" under a result card: the server's next-step buttons; "how it's calculated" opens the details. */
import type { RefObject } from 'preact';
import { useContext } from 'preact/hooks';
import { WidgetContext } from './context.ts';

/** A next-step button as the server sends it (a quick reply). */
export interface NextStep {
  title: string;
  payload: string;
}

const isStep = (v: unknown): v is NextStep =>
  typeof v === 'object' && v !== null && typeof (v as NextStep).title === 'string' && typeof (v as NextStep).payload === 'string';

/** Reads `nextSteps` from a payload, keeping only well-formed buttons. */
export function readNextSteps(v: unknown): NextStep[] {
  return Array.isArray(v) ? v.filter(isStep).slice(0, 6) : [];
}

/**
 * The buttons. The one about how it's calculated opens the card's own "How this was calculated" section (the answer is
 * right there) instead of asking the server; the others send their payload like any quick reply.
 */
export function NextSteps(props: { steps: NextStep[]; details?: RefObject<HTMLDetailsElement> }) {
  const { send } = useContext(WidgetContext);
  if (props.steps.length === 0) return null;
  return (
    <div class="next-steps" role="group" aria-labelledby={undefined} aria-label="What you can do next">
      <p class="next-title" aria-hidden="true">What you can do next</p>
      <div class="next-buttons">
        {props.steps.map((s) => (
          <button
            type="button"
            class="chip"
            key={s.payload}
            onClick={() => {
              const details = props.details?.current;
              if (details && /calculated/i.test(s.title)) {
                details.open = true;
                details.querySelector('summary')?.focus();
                details.scrollIntoView({ block: 'start', behavior: 'smooth' });
                return;
              }
              send(s.payload, s.title);
            }}
          >
            {s.title}
          </button>
        ))}
      </div>
    </div>
  );
}
