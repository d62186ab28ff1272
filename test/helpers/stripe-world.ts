import type { TestContext } from 'node:test';
import { manualClock } from '../../src/platform/clock.ts';
import { loadPreset, type Policy } from '../../src/policy/index.ts';
import { buildTestApp, type TestApp } from './app.ts';
import { type StripeServer, startStripeServer } from './stripe-server.ts';

// The app wired to the local Stripe server (test/helpers/stripe-server.ts) on a manual clock, shared by the
// Stripe test files: webhooks go back into the app as Stripe would deliver them.

export type StripeWorld = { app: TestApp; stripe: StripeServer; clock: ReturnType<typeof manualClock> };

/**
 * The preset's policy with its card acquirer named Stripe: ClickMeeting's terms name no acquirer (`card`), so
 * an operator taking its cards through Stripe says so in its policy (Bookero's names Stripe already).
 */
export function namingStripe(preset = 'clickmeeting'): Policy {
  const policy = structuredClone(loadPreset(preset));
  for (const provider of policy.billing.paymentProviders) if (provider.id === 'card') provider.id = 'stripe';
  return policy;
}

/** The app and the Stripe server, both closed after the test. */
export async function aStripeWorld(
  t: TestContext,
  preset = 'clickmeeting',
  start = '2026-03-15T10:00:00+01:00',
): Promise<StripeWorld> {
  const clock = manualClock(start);
  const stripe = await startStripeServer({ now: () => clock.now() });
  t.after(() => stripe.close());
  const app = await buildTestApp({
    policy: namingStripe(preset),
    clock,
    gateways: {
      stripe: { secretKey: stripe.secretKey, webhookSecret: stripe.webhookSecret, apiUrl: stripe.url },
    },
  });
  stripe.setTarget(async (payload, signature) => (await stripeWebhook(app, payload, signature)).statusCode);
  t.after(() => app.close());
  return { app, stripe, clock };
}

/** A webhook delivered to the app as Stripe sends it. */
export function stripeWebhook(app: TestApp, payload: string, signature: string) {
  return app.http.inject({
    method: 'POST',
    url: '/v1/webhooks/stripe',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    payload,
  });
}
