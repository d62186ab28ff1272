import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import MailComposer from 'nodemailer/lib/mail-composer';
import { decodeEncodedWords, parseMail } from './parse-mail.ts';

const subject =
  'Okres próbny w serwisie Żółwik CRM dobiegł końca – zażółć gęślą jaźń, długi temat do złamania';
const text =
  'Dzień dobry,\n\nokres próbny zakończył się.\nhttps://app.example.com/order?a=1&b=ż\n\nPozdrawiamy\nZespół Żółwik';

function compose(options: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}

describe('parseMail reads what nodemailer writes', () => {
  for (const textEncoding of ['quoted-printable', 'base64'] as const) {
    it(`a ${textEncoding} text part and an encoded, folded subject`, async () => {
      const raw = await compose({
        from: 'Zespół Żółwik <no-reply@zolwik.example>',
        to: 'jan@example.com',
        subject,
        text,
        html: '<p>Dzień dobry</p>',
        messageId: '<msg_01@klauzula.local>',
        textEncoding,
      });
      assert.match(raw.toString('latin1'), new RegExp(`Content-Transfer-Encoding: ${textEncoding}`, 'i'));
      const mail = parseMail(raw);
      assert.equal(mail.subject, subject);
      assert.equal(mail.from, 'Zespół Żółwik <no-reply@zolwik.example>');
      assert.equal(mail.to, 'jan@example.com');
      assert.equal(mail.messageId, '<msg_01@klauzula.local>');
      assert.equal(mail.text, text);
      assert.equal(mail.html, '<p>Dzień dobry</p>');
    });
  }

  it('the text of the body, not of an attachment, in a nested multipart', async () => {
    const raw = await compose({
      from: 'a@example.com',
      to: 'b@example.com',
      subject: 'plain',
      text: 'treść',
      html: '<p>treść</p>',
      attachments: [{ filename: 'notes.txt', content: 'załącznik' }],
    });
    const mail = parseMail(raw);
    assert.equal(mail.subject, 'plain');
    assert.equal(mail.text, 'treść');
    assert.equal(mail.html, '<p>treść</p>');
  });

  it('a single-part message without HTML', async () => {
    const mail = parseMail(
      await compose({ from: 'a@example.com', to: 'b@example.com', subject: 's', text: 'ąę' }),
    );
    assert.equal(mail.text, 'ąę');
    assert.equal(mail.html, undefined);
  });
});

describe('decodeEncodedWords', () => {
  const cases: [string, string, string][] = [
    ['a Q word', '=?UTF-8?Q?Zesp=C3=B3=C5=82_Klauzula?= <a@b.pl>', 'Zespół Klauzula <a@b.pl>'],
    ['a B word', '=?utf-8?B?xbzDs8WCdw==?=', 'żółw'],
    ['a character split across two words', '=?UTF-8?Q?=C5?= =?UTF-8?Q?=BCaba?=', 'żaba'],
    ['another charset', '=?ISO-8859-2?Q?=BFaba?=', 'żaba'],
    ['text around words, its spaces kept', 'Re: =?UTF-8?Q?=C5=BCaba?= i kot', 'Re: żaba i kot'],
    ['no encoded word', 'Plain subject', 'Plain subject'],
  ];
  for (const [name, encoded, decoded] of cases) {
    it(name, () => assert.equal(decodeEncodedWords(encoded), decoded));
  }
});
