<?php
/**
 * Publishes one message to a Switchboard topic over the HTTP API, with nothing but the curl
 * extension.
 *
 *   php publish.php <topic> '<json data>'
 *   php publish.php chat:lobby '{"user": "ann", "text": "hi"}'
 *
 * Environment:
 *   SWITCHBOARD_URL      API base URL (default http://127.0.0.1:9001)
 *   SWITCHBOARD_API_KEY  sent as "Authorization: Bearer <key>"; without a key configured, the
 *                        server answers loopback callers only
 *
 * Exits 0 on success, printing the topic sequence number; 1 when the server refused the message,
 * printing its {error, code} body; 2 on bad usage or when the server cannot be reached.
 */

declare(strict_types=1);

/**
 * POSTs {"topic": $topic, "data": $data} to /api/publish.
 *
 * @return array{status: int, body: mixed} the HTTP status and the decoded JSON body
 * @throws RuntimeException when the request cannot be made or the answer is not JSON
 */
function switchboard_publish(string $baseUrl, string $topic, mixed $data, ?string $apiKey): array
{
    $body = json_encode(['topic' => $topic, 'data' => $data], JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
    $headers = ['Content-Type: application/json', 'Accept: application/json'];
    if ($apiKey !== null && $apiKey !== '') {
        $headers[] = 'Authorization: Bearer ' . $apiKey;
    }

    $curl = curl_init(rtrim($baseUrl, '/') . '/api/publish');
    curl_setopt_array($curl, [
        CURLOPT_POST => true,
        CURLOPT_POSTFIELDS => $body,
        CURLOPT_HTTPHEADER => $headers,
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_CONNECTTIMEOUT => 5,
        CURLOPT_TIMEOUT => 10,
    ]);
    $response = curl_exec($curl);
    if ($response === false) {
        throw new RuntimeException('request failed: ' . curl_error($curl));
    }
    // No curl_close(): the handle is freed with $curl (the call is a no-op since PHP 8.0, deprecated in 8.5).
    $status = (int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE);

    try {
        $decoded = json_decode((string) $response, true, 512, JSON_THROW_ON_ERROR);
    } catch (JsonException $e) {
        throw new RuntimeException("HTTP $status with a body that is not JSON: " . substr((string) $response, 0, 200), 0, $e);
    }
    return ['status' => $status, 'body' => $decoded];
}

if (PHP_SAPI !== 'cli' || realpath($_SERVER['SCRIPT_FILENAME'] ?? '') !== __FILE__) {
    return; // Included as a library: only define switchboard_publish().
}

if ($argc !== 3) {
    fwrite(STDERR, "usage: php publish.php <topic> '<json data>'\n");
    exit(2);
}

[, $topic, $json] = $argv;
try {
    // Decode to objects (not associative arrays) so that {} stays an object when re-encoded.
    $data = json_decode($json, false, 512, JSON_THROW_ON_ERROR);
} catch (JsonException $e) {
    fwrite(STDERR, "data is not valid JSON: {$e->getMessage()}\n");
    exit(2);
}

$baseUrl = getenv('SWITCHBOARD_URL') ?: 'http://127.0.0.1:9001';
$apiKey = getenv('SWITCHBOARD_API_KEY') ?: null;

try {
    $result = switchboard_publish($baseUrl, $topic, $data, $apiKey);
} catch (RuntimeException $e) {
    fwrite(STDERR, $e->getMessage() . "\n");
    exit(2);
}

if ($result['status'] !== 200) {
    $body = $result['body'];
    $error = is_array($body) ? ($body['error'] ?? 'unknown error') : 'unknown error';
    $code = is_array($body) ? ($body['code'] ?? 'UNKNOWN') : 'UNKNOWN';
    fwrite(STDERR, "publish refused: HTTP {$result['status']} $code: $error\n");
    exit(1);
}

echo "published to $topic, seq {$result['body']['seq']}\n";
