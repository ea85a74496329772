/**
 * Lua scripts of the Redis store: each operation is one round trip, however
 * long the conversation. Keys: `{prefix}t:{id}` is a hash per turn (`owner`,
 * `prev`, `body` = the turn's JSON) with a key expiry; `{prefix}expiry` is a
 * sorted set of turn ids by expiry time (ms), which makes the count one
 * ZCARD instead of a SCAN. Scripts build ancestor keys from ARGV, so the store
 * needs a single Redis (not Cluster).
 */

/** The time of the Redis server, in ms: every expiry is on one clock, whichever instance writes. */
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * KEYS: turn, expiry index. ARGV: prefix, id, owner, previous id ('' for none), body, ttl ms, max turns.
 * Stores the turn and renews the turns it continues (a conversation expires as a whole).
 */
export const CREATE = `${NOW}
local prefix, id, ttl, max = ARGV[1], ARGV[2], tonumber(ARGV[6]), tonumber(ARGV[7])
local expires = now + ttl
redis.call('HSET', KEYS[1], 'owner', ARGV[3], 'prev', ARGV[4], 'body', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], expires, id)
local prev, n = ARGV[4], 0
while prev ~= '' and n < max do
  local key = prefix .. 't:' .. prev
  local next = redis.call('HGET', key, 'prev')
  if not next then break end
  redis.call('PEXPIRE', key, ttl)
  redis.call('ZADD', KEYS[2], 'XX', expires, prev)
  prev, n = next, n + 1
end
return n`;

/**
 * KEYS: the last turn. ARGV: prefix, owner, max turns.
 * {'ok', body, body, …} newest first; {'missing'}; or {'broken', id of the first turn that is gone}.
 */
export const CHAIN = `local prefix, owner, max = ARGV[1], ARGV[2], tonumber(ARGV[3])
local f = redis.call('HMGET', KEYS[1], 'owner', 'prev', 'body')
if not f[3] or f[1] ~= owner then return {'missing'} end
local out = {'ok', f[3]}
local prev = f[2]
while prev and prev ~= '' do
  if #out > max then return redis.error_reply('conversation longer than ' .. max .. ' turns') end
  f = redis.call('HMGET', prefix .. 't:' .. prev, 'owner', 'prev', 'body')
  if not f[3] or f[1] ~= owner then return {'broken', prev} end
  out[#out + 1] = f[3]
  prev = f[2]
end
return out`;

/** KEYS: turn, expiry index. ARGV: owner, id. 1 when deleted, 0 when there was nothing of this owner's. */
export const DELETE = `if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return 1`;

/** KEYS: expiry index. Drops the ids whose keys have expired, then counts the rest. */
export const COUNT = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])`;
