<?php
/**
 * Mints a Switchboard connection token: an HS256 JWT signed with the secret the server has as
 * SWITCHBOARD_JWT_SECRET, in plain PHP (hash_hmac + base64url), no Composer package.
 *
 *   php mint-token.php <user-id> [--ttl <seconds>] [--topics <a,b,prefix*>] [--info '<json>']
 *   php mint-token.php 42 --ttl 600 --topics 'private:42,orders:*' --info '{"name": "Ann"}'
 *
 * Environment:
 *   SWITCHBOARD_JWT_SECRET  the server's HS256 secret (at least 16 characters)
 *
 * Prints the token and exits 0; exits 2 on bad usage or a missing secret.
 *
 * Claims: `sub` (the user id; the server's client.userId and the owner of `user:<id>` topics),
 * `iat`, `exp` (the server closes the connection at this time, code 4001, unless the client
 * refreshed its token), and optionally `topics` (topics, or prefixes ending in `*`, that the
 * namespace rule `subscribe: 'claim'` allows) and `info` (public user data, shown in presence).
 */

declare(strict_types=1);

/** Base64url without padding (RFC 7515 §2), the encoding of every JWT segment. */
function switchboard_base64url(string $bytes): string
{
    return rtrim(strtr(base64_encode($bytes), '+/', '-_'), '=');
}

/**
 * Returns a signed HS256 JWT for $userId that expires $ttlSeconds after $now.
 *
 * @param string        $secret     the server's SWITCHBOARD_JWT_SECRET
 * @param string[]|null $topics     the `topics` claim, or null for none
 * @param mixed         $info       the `info` claim (any JSON value), or null for none
 * @param int|null      $now        the issue time in seconds since the epoch (default: now)
 */
function switchboard_mint_token(string $secret, string $userId, int $ttlSeconds = 3600, ?array $topics = null, mixed $info = null, ?int $now = null): string
{
    if (strlen($secret) < 16) {
        throw new InvalidArgumentException('the secret must be at least 16 characters, as the server requires');
    }
    if ($userId === '') {
        throw new InvalidArgumentException('the user id must not be empty');
    }
    $now ??= time();
    $claims = ['sub' => $userId, 'iat' => $now, 'exp' => $now + $ttlSeconds];
    if ($topics !== null) {
        $claims['topics'] = array_values($topics);
    }
    if ($info !== null) {
        $claims['info'] = $info;
    }
    $flags = JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE;
    $signingInput = switchboard_base64url(json_encode(['alg' => 'HS256', 'typ' => 'JWT'], $flags))
        . '.' . switchboard_base64url(json_encode($claims, $flags));
    return $signingInput . '.' . switchboard_base64url(hash_hmac('sha256', $signingInput, $secret, true));
}

if (PHP_SAPI !== 'cli' || realpath($_SERVER['SCRIPT_FILENAME'] ?? '') !== __FILE__) {
    return; // Included as a library: only define the functions.
}

$usage = "usage: php mint-token.php <user-id> [--ttl <seconds>] [--topics <a,b,prefix*>] [--info '<json>']\n";
$args = array_slice($argv, 1);
$userId = null;
$ttl = 3600;
$topics = null;
$info = null;
for ($i = 0; $i < count($args); $i++) {
    $arg = $args[$i];
    if (in_array($arg, ['--ttl', '--topics', '--info'], true)) {
        if (!isset($args[$i + 1])) {
            fwrite(STDERR, "$arg needs a value\n$usage");
            exit(2);
        }
        $value = $args[++$i];
        if ($arg === '--ttl') {
            if (!ctype_digit($value) || (int) $value < 1) {
                fwrite(STDERR, "--ttl must be a positive number of seconds\n");
                exit(2);
            }
            $ttl = (int) $value;
        } elseif ($arg === '--topics') {
            $topics = array_values(array_filter(array_map('trim', explode(',', $value)), fn (string $t) => $t !== ''));
        } else {
            try {
                // Objects stay objects ({} is not turned into []) when re-encoded.
                $info = json_decode($value, false, 512, JSON_THROW_ON_ERROR);
            } catch (JsonException $e) {
                fwrite(STDERR, "--info is not valid JSON: {$e->getMessage()}\n");
                exit(2);
            }
        }
    } elseif ($userId === null && !str_starts_with($arg, '--')) {
        $userId = $arg;
    } else {
        fwrite(STDERR, "unexpected argument $arg\n$usage");
        exit(2);
    }
}
if ($userId === null) {
    fwrite(STDERR, $usage);
    exit(2);
}

$secret = getenv('SWITCHBOARD_JWT_SECRET');
if ($secret === false || strlen($secret) < 16) {
    fwrite(STDERR, "set SWITCHBOARD_JWT_SECRET to the server's secret (at least 16 characters)\n");
    exit(2);
}

try {
    echo switchboard_mint_token($secret, $userId, $ttl, $topics, $info), "\n";
} catch (InvalidArgumentException $e) {
    fwrite(STDERR, $e->getMessage() . "\n");
    exit(2);
}
