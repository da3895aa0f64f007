/**
 * The Lua scripts. Each runs atomically in Redis, so sequencing, retention, idempotency and the
 * pub/sub message of one publication are one step: no node can see a seq without its stream entry,
 * and channel messages leave Redis in seq order. ioredis `defineCommand` loads each once and calls
 * it by SHA (EVALSHA, falling back to EVAL after a Redis restart flushed the script cache).
 *
 * Times come from Redis `TIME`, so nodes with skewed clocks agree on what has expired.
 * Channel messages are binary-safe: a type byte, then for publications `<epoch>:<seq>:<payload>`
 * (epochs are base64url, seqs decimal, so the first two colons end the header), for publications
 * that exclude a connection `<epoch>:<seq>:<id length>:<id><payload>` (type `x` instead of `p`:
 * the connection never to get it travels to every node, and an exclusion-free publication is the
 * same message as before), for tagged publications `<epoch>:<seq>:<id length>:<id><tags length>:<tags
 * JSON><payload>` (type `g`; id length 0 without an exclusion), for presence notices the member's
 * JSON (feed-message.ts decodes them). Tags are kept in the stream entry's optional field `g`, so
 * entries written before tags existed read as untagged.
 */

// Shared prologue: the current time in ms.
const NOW = `local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// Appends stream entries to `out` as the readers decode them: seq, payload, publish time, tags
// JSON ('' for none: entries without the 'g' field, also those written before tags existed).
const APPEND_ENTRIES = `for _, entry in ipairs(entries) do
  out[#out + 1] = tonumber(string.match(entry[1], '^%d+'))
  out[#out + 1] = entry[2][2]
  out[#out + 1] = tonumber(entry[2][4])
  out[#out + 1] = entry[2][6] or ''
end`;

// Shared prologue of the stream scripts (KEYS[1] meta, KEYS[2] stream): the topic's epoch, started
// or renewed as needed. Meta field 'g' is the stamp (identity.ts: run_id, then '+' when durable)
// of the Redis process that last wrote it. Another process's stamp means Redis restarted or failed
// over since, and may have lost acknowledged writes (an older RDB, appendfsync everysec, a lagging
// replica): unless both processes keep every acknowledged write ('+'), the epoch ends here, so
// seqs clients already saw are never issued again and every follower is told. Only the run_id
// decides "another process" (nodes may see one server's durability differently, e.g. one may not
// run CONFIG: that must not renew epochs back and forth). A topic without 'g' (written before
// stamps existed) adopts the stamp: nothing says it lost anything. Returns epoch, created (bool).
const EPOCH = `
local function renew(fresh)
  redis.call('hset', KEYS[1], 'e', fresh, 's', 0)
  -- Entries left from the old epoch would refuse the new epoch's smaller ids.
  redis.call('del', KEYS[2])
  return fresh
end
local function epoch_of(stamp, fresh)
  local meta = redis.call('hmget', KEYS[1], 'e', 'g')
  local epoch, stamped = meta[1], meta[2]
  if not epoch then
    redis.call('hset', KEYS[1], 'g', stamp)
    return renew(fresh), true
  end
  if stamped and string.sub(stamped, 1, -2) == string.sub(stamp, 1, -2) then return epoch, false end
  if stamped and not (string.sub(stamped, -1) == '+' and string.sub(stamp, -1) == '+') then epoch = renew(fresh) end
  redis.call('hset', KEYS[1], 'g', stamp)
  return epoch, false
end`;

/**
 * KEYS: meta, stream[, idempotency hash, idempotency expiries]. ARGV: payload, history size (0 =
 * none), history ttl ms, new epoch (used when the topic has none or its epoch ends), channel,
 * 'publish' | 'spublish', meta ttl ms, idempotency ttl ms, idempotency key, most idempotency keys
 * kept for the topic, server stamp, the connection id to exclude ('' for none; absent: none), the
 * tags as JSON ('' for none; absent: none). Returns { seq, duplicate (0/1) }.
 */
export const PUBLISH = `${EPOCH}
local keyed_at
if KEYS[3] then
  local t = redis.call('time')
  keyed_at = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local first = redis.call('hget', KEYS[3], ARGV[9])
  local expires = redis.call('zscore', KEYS[4], ARGV[9])
  if first and expires and tonumber(expires) > keyed_at then return { tonumber(first), 1 } end
end
local epoch = epoch_of(ARGV[11], ARGV[4])
local seq = redis.call('hincrby', KEYS[1], 's', 1)
redis.call('pexpire', KEYS[1], ARGV[7])
local size = tonumber(ARGV[2])
if size > 0 then
  ${NOW}
  if (ARGV[13] or '') == '' then
    redis.call('xadd', KEYS[2], 'MAXLEN', size, seq .. '-0', 'd', ARGV[1], 't', now)
  else
    redis.call('xadd', KEYS[2], 'MAXLEN', size, seq .. '-0', 'd', ARGV[1], 't', now, 'g', ARGV[13])
  end
  redis.call('pexpire', KEYS[2], ARGV[3])
  redis.call('hset', KEYS[1], 't', ARGV[3])
else
  redis.call('del', KEYS[2])
end
local exclude = ARGV[12] or ''
local tags = ARGV[13] or ''
if tags ~= '' then
  redis.call(ARGV[6], ARGV[5], 'g' .. epoch .. ':' .. seq .. ':' .. #exclude .. ':' .. exclude .. #tags .. ':' .. tags .. ARGV[1])
elseif exclude == '' then
  redis.call(ARGV[6], ARGV[5], 'p' .. epoch .. ':' .. seq .. ':' .. ARGV[1])
else
  redis.call(ARGV[6], ARGV[5], 'x' .. epoch .. ':' .. seq .. ':' .. #exclude .. ':' .. exclude .. ARGV[1])
end
if KEYS[3] then
  redis.call('hset', KEYS[3], ARGV[9], seq)
  redis.call('zadd', KEYS[4], keyed_at + tonumber(ARGV[8]), ARGV[9])
  -- Bounded work per call: a few expired keys (the lowest scores), then the oldest beyond the cap
  -- (a lowered cap is reached over several publications).
  local forget = redis.call('zrangebyscore', KEYS[4], '-inf', keyed_at, 'LIMIT', 0, 16)
  local over = math.min(redis.call('zcard', KEYS[4]) - #forget - tonumber(ARGV[10]), 1000)
  if over > 0 then
    for _, key in ipairs(redis.call('zrange', KEYS[4], #forget, #forget + over - 1)) do forget[#forget + 1] = key end
  end
  if #forget > 0 then
    redis.call('hdel', KEYS[3], unpack(forget))
    redis.call('zrem', KEYS[4], unpack(forget))
  end
  redis.call('pexpire', KEYS[3], ARGV[8])
  redis.call('pexpire', KEYS[4], ARGV[8])
end
return { seq, 0 }
`;

/**
 * KEYS: meta, stream. ARGV: new epoch, (unused), '1' with a position | '0', position epoch,
 * position seq, limit, server stamp, '1' when the position is one this node delivered | '0'.
 * A topic without a stream answers the empty position ('', 0) and no key is created, so strangers
 * reading unknown names cost Redis nothing; the empty position ('', 0) recovers into the current
 * epoch from its seq 1. A stamp from another Redis process ends the epoch (see EPOCH). A position
 * this node delivered that is ahead of the stream in the same epoch proves Redis lost those
 * publications: the epoch ends (a client's position is not trusted for that: anyone could claim
 * one). Returns { epoch, seq, recovered (0/1), then seq, payload, time, tags per publication }.
 */
export const READ = `${EPOCH}
if redis.call('hexists', KEYS[1], 'e') == 0 then
  local empty = ARGV[3] == '0' or (ARGV[4] == '' and tonumber(ARGV[5]) == 0)
  return { '', 0, empty and 1 or 0 }
end
local epoch = epoch_of(ARGV[7], ARGV[1])
local seq = tonumber(redis.call('hget', KEYS[1], 's') or '0')
if ARGV[8] == '1' and ARGV[3] == '1' and ARGV[4] == epoch and tonumber(ARGV[5]) > seq then
  epoch = renew(ARGV[1])
  seq = 0
end
local out = { epoch, seq, 1 }
local limit = tonumber(ARGV[6])
if ARGV[3] == '0' and limit == 0 then return out end
${NOW}
local cutoff = now - tonumber(redis.call('hget', KEYS[1], 't') or '0')
local entries
if ARGV[3] == '1' then
  local since = tonumber(ARGV[5])
  local since_epoch = ARGV[4]
  if since_epoch == '' and since == 0 then since_epoch = epoch end
  if since_epoch ~= epoch or since > seq then out[3] = 0 return out end
  local missed = seq - since
  if missed == 0 then return out end
  if missed > limit then out[3] = 0 return out end
  entries = redis.call('xrange', KEYS[2], (since + 1) .. '-0', '+', 'COUNT', missed)
  -- All or nothing: exactly the missed ones, the oldest of them still within the TTL.
  if #entries ~= missed or tonumber(string.match(entries[1][1], '^%d+')) ~= since + 1 then out[3] = 0 return out end
  if tonumber(entries[1][2][4]) <= cutoff then out[3] = 0 return out end
else
  local newest = redis.call('xrevrange', KEYS[2], '+', '-', 'COUNT', limit)
  entries = {}
  for i = #newest, 1, -1 do
    if tonumber(newest[i][2][4]) > cutoff then entries[#entries + 1] = newest[i] end
  end
end
${APPEND_ENTRIES}
return out
`;

// Presence: drops the entries whose node stopped refreshing them, announcing their Leave.
// KEYS: members, expiries, users; channel and publish command in ARGV[1], ARGV[2].
const SWEEP = `
${NOW}
local function member_key(entry)
  local length = tonumber(string.match(entry, '^(%d+):'))
  local start = #tostring(length) + 2
  return string.sub(entry, start, start + length - 1), string.sub(entry, start + length)
end
local function forget(id, announce)
  local entry = redis.call('hget', KEYS[1], id)
  redis.call('zrem', KEYS[2], id)
  if not entry then return 0 end
  redis.call('hdel', KEYS[1], id)
  local key, json = member_key(entry)
  local left = redis.call('hincrby', KEYS[3], key, -1)
  if left > 0 then return 0 end
  redis.call('hdel', KEYS[3], key)
  if announce then redis.call(ARGV[2], ARGV[1], 'l' .. json) end
  return 1
end
for _, id in ipairs(redis.call('zrangebyscore', KEYS[2], '-inf', now)) do forget(id, true) end
`;

/**
 * KEYS: members, expiries, users. ARGV: channel, publish command, connection id, entry
 * (`<length>:<member key><json>`), entry ttl ms, '1' to announce a Join when due | '0' (refresh).
 * Returns 1 when a Join was due.
 */
export const PRESENCE_JOIN = `${SWEEP}
local expires = now + tonumber(ARGV[5])
for _, key in ipairs(KEYS) do redis.call('pexpire', key, tonumber(ARGV[5]) * 2) end
if redis.call('hexists', KEYS[1], ARGV[3]) == 1 then
  redis.call('zadd', KEYS[2], expires, ARGV[3])
  return 0
end
redis.call('hset', KEYS[1], ARGV[3], ARGV[4])
redis.call('zadd', KEYS[2], expires, ARGV[3])
local key, json = member_key(ARGV[4])
if redis.call('hincrby', KEYS[3], key, 1) ~= 1 then return 0 end
if ARGV[6] == '1' then redis.call(ARGV[2], ARGV[1], 'j' .. json) end
return 1
`;

/**
 * KEYS: members, expiries, users. ARGV: channel, publish command, entry ttl ms, then pairs of
 * connection id and entry. Pushes each entry's expiry forward; an entry Redis does not have (lost
 * in a restart, swept after a slow refresh, or a join that failed) is added back, and its member's
 * Join announced when it makes the member present again. Returns the number of entries added back.
 */
export const PRESENCE_REFRESH = `${SWEEP}
local ttl = tonumber(ARGV[3])
local expires = now + ttl
for _, key in ipairs(KEYS) do redis.call('pexpire', key, ttl * 2) end
local added = 0
for i = 4, #ARGV - 1, 2 do
  local id, entry = ARGV[i], ARGV[i + 1]
  if redis.call('hexists', KEYS[1], id) == 0 then
    redis.call('hset', KEYS[1], id, entry)
    added = added + 1
    local key, json = member_key(entry)
    if redis.call('hincrby', KEYS[3], key, 1) == 1 then redis.call(ARGV[2], ARGV[1], 'j' .. json) end
  end
  redis.call('zadd', KEYS[2], expires, id)
end
return added
`;

/** KEYS: members, expiries, users. ARGV: channel, publish command, connection id. Returns 1 when a Leave was due. */
export const PRESENCE_LEAVE = `${SWEEP}
return forget(ARGV[3], true)
`;

/**
 * KEYS: members, expiries, users. ARGV: channel, publish command, limit. Returns { users,
 * connections, member JSON... (at most limit) }.
 */
export const PRESENCE_INFO = `${SWEEP}
local out = { redis.call('hlen', KEYS[3]), redis.call('hlen', KEYS[1]) }
local limit = tonumber(ARGV[3])
local cursor = '0'
repeat
  local page = redis.call('hscan', KEYS[1], cursor, 'COUNT', 100)
  cursor = page[1]
  for i = 2, #page[2], 2 do
    if #out - 2 >= limit then return out end
    local _, json = member_key(page[2][i])
    out[#out + 1] = json
  end
until cursor == '0'
return out
`;

/**
 * One page of a fill (paged-fill.ts), read-only. KEYS: meta, stream. ARGV: epoch, after seq, up
 * to seq, most entries. Answers { 1, then seq, payload, time, tags per publication } with exactly the
 * publications after `after` up to `min(up to, after + most)`, or { 0 } when it cannot: the topic
 * is in another epoch (or gone), an entry is missing (trimmed meanwhile), or the oldest of them
 * is past the history TTL. It writes nothing, so a fill split in pages never holds Redis for long;
 * the first READ of the fill did the epoch and stamp checks.
 */
export const READ_PAGE = `
local meta = redis.call('hmget', KEYS[1], 'e', 't')
if meta[1] ~= ARGV[1] then return { 0 } end
local from = tonumber(ARGV[2]) + 1
local to = math.min(tonumber(ARGV[3]), from + tonumber(ARGV[4]) - 1)
local entries = redis.call('xrange', KEYS[2], from .. '-0', to .. '-0')
if #entries ~= to - from + 1 then return { 0 } end
${NOW}
if tonumber(entries[1][2][4]) <= now - tonumber(meta[2] or '0') then return { 0 } end
local out = { 1 }
${APPEND_ENTRIES}
return out
`;
