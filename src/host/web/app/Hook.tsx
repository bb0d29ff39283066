/** What the action and trigger parts of the page share: a picker's button, and a step's heading. */
import type { ConnectionView } from '../api-types.js';

interface Described {
  name: string;
  description: string;
}

/** One action or trigger in step 1's list. */
export function HookButton({ hook, icon, pressed, onClick }: { hook: Described; icon: string | null; pressed: boolean; onClick(): void }) {
  return (
    <button type="button" className="action" aria-pressed={pressed} onClick={onClick}>
      {icon && <img src={icon} alt="" width={28} height={28} />}
      <span>
        <strong>{hook.name}</strong>
        <span className="muted">{hook.description}</span>
      </span>
    </button>
  );
}

/** Step 3's heading ("Run “List objects”", "Test “New or updated object”"), the description and the connection it uses. */
export function StepIntro({ id, verb, hook, connection }: { id: string; verb: string; hook: Described; connection: ConnectionView | undefined }) {
  return (
    <>
      <h2 id={id}>
        <span className="step">3</span> {verb} “{hook.name}”
      </h2>
      <p className="muted">{hook.description}</p>
      {connection ? (
        <p className="muted">
          With <strong>{connection.label}</strong>
        </p>
      ) : (
        <p className="warning">Choose or save a connection in step 2 first.</p>
      )}
    </>
  );
}
