/** How the page shows what came back: errors with their code and message, details, JSON, image previews. */
import type { ApiError, TestResultView } from '../api-types.js';

export function Json({ value, label }: { value: unknown; label?: string }) {
  return (
    <pre className="json" aria-label={label}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

/** A result's `details`: scalars inline, objects (an IAM policy, say) as JSON blocks. */
export function Details({ details }: { details: Record<string, unknown> | undefined }) {
  const entries = Object.entries(details ?? {}).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return null;
  return (
    <dl className="details">
      {entries.map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{value !== null && typeof value === 'object' ? <Json value={value} label={key} /> : String(value)}</dd>
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
      <Details details={error.details} />
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
      <Details details={result.details} />
    </div>
  );
}
