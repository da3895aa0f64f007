/**
 * The Pusher app every Switchboard server the harness starts has configured, and which the `pusher`
 * dialect connects to (`/app/<key>`). Only public channels are used, so the secret signs nothing;
 * it is here because an app needs one.
 */
export const LOADTEST_PUSHER_APP = { id: 'loadtest', key: 'loadtest-key', secret: 'loadtest-secret' } as const;
