<?php
/**
 * Publishes one message to a Switchboard topic over the HTTP API, with nothing but the curl
 * extension, retrying safely when the answer is "try again".
 *
 *   php publish.php <topic> '<json data>'
 *   php publish.php chat:lobby '{"user": "ann", "text": "hi"}'
 *
 * Environment:
 *   SWITCHBOARD_URL              API base URL (default http://127.0.0.1:9001)
 *   SWITCHBOARD_API_KEY          sent as "Authorization: Bearer <key>"; without a key configured,
 *                                the server answers loopback callers only
 *   SWITCHBOARD_IDEMPOTENCY_KEY  the publish's idempotency key (default: a random one per run)
 *
 * Every attempt carries the same idempotency key, so a retry after "outcome unknown" (504
 * PUBLISH_OUTCOME_UNKNOWN: the server sent it to Redis and got no answer; it may have been
 * published) or a lost answer publishes the message at most once. 503 ENGINE_UNAVAILABLE and 429
 * are retried too, after the server's Retry-After.
 *
 * Exits 0 on success, printing the topic sequence number; 1 when the server refused the message,
 * printing its {error, code} body; 2 on bad usage or when the server cannot be reached.
 */

declare(strict_types=1);

/**
 * POSTs {"topic": $topic, "data": $data[, "idempotencyKey": $idempotencyKey]} to /api/publish, once.
 *
 * @return array{status: int, body: mixed, retryAfter: ?int} the HTTP status, the decoded JSON body
 *         and the Retry-After header in seconds, when the server sent one
 * @throws RuntimeException when the request cannot be made or the answer is not JSON
 */
function switchboard_publish(string $baseUrl, string $topic, mixed $data, ?string $apiKey, ?string $idempotencyKey = null): array
{
    $fields = ['topic' => $topic, 'data' => $data];
    if ($idempotencyKey !== null) {
        $fields['idempotencyKey'] = $idempotencyKey;
    }
    $body = json_encode($fields, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
    $headers = ['Content-Type: application/json', 'Accept: application/json'];
    if ($apiKey !== null && $apiKey !== '') {
        $headers[] = 'Authorization: Bearer ' . $apiKey;
    }

    $retryAfter = null;
    $curl = curl_init(rtrim($baseUrl, '/') . '/api/publish');
    curl_setopt_array($curl, [
        CURLOPT_POST => true,
        CURLOPT_POSTFIELDS => $body,
        CURLOPT_HTTPHEADER => $headers,
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_CONNECTTIMEOUT => 5,
        CURLOPT_TIMEOUT => 10,
        CURLOPT_HEADERFUNCTION => function ($curl, string $line) use (&$retryAfter): int {
            if (preg_match('/^Retry-After:\s*(\d+)/i', $line, $m) === 1) {
                $retryAfter = (int) $m[1];
            }
            return strlen($line);
        },
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
    return ['status' => $status, 'body' => $decoded, 'retryAfter' => $retryAfter];
}

/**
 * Publishes with an idempotency key, retrying up to $attempts times while the answer says "try
 * again": 504 PUBLISH_OUTCOME_UNKNOWN (may have been published: only the same key makes the retry
 * safe), 503 ENGINE_UNAVAILABLE (nothing was published), 429 RATE_LIMITED, or no answer at all.
 * Waits the server's Retry-After (else 1 s, doubling) between attempts; $onRetry hears each one.
 *
 * @param callable(string): void|null $onRetry
 * @return array{status: int, body: mixed, retryAfter: ?int} the last answer
 * @throws RuntimeException when the last attempt could not be made
 */
function switchboard_publish_with_retry(string $baseUrl, string $topic, mixed $data, ?string $apiKey, ?string $idempotencyKey = null, int $attempts = 5, ?callable $onRetry = null): array
{
    // One key for every attempt: that is what lets the server tell a retry from a new message.
    $key = $idempotencyKey ?? bin2hex(random_bytes(16));
    $pause = 1;
    for ($attempt = 1; ; $attempt++) {
        try {
            $result = switchboard_publish($baseUrl, $topic, $data, $apiKey, $key);
        } catch (RuntimeException $e) {
            // No answer (timeout, reset): the message may or may not have been published.
            if ($attempt >= $attempts) {
                throw $e;
            }
            $onRetry && $onRetry("no answer ({$e->getMessage()}), retrying in {$pause} s with the same idempotency key");
            sleep($pause);
            $pause = min($pause * 2, 8);
            continue;
        }
        $code = is_array($result['body']) ? ($result['body']['code'] ?? '') : '';
        $retryable = in_array($code, ['PUBLISH_OUTCOME_UNKNOWN', 'ENGINE_UNAVAILABLE', 'RATE_LIMITED'], true);
        if (!$retryable || $attempt >= $attempts) {
            return $result;
        }
        $wait = $result['retryAfter'] ?? $pause;
        $onRetry && $onRetry("HTTP {$result['status']} $code, retrying in {$wait} s with the same idempotency key");
        sleep($wait);
        $pause = min($pause * 2, 8);
    }
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
$idempotencyKey = getenv('SWITCHBOARD_IDEMPOTENCY_KEY') ?: null;

try {
    $result = switchboard_publish_with_retry($baseUrl, $topic, $data, $apiKey, $idempotencyKey, 5, function (string $why): void {
        fwrite(STDERR, "$why\n");
    });
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

$duplicate = ($result['body']['duplicate'] ?? false) === true ? ' (an earlier attempt had published it)' : '';
echo "published to $topic, seq {$result['body']['seq']}$duplicate\n";
