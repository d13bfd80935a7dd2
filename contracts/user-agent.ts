/**
 * The User-Agent every probe sends (the HTTP request and the WebSocket handshake alike), so a
 * backend's logs and WAF rules can tell synthetic traffic apart by one string.
 */
export const USER_AGENT = 'synthmon/0.1 (+synthetic monitor)';
