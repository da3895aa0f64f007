<?php
/**
 * Switchboard backend hooks in plain PHP: who may connect, subscribe, publish, and what an RPC
 * answers, decided by the app's own session cookie. No framework, no Composer packages.
 *
 * Try it (the same shared secret on both sides):
 *
 *   SWITCHBOARD_BACKEND_SECRET=change-me php -S 127.0.0.1:8080 auth-hook.php
 *   SWITCHBOARD_BACKEND_URL=http://127.0.0.1:8080 SWITCHBOARD_BACKEND_SECRET=change-me npx switchboard
 *
 * Switchboard then POSTs JSON to /connect, /subscribe, /publish and /rpc of this script (any
 * prefix works: only the last path segment is read) and forwards the browser's Cookie header, so
 * $_COOKIE here is the browser's. The request and answer shapes are in docs/api.md "Backend hooks".
 */

declare(strict_types=1);

// Demo sessions by cookie value. A real app would call session_start() and read its user from
// $_SESSION: the forwarded Cookie header makes that the browser's own session.
const SESSION_COOKIE = 'app_session';
const SESSIONS = [
    'sess-alice' => ['userId' => '42', 'name' => 'Alice', 'admin' => false],
    'sess-root' => ['userId' => '1', 'name' => 'Root', 'admin' => true],
    'sess-mallory' => ['userId' => '666', 'name' => 'Mallory', 'admin' => false, 'banned' => true],
];

/** Sends a JSON answer and stops. */
function answer(int $status, array $body): never
{
    http_response_code($status);
    header('Content-Type: application/json');
    echo json_encode($body, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
    exit;
}

/** The user of the browser's session cookie, or null. */
function session_user(): ?array
{
    $sid = $_COOKIE[SESSION_COOKIE] ?? null;
    return is_string($sid) ? (SESSIONS[$sid] ?? null) : null;
}

/** The session user, if it is the user Switchboard says made this request (a logout since connecting ends their rights). */
function acting_user(array $request): ?array
{
    $user = session_user();
    return $user !== null && ($request['userId'] ?? null) === $user['userId'] ? $user : null;
}

/** connect: accept a known session with its user id, refuse everyone else. */
function on_connect(): never
{
    if (!isset($_COOKIE[SESSION_COOKIE])) answer(401, ['reject' => 'login required']);
    $user = session_user();
    if ($user === null) answer(200, ['reject' => 'unknown session']);
    if ($user['banned'] ?? false) answer(403, ['reject' => 'account suspended']);
    answer(200, [
        'userId' => $user['userId'],
        'claims' => ['admin' => $user['admin']],
        'info' => ['name' => $user['name']],   // shown to others, e.g. in presence
    ]);
}

/** subscribe: user:<id> only for that user, admin:* only for admins. */
function on_subscribe(array $request): never
{
    $topic = (string) ($request['topic'] ?? '');
    $user = acting_user($request);
    if (str_starts_with($topic, 'user:')) answer(200, ['allow' => $user !== null && $topic === 'user:' . $user['userId']]);
    if (str_starts_with($topic, 'admin:')) answer(200, ['allow' => $user !== null && $user['admin']]);
    answer(200, ['allow' => false]);
}

/** publish: chat messages from signed-in users, rewritten so the sender's name cannot be forged. */
function on_publish(array $request): never
{
    $user = acting_user($request);
    $text = $request['data']['text'] ?? null;   // client data: check everything
    if ($user === null || !is_string($text) || trim($text) === '' || strlen($text) > 2000) answer(200, ['allow' => false]);
    answer(200, ['allow' => true, 'data' => ['text' => trim($text), 'from' => $user['name'], 'userId' => $user['userId']]]);
}

/** rpc: methods without a handler in the Switchboard server. Error codes come from docs/protocol.md §8. */
function on_rpc(array $request): never
{
    $user = acting_user($request);
    switch ($request['method'] ?? '') {
        case 'whoami':
            answer(200, ['result' => $user === null ? null : ['userId' => $user['userId'], 'name' => $user['name'], 'admin' => $user['admin']]]);
        case 'stats':
            if ($user === null || !$user['admin']) answer(200, ['error' => ['code' => 104, 'message' => 'admins only']]);
            answer(200, ['result' => ['sessions' => count(SESSIONS)]]);
        default:
            answer(200, ['error' => ['code' => 105, 'message' => 'no such method']]);
    }
}

// Only Switchboard may call these endpoints: it sends the shared secret in a static header.
$secret = getenv('SWITCHBOARD_BACKEND_SECRET');
if ($secret === false || $secret === '') answer(500, ['error' => 'set SWITCHBOARD_BACKEND_SECRET']);
if (!hash_equals($secret, $_SERVER['HTTP_X_SWITCHBOARD_SECRET'] ?? '')) answer(403, ['reject' => 'not from switchboard']);
if (($_SERVER['REQUEST_METHOD'] ?? '') !== 'POST') answer(405, ['error' => 'POST only']);

$request = json_decode((string) file_get_contents('php://input'), true);
if (!is_array($request)) answer(400, ['error' => 'expected a JSON object']);

switch (basename((string) parse_url($_SERVER['REQUEST_URI'] ?? '', PHP_URL_PATH))) {
    case 'connect':
        on_connect();
    case 'subscribe':
        on_subscribe($request);
    case 'publish':
        on_publish($request);
    case 'rpc':
        on_rpc($request);
    default:
        answer(404, ['error' => 'unknown hook']);
}
