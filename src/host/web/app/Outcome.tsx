/** How the page shows what came back: errors with their code and message, details, JSON, image previews. */
import { shownDetails } from '../../core/details.js';
import type { ApiError, TestResultView } from '../api-types.js';

export function Json({ value, label }: { value: unknown; label?: string }) {
  return (
    <pre className="json" aria-label={label}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

/** A result's `details` that say something the message does not (shownDetails): lists inline, objects as JSON. */
export function Details({ details, message }: { details: Record<string, unknown> | undefined; message?: string }) {
  const entries = shownDetails(details, message);
  if (entries.length === 0) return null;
  return (
    <dl className="details">
      {entries.map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{typeof value === 'string' ? value : <Json value={value} label={key} />}</dd>
        </div>
      ))}
    </dl>
  );
}

export function ErrorBox({ error, title }: { error: ApiError; title?: string }) {
  return (
    <div className="outcome failure" role="alert">
      <div className="outcome-head">
        <span className="badge" data-testid="error-code">
          {error.code}
        </span>
        {title && <strong>{title}</strong>}
        {error.field && <span className="muted">field {error.field}</span>}
      </div>
      <p className="message">{error.message}</p>
      <Details details={error.details} message={error.message} />
    </div>
  );
}

export function TestOutcome({ result }: { result: TestResultView }) {
  if (!result.ok) return <ErrorBox error={result} title="Connection failed" />;
  return (
    <div className="outcome success" role="status">
      <div className="outcome-head">
        <span className="badge">OK</span>
        <strong>Connection works</strong>
      </div>
      <p className="message">{result.message}</p>
      <Details details={result.details} message={result.message} />
    </div>
  );
}
