/**
 * Microsoft Teams through a Workflows webhook ("When a Teams webhook request is received"): an
 * Adaptive Card in a message attachment. "Workflows support Adaptive Cards only" and the card goes
 * in `attachments[].content` with `contentType: "application/vnd.microsoft.card.adaptive"`
 * (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using).
 * The workflow URL carries its signature (`sig=`): it is a token, never shown.
 */
import { endpointUrlProblem } from '../../contracts/config/endpoints';
import type { Notification } from '../../contracts/notification';
import type { Channel } from './channel';
import { httpChannel, type BuiltRequest, type HttpChannelContext } from './http-channel';
import { actionLabel, checksLabel, cut, linkList, locationLines, outcomeLabel } from './text';

/** Adaptive Card schema version: 1.4 renders in every Teams client today. */
export const ADAPTIVE_CARD_VERSION = '1.4';
/**
 * Teams' message limit: "The message size limit is 28 KB. When the size exceeds 28 KB, you receive an
 * error." (connectors-using, above). The card is kept under 20 KB: senders report 413s below 28 KB when
 * the service re-encodes the body, and the charset is stated for the same reason.
 */
export const TEAMS_MAX_BYTES = 20 * 1024;
const TEAMS_MESSAGE_CHARS = 4_000;

const COLOR = { trigger: 'Attention', update: 'Warning', resolve: 'Good' } as const satisfies Record<Notification['action'], string>;

/** The Teams message (one Adaptive Card) for a notification. */
export function teamsMessage(n: Notification, messageChars = TEAMS_MESSAGE_CHARS): Record<string, unknown> {
  const text = (t: string, extra: Record<string, unknown> = {}) => ({ type: 'TextBlock', text: t, wrap: true, ...extra });
  const facts = [
    { title: 'Severity', value: n.severity },
    { title: 'Outcome', value: `${outcomeLabel(n)}${n.status !== undefined ? `, HTTP ${n.status}` : ''}` },
    { title: 'Checks', value: `${n.checks.join(', ') || '-'}${n.host ? ` on ${n.host}` : ''}` },
    ...locationLines(n).map((line) => ({ title: 'Location', value: line })),
    { title: 'First failure', value: n.firstFailureAt },
    { title: 'Incident', value: n.dedupKey },
  ];
  const card: Record<string, unknown> = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: ADAPTIVE_CARD_VERSION,
    body: [
      text(`${actionLabel(n)}: ${checksLabel(n)}`, { weight: 'Bolder', size: 'Medium', color: COLOR[n.action] }),
      text(n.summary),
      { type: 'FactSet', facts },
      text(`**What happened:** ${cut(n.message, messageChars)}`),
      text(`**Fix:** ${n.fix}`),
    ],
    msteams: { width: 'Full' },
  };
  const links = linkList(n);
  if (links.length) card.actions = links.map((l) => ({ type: 'Action.OpenUrl', title: l.text, url: l.href }));
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }] };
}

/** The message as JSON within TEAMS_MAX_BYTES (the message text shortened if needed). */
function teamsBody(n: Notification): string {
  let chars = TEAMS_MESSAGE_CHARS;
  let body = JSON.stringify(teamsMessage(n, chars));
  while (Buffer.byteLength(body) > TEAMS_MAX_BYTES && chars > 200) {
    chars = Math.floor(chars / 2);
    body = JSON.stringify(teamsMessage({ ...n, summary: cut(n.summary, chars), fix: cut(n.fix, chars) }, chars));
  }
  return body;
}

/** The `teams` channel: `webhookUrl` names the token holding the Workflows URL. */
export function teamsChannel(config: { readonly webhookUrl: string }, ctx: HttpChannelContext): Channel {
  return httpChannel(
    {
      id: 'teams',
      what: 'Teams',
      tokens: [config.webhookUrl],
      build(secrets, n): BuiltRequest {
        const url = secrets[config.webhookUrl]!;
        const problem = endpointUrlProblem(url);
        if (problem) return { problem: `the webhook URL in token "${config.webhookUrl}" ${problem.replace(/\s*\(.*\)$/, '')}` };
        return { url, headers: { 'content-type': 'application/json; charset=utf-8' }, body: teamsBody(n) };
      },
    },
    ctx,
  );
}
