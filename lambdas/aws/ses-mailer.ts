/**
 * Receipt e-mails through Amazon SES (v2 `SendEmail`), from the verified identity
 * `RECEIPT_EMAIL_FROM`. The endpoint comes from the standard `AWS_ENDPOINT_URL_SESV2`
 * variable, which the local runtime points at its outbox (lib/local/ses-outbox.ts).
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { ReceiptMailer } from '../sessions/receipt-email';
import { getStringFromEnv } from '../shared/config';

export class SesReceiptMailer implements ReceiptMailer {
  constructor(
    private readonly client: SESv2Client = new SESv2Client({}),
    private readonly from: string = getStringFromEnv('RECEIPT_EMAIL_FROM'),
  ) {}

  async send({ to, subject, html, text }: Parameters<ReceiptMailer['send']>[0]): Promise<void> {
    const utf8 = (data: string) => ({ Data: data, Charset: 'UTF-8' });
    await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
        Destination: { ToAddresses: [to] },
        Content: { Simple: { Subject: utf8(subject), Body: { Html: utf8(html), Text: utf8(text) } } },
      }),
    );
  }
}
