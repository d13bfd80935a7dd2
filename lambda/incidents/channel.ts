/** The channel the engine delivers through: lambda/notify's (renders a Notification, reports a Delivery). */
export type { Channel } from '../notify/channel';
