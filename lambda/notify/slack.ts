/**
 * Slack incoming webhooks: Block Kit with a text fallback. The webhook URL is the credential, so it
 * is a token (read at delivery) and never appears in a message: errors say "Slack" and the status.
 *
 * Limits (https://docs.slack.dev/reference/block-kit/blocks/): at most 50 blocks; a header's text
 * "Maximum length for the text in this field is 150 characters"; a section's text 3000 characters,
 * its fields "Maximum number of items is 10. Maximum length for the text in each item is 2000
 * characters"; a button's text 75 characters. With blocks, the top-level `text` is the fallback
 * shown in notifications (https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks).
 */
import { endpointUrlProblem } from '../../contracts/config/endpoints';
import type { Notification } from '../../contracts/notification';
import type { Channel } from './channel';
import { httpChannel, type BuiltRequest, type HttpChannelContext } from './http-channel';
import { actionLabel, checksLabel, cut, linkList, locationLines, outcomeLabel } from './text';

const LIMITS = { header: 150, sectionText: 3000, fieldText: 2000, buttonText: 75, fallback: 3000 } as const;

/** Slack's mrkdwn escapes (&, <, >), so text from the endpoint cannot become a link or a mention. */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const ICON = { trigger: ':rotating_light:', update: ':warning:', resolve: ':white_check_mark:' } as const satisfies Record<
  Notification['action'],
  string
>;

/** The Slack message for a notification. */
export function slackMessage(n: Notification): Record<string, unknown> {
  const mrkdwn = (text: string, max: number = LIMITS.sectionText) => ({ type: 'mrkdwn', text: cut(text, max) });
  const field = (title: string, value: string) => mrkdwn(`*${title}*\n${esc(value)}`, LIMITS.fieldText);
  const fields = [
    field('Severity', n.severity),
    field('Outcome', `${outcomeLabel(n)}${n.status !== undefined ? `, HTTP ${n.status}` : ''}`),
    field('Checks', `${n.checks.join(', ') || '-'}${n.host ? ` on ${n.host}` : ''}`),
    field('First failure', n.firstFailureAt),
  ];
  if (n.locations.length) fields.push(field('Locations', locationLines(n).join('\n')));
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: cut(`${actionLabel(n)}: ${checksLabel(n)}`, LIMITS.header), emoji: true } },
    { type: 'section', text: mrkdwn(`${ICON[n.action]} ${esc(n.summary)}`) },
    { type: 'section', fields },
    { type: 'section', text: mrkdwn(`*What happened*\n${esc(n.message)}`) },
    { type: 'section', text: mrkdwn(`*Fix*\n${esc(n.fix)}`) },
  ];
  const links = linkList(n);
  if (links.length)
    blocks.push({
      type: 'actions',
      elements: links.map((l) => ({ type: 'button', text: { type: 'plain_text', text: cut(l.text, LIMITS.buttonText) }, url: l.href })),
    });
  blocks.push({ type: 'context', elements: [mrkdwn(`${esc(n.monitor)} · incident \`${esc(n.dedupKey)}\``)] });
  return { text: cut(`${actionLabel(n)} (${n.severity}): ${n.summary}`, LIMITS.fallback), blocks };
}

/** The `slack` channel: `webhookUrl` names the token holding the incoming webhook URL. */
export function slackChannel(config: { readonly webhookUrl: string }, ctx: HttpChannelContext): Channel {
  return httpChannel(
    {
      id: 'slack',
      what: 'Slack',
      tokens: [config.webhookUrl],
      build(secrets, n): BuiltRequest {
        const url = secrets[config.webhookUrl]!;
        const problem = endpointUrlProblem(url);
        // The URL is the secret: say what is wrong with it, never what it is.
        if (problem) return { problem: `the webhook URL in token "${config.webhookUrl}" ${problem.replace(/\s*\(.*\)$/, '')}` };
        return { url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(slackMessage(n)) };
      },
    },
    ctx,
  );
}
