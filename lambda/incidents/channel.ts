/**
 * What the engine needs of a channel: the `Channel` of lambda/notify (COMMON decision: the channels
 * render a Notification and report a Delivery). Declared structurally here so the engine depends on
 * the interface, not on the channels' implementations.
 */
import type { Delivery, Notification } from '../../contracts/notification';

export interface Channel {
  /** e.g. `pagerDuty`, `webhooks[0]`. */
  readonly id: string;
  deliver(n: Notification, opts: { readonly deadline: number }): Promise<Delivery>;
}
