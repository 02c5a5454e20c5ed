/**
 * Amazon SES locally: the SESv2 `SendEmail` call (`POST /v2/email/outbound-emails`) the
 * receipt e-mail function makes with the real SDK client, answered here by appending the
 * message to an outbox file, one JSON object a line. Nothing is sent anywhere.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { listenOn, readRequestBody } from './http-server';

/** One e-mail as the outbox file holds it. */
export interface OutboxMessage {
  readonly messageId: string;
  readonly at: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly html?: string;
  readonly text?: string;
}

interface SendEmailBody {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[] };
  Content?: { Simple?: { Subject?: { Data?: string }; Body?: { Html?: { Data?: string }; Text?: { Data?: string } } } };
}

export interface SesOutbox {
  /** The endpoint for `AWS_ENDPOINT_URL_SESV2`. */
  readonly url: string;
  readonly file: string;
  close(): Promise<void>;
}

export async function startSesOutbox({ file, host = '127.0.0.1' }: { readonly file: string; readonly host?: string }): Promise<SesOutbox> {
  mkdirSync(dirname(file), { recursive: true });
  const server = createServer((req, res) => {
    void (async () => {
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/v2/email/outbound-emails') return answer(404, { message: `no such SES call: ${req.method} ${req.url}` });
      const raw = await readRequestBody(req, 1024 * 1024);
      if (raw === 'too-large') return answer(400, { message: 'the message is too large' });
      const body = JSON.parse(raw.toString('utf8')) as SendEmailBody;
      const simple = body.Content?.Simple;
      const to = body.Destination?.ToAddresses ?? [];
      if (!body.FromEmailAddress || to.length === 0 || !simple?.Subject?.Data) {
        return answer(400, { message: 'FromEmailAddress, Destination.ToAddresses and a simple Subject are required' });
      }
      const message: OutboxMessage = {
        messageId: randomUUID(),
        at: new Date().toISOString(),
        from: body.FromEmailAddress,
        to,
        subject: simple.Subject.Data,
        ...(simple.Body?.Html?.Data !== undefined && { html: simple.Body.Html.Data }),
        ...(simple.Body?.Text?.Data !== undefined && { text: simple.Body.Text.Data }),
      };
      appendFileSync(file, `${JSON.stringify(message)}\n`, { mode: 0o600 });
      answer(200, { MessageId: message.messageId });
    })().catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: String(error) }));
    });
  });
  const { port, publicHost } = await listenOn(server, 0, host);
  return {
    url: `http://${publicHost}:${port}`,
    file,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
