/**
 * The admin endpoint behind the editor's key picker (contract 1.2, section 6): POST
 * `<admin root>/amazon-s3/suggest` with `{ connection, operation, field, query?, cursor? }` answers the
 * connector's `suggest` for a deployed connection node. It sits behind Node-RED's admin auth, and asks for
 * the write permission: only someone who can edit flows needs the picker, and it shows bucket contents
 * that a read-only editor user could not otherwise see.
 */
import type { NodeAPI } from 'node-red';
import { errorFacts, runSuggest, type Contract } from '../shared/contract.js';
import { suggestPath, typeNames } from './definitions.js';
import { connectionNode } from './runtime.js';

interface SuggestBody {
  connection?: unknown;
  operation?: unknown;
  field?: unknown;
  query?: unknown;
  cursor?: unknown;
}

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

export function registerSuggest(RED: NodeAPI, contract: Contract): void {
  const types = typeNames(contract);
  RED.httpAdmin.post(`/${suggestPath(contract)}`, RED.auth.needsPermission(`${types.action}.write`), (req, res) => {
    void (async () => {
      const body = (req.body ?? {}) as SuggestBody;
      const connection = connectionNode(RED, body.connection, types.connection);
      if (!connection) {
        res.status(404).json({ code: 'InvalidInput', message: 'This connection is not deployed yet: deploy it once, then its keys can be picked here.' });
        return;
      }
      try {
        const query = text(body.query);
        const cursor = text(body.cursor);
        const result = await runSuggest(
          contract,
          { action: String(body.operation ?? ''), field: String(body.field ?? ''), input: {}, ...(query ? { query } : {}), ...(cursor ? { cursor } : {}) },
          { connection: connection.connection },
        );
        res.json(result);
      } catch (error) {
        const facts = errorFacts(error);
        res.status(facts.code === 'Unexpected' ? 500 : facts.retryable ? 503 : 400).json(facts);
      }
    })();
  });
}
