/**
 * The Redis limiter's Lua scripts: one round trip per check and per charge,
 * atomic, on the Redis server's clock (TIME), so every instance sees the
 * same buckets at the same moment. They repeat bucket-math.ts. Keys per
 * identity (one hash slot, by the `{identity}` tag): `:r` the request
 * bucket and `:t` the token bucket (hashes of level `l` and time `t`, ms),
 * `:b` the budget (day `d`, USD spent `s`). Each key expires when its state
 * would be back to a fresh one, so idle identities cost nothing.
 */

const NOW = `local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)`;

/**
 * KEYS: requests, tokens, budget. ARGV: requests per second, burst, tokens per minute (0: none), USD per day (0: none).
 * Returns {refused (0 none, 1 requests, 2 tokens, 3 budget), retry ms, requests left (x1000), requests reset ms,
 * tokens left, tokens reset ms}. Lua numbers come back as integers, hence the scaled request level.
 */
export const CHECK_SCRIPT = `${NOW}
local rps, burst, tpm, usd = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local refused, retry = 0, 0
if usd > 0 then
  local day = math.floor(now / 86400000)
  local b = redis.call('HMGET', KEYS[3], 'd', 's')
  if tonumber(b[1]) == day and (tonumber(b[2]) or 0) >= usd then
    refused, retry = 3, (day + 1) * 86400000 - now
  end
end
local tokensLeft, tokensReset = 0, 0
if tpm > 0 then
  local perMs = tpm / 60000
  local s = redis.call('HMGET', KEYS[2], 'l', 't')
  local level = tonumber(s[1])
  if level == nil then level = tpm else level = math.min(tpm, level + math.max(0, now - tonumber(s[2])) * perMs) end
  if refused == 0 and level <= 0 then refused, retry = 2, math.floor(-level / perMs) + 1 end
  tokensLeft, tokensReset = math.max(0, math.floor(level)), math.ceil((tpm - level) / perMs)
end
local perMs = rps / 1000
local s = redis.call('HMGET', KEYS[1], 'l', 't')
local level = tonumber(s[1])
if level == nil then level = burst else level = math.min(burst, level + math.max(0, now - tonumber(s[2])) * perMs) end
if refused == 0 then
  if level >= 1 then level = level - 1 else refused, retry = 1, math.ceil((1 - level) / perMs) end
  redis.call('HSET', KEYS[1], 'l', level, 't', now)
  redis.call('PEXPIRE', KEYS[1], math.ceil((burst - level) / perMs) + 1000)
end
return {refused, retry, math.floor(level * 1000), math.ceil((burst - level) / perMs), tokensLeft, tokensReset}`;

/**
 * KEYS: tokens, budget. ARGV: tokens per minute (0: none), tokens used, USD per day (0: none), USD spent.
 * Takes the usage from the token bucket (it may go below zero) and adds the cost to today's budget.
 * Returns {day, USD spent today as a string} when it charged the budget (for the spent gauge), else 1.
 */
export const CHARGE_SCRIPT = `${NOW}
local tpm, used, usd, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if tpm > 0 and used > 0 then
  local perMs = tpm / 60000
  local s = redis.call('HMGET', KEYS[1], 'l', 't')
  local level = tonumber(s[1])
  if level == nil then level = tpm else level = math.min(tpm, level + math.max(0, now - tonumber(s[2])) * perMs) end
  level = level - used
  redis.call('HSET', KEYS[1], 'l', level, 't', now)
  redis.call('PEXPIRE', KEYS[1], math.ceil((tpm - level) / perMs) + 1000)
end
if usd > 0 and cost > 0 then
  local day = math.floor(now / 86400000)
  local b = redis.call('HMGET', KEYS[2], 'd', 's')
  local spent = 0
  if tonumber(b[1]) == day then spent = tonumber(b[2]) or 0 end
  redis.call('HSET', KEYS[2], 'd', day, 's', spent + cost)
  redis.call('PEXPIRE', KEYS[2], (day + 1) * 86400000 - now + 60000)
  return {day, tostring(spent + cost)}
end
return 1`;
