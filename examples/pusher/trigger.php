<?php
/**
 * Triggers a Pusher event on Switchboard's Pusher HTTP API with a request signed by hand, the way
 * pusher-php-server signs it, in plain PHP (php-cli + php-curl, no Composer):
 *
 *   auth_signature = hex(HMAC-SHA256(secret, "POST\n/apps/<id>/events\n<sorted query>"))
 *
 * where the sorted query holds auth_key, auth_timestamp, auth_version=1.0 and body_md5.
 *
 * Usage: PUSHER_APP_ID=1 PUSHER_APP_KEY=key PUSHER_APP_SECRET=secret \
 *        php trigger.php <channel> <event> '<json data>' [socket_id]
 * It reads the variables a Laravel app's .env has (examples/laravel-echo/.env.example): PUSHER_APP_ID,
 * PUSHER_APP_KEY and PUSHER_APP_SECRET are required; PUSHER_SCHEME, PUSHER_HOST and PUSHER_PORT
 * default to http, 127.0.0.1 and 9001.
 * Exit codes: 0 published, 1 refused by the server, 2 bad usage or a missing variable.
 */

if ($argc < 4) {
    fwrite(STDERR, "usage: php trigger.php <channel> <event> '<json data>' [socket_id]\n");
    exit(2);
}
[$script, $channel, $event, $data] = $argv;
if (json_decode($data) === null && $data !== 'null') {
    fwrite(STDERR, "data must be JSON\n");
    exit(2);
}

// Credentials have no default: a request signed with a made-up secret would only be refused (401)
// and hide which variable was missing.
$required = [];
foreach (['PUSHER_APP_ID', 'PUSHER_APP_KEY', 'PUSHER_APP_SECRET'] as $name) {
    $value = getenv($name);
    if ($value === false || $value === '') {
        fwrite(STDERR, "{$name} is not set (see examples/laravel-echo/.env.example)\n");
        exit(2);
    }
    $required[$name] = $value;
}
['PUSHER_APP_ID' => $appId, 'PUSHER_APP_KEY' => $key, 'PUSHER_APP_SECRET' => $secret] = $required;
$host = sprintf('%s://%s:%s', getenv('PUSHER_SCHEME') ?: 'http', getenv('PUSHER_HOST') ?: '127.0.0.1', getenv('PUSHER_PORT') ?: '9001');

// Pusher event data is a string: the JSON text travels as is and pusher-js parses it.
$payload = ['name' => $event, 'channel' => $channel, 'data' => $data];
if ($argc > 4) {
    $payload['socket_id'] = $argv[4]; // the sender's socket is left out (Laravel's toOthers())
}
$body = json_encode($payload);
$path = "/apps/{$appId}/events";

$params = [
    'auth_key' => $key,
    'auth_timestamp' => (string) time(),
    'auth_version' => '1.0',
    'body_md5' => md5($body),
];
ksort($params);
$query = implode('&', array_map(fn ($k) => "{$k}={$params[$k]}", array_keys($params)));
$signature = hash_hmac('sha256', "POST\n{$path}\n{$query}", $secret);

$curl = curl_init("{$host}{$path}?{$query}&auth_signature={$signature}");
curl_setopt_array($curl, [
    CURLOPT_POST => true,
    CURLOPT_POSTFIELDS => $body,
    CURLOPT_HTTPHEADER => ['Content-Type: application/json'],
    CURLOPT_RETURNTRANSFER => true,
    CURLOPT_TIMEOUT => 10,
]);
$answer = curl_exec($curl);
$status = curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
if ($answer === false) {
    fwrite(STDERR, 'request failed: ' . curl_error($curl) . "\n");
    exit(1);
}
if ($status !== 200) {
    fwrite(STDERR, "HTTP {$status}: " . trim($answer) . "\n");
    exit(1);
}
echo "triggered {$event} on {$channel}\n";
